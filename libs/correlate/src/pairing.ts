// The pairing window: open packet groups indexed by fingerprint. A sighting joins the open group
// with the same fingerprint that (1) has not yet seen the packet at that point, (2) does not
// contradict flows already inferred and (3) is closest in time; equally good candidates make the
// pairing ambiguous. Groups close once the window has passed their first sighting, in creation
// order, so memory holds one window of traffic whatever the capture size.
//
// Groups are records in a ring (creation order is closing order) and the fingerprint index is an
// open-addressing table of group slots: no objects, no Map, nothing for the collector.
import { findRoot, parityToRoot } from './perspective.js';
import type { PerspectiveState } from './perspective.js';
import { SightingArena, type SightingInput } from './sighting.js';
import { sameTuple } from './tuple-index.js';

export interface PairingOptions {
  windowNs: number;
  /** Two candidates whose time distances differ by less than this are indistinguishable. */
  ambiguityNs: number;
  /** Without interface indexes, a same-point repeat this close is taken as the same packet. */
  unknownInterfaceDupNs: number;
  /** How far apart two clock domains' corrected times may be and still be in either order. */
  uncertainty: (a: number, b: number) => number;
}

/**
 * Receives a closing group: its sightings' slots in path order, order[0 .. n), read through
 * the window's `sightings` arena; `ambiguous` if another group was as good a match.
 */
export type CloseGroup = (order: Int32Array, n: number, ambiguous: boolean) => void;

// Group record: one cache line; the double first, then 32-bit integers.
const STRIDE = 64;
const F = STRIDE / 8;
const I = STRIDE / 4;
const G_FIRST_TC = 0;
/** Index key (30 bits) and the rest of the fingerprint. */
const G_KEY = 2;
const G_FP2 = 3;
const G_COUNT = 4;
/** First and last sighting (arrival order; linked through the arena's next). */
const G_HEAD = 5;
const G_LAST = 6;
/** The previous (older) and next (newer) open groups with the same key, -1 for none. */
const G_OLDER = 7;
const G_NEWER = 8;
const G_FLAGS = 9;
/** Another open group was about as good a match for one of the sightings. */
const AMBIGUOUS = 1;
/**
 * A sighting was added out of order. Merged input arrives in time order, so this is rare, and
 * checking on add (the previous sighting is in cache then) saves the sort a pass at close.
 */
const UNSORTED = 2;
const EMPTY = -1;
/**
 * Open groups of one fingerprint looked at per sighting, newest first. A flood of identical
 * packets (same payload, IP ID 0) would otherwise make every sighting scan every group in the
 * window; the nearest in time, which pairing prefers, are among the newest.
 */
const MAX_CANDIDATES = 64;

export class PairingWindow {
  readonly sightings = new SightingArena();
  private gf = new Float64Array(0);
  private gi = new Int32Array(0);
  private gCapacity = 0;
  /** Oldest open group; groups gTail .. gTail + gUsed (ring order) are open. */
  private gTail = 0;
  private gUsed = 0;
  /** Fingerprint key -> newest open group with it (linear probing, keys are hashes already). */
  private keys = new Int32Array(0);
  private values = new Int32Array(0);
  private tableUsed = 0;
  private order = new Int32Array(64);
  /** Latest first sighting of a group opened since the last break (see place). */
  private newestTc = -Infinity;
  ambiguous = 0;

  constructor(
    private readonly options: PairingOptions,
    private readonly close: CloseGroup,
  ) {
    this.resizeGroups(1 << 12);
    this.resizeTable(1 << 13);
    this.sightings.onGrow = (tail, oldCapacity) => {
      // Sightings moved: the groups' first/last slots follow.
      const mask = oldCapacity - 1;
      const move = (x: number) => (x === EMPTY ? EMPTY : (x - tail + oldCapacity) & mask);
      for (let k = 0; k < this.gUsed; k++) {
        const i = ((this.gTail + k) & (this.gCapacity - 1)) * I;
        this.gi[i + G_HEAD] = move(this.gi[i + G_HEAD]);
        this.gi[i + G_LAST] = move(this.gi[i + G_LAST]);
      }
    };
  }

  /** Adds the sighting to its group and returns the group's slot. */
  place(key: number, fp2: number, s: SightingInput): number {
    // Time went back by more than a window (a capture clock stepped back, or a timestamp far
    // ahead came first). Groups close in the order they opened, so one from ahead would hold
    // every later group open: a break, where everything open closes now.
    if (s.tc < this.newestTc - this.options.windowNs) this.flush();
    let best = -1;
    let second = -1;
    let bestD = Infinity;
    let secondD = Infinity;
    const limit = s.tc - this.options.windowNs;
    const gi = this.gi;
    let candidates = 0;
    for (let g = this.lookup(key); g !== EMPTY; g = gi[g * I + G_OLDER]) {
      if (this.gf[g * F + G_FIRST_TC] < limit) break;
      if (gi[g * I + G_FP2] !== fp2) continue;
      if (++candidates > MAX_CANDIDATES) break;
      const d = this.distance(g, s);
      if (d < bestD) {
        second = best;
        secondD = bestD;
        best = g;
        bestD = d;
      } else if (d < secondD) {
        second = g;
        secondD = d;
      }
    }
    if (best === EMPTY) best = this.open(key, fp2, s.tc);
    else if (second !== EMPTY && secondD - bestD < this.options.ambiguityNs && !this.sameFlow(best, second)) {
      // Two packets of different (or unknown) flows fit about as well: pairing would be a guess,
      // so neither group links anything (both are reported ambiguous).
      this.markAmbiguous(best);
      this.markAmbiguous(second);
    }
    this.append(best, this.sightings.add(s));
    return best;
  }

  /** Did a sighting of `group` before its last one come from perspective `p`? */
  seenBefore(group: number, p: PerspectiveState): boolean {
    const last = this.gi[group * I + G_LAST];
    const S = this.sightings;
    for (let x = this.gi[group * I + G_HEAD]; x !== last; x = S.next(x)) if (S.p[x] === p) return true;
    return false;
  }

  /** Closes every group whose window ended before `tc`. */
  advance(tc: number): void {
    const limit = tc - this.options.windowNs;
    while (this.gUsed > 0 && this.gf[this.gTail * F + G_FIRST_TC] < limit) this.closeOldest();
  }

  /** Closes every open group (end of input). */
  flush(): void {
    while (this.gUsed > 0) this.closeOldest();
    this.newestTc = -Infinity;
  }

  /** Time distance from the sighting to the group, or Infinity if it cannot belong there. */
  private distance(g: number, s: SightingInput): number {
    const S = this.sightings;
    let d = Infinity;
    const sRoot = findRoot(s.p);
    const sParity = parityToRoot(s.p) ^ s.dir;
    let lastP = null;
    let xRoot = sRoot;
    let xParity = 0;
    // At a pod's own capture without interfaces (its eth0), nothing translates a packet: it is
    // seen there again only when the path brought it back under another tuple (a hairpin to
    // itself), so some other capture must have seen it under the tuple it returns with.
    const pod = s.endpoint === 1 && s.ifIndex < 0;
    let repeatAtPod = false;
    let returned = false;
    for (let x = this.gi[g * I + G_HEAD]; x !== EMPTY; x = S.next(x)) {
      const gap = Math.abs(s.tc - S.tc(x));
      const xp = S.p[x];
      const capture = S.capture(x);
      if (pod) {
        if (capture === s.capture) {
          if (xp === s.p) return Infinity;
          repeatAtPod = true;
        } else if (!returned && sameTuple(xp, s.p)) returned = true;
      }
      if (capture === s.capture && S.ifIndex(x) === s.ifIndex && S.pktType(x) === s.pktType) {
        // One interface sees a packet pass one way once: a repeat there is another packet.
        // Without interface indexes "same point" may be two interfaces: allow, within a moment,
        // a copy of the same tuple or another tuple (a translation on the way out).
        if (s.ifIndex >= 0 || gap > this.options.unknownInterfaceDupNs) return Infinity;
      }
      // A packet has one sender and one receiver: two endpoints sending (or receiving) the
      // same fingerprint are two packets.
      if (s.rank !== 1 && S.rank(x) === s.rank && capture !== s.capture) return Infinity;
      if (xp !== lastP) {
        lastP = xp;
        xRoot = findRoot(xp);
        xParity = parityToRoot(xp);
      }
      if (xRoot === sRoot) {
        // Known to be one flow: the directions must agree with what pairing inferred before.
        if ((xParity ^ S.dir(x)) !== sParity) return Infinity;
      } else if (xRoot.rank > 0 && sRoot.rank > 0) {
        // Both already belong to flows of their own: joining them would merge two connections.
        return Infinity;
      }
      if (gap < d) d = gap;
    }
    return repeatAtPod && !returned ? Infinity : d;
  }

  /** Do two groups' packets belong to one flow already known? */
  private sameFlow(a: number, b: number): boolean {
    const P = this.sightings.p;
    const ra = findRoot(P[this.gi[a * I + G_HEAD]]);
    return ra.rank > 0 && ra === findRoot(P[this.gi[b * I + G_HEAD]]);
  }

  private markAmbiguous(g: number): void {
    const i = g * I + G_FLAGS;
    if ((this.gi[i] & AMBIGUOUS) === 0) this.ambiguous++;
    this.gi[i] |= AMBIGUOUS;
  }

  /** A new group, the newest for its key. */
  private open(key: number, fp2: number, tc: number): number {
    if (this.gUsed === this.gCapacity) this.growGroups();
    const g = (this.gTail + this.gUsed) & (this.gCapacity - 1);
    this.gUsed++;
    const i = g * I;
    const gi = this.gi;
    this.gf[g * F + G_FIRST_TC] = tc;
    if (tc > this.newestTc) this.newestTc = tc;
    gi[i + G_KEY] = key;
    gi[i + G_FP2] = fp2;
    gi[i + G_COUNT] = 0;
    gi[i + G_HEAD] = gi[i + G_LAST] = EMPTY;
    gi[i + G_NEWER] = EMPTY;
    gi[i + G_FLAGS] = 0;
    const newest = this.lookup(key);
    gi[i + G_OLDER] = newest;
    if (newest !== EMPTY) gi[newest * I + G_NEWER] = g;
    this.store(key, g);
    return g;
  }

  private append(g: number, slot: number): void {
    const i = g * I;
    const gi = this.gi;
    const last = gi[i + G_LAST];
    if (last === EMPTY) gi[i + G_HEAD] = slot;
    else {
      if (this.sightings.after(last, slot)) gi[i + G_FLAGS] |= UNSORTED;
      this.sightings.setNext(last, slot);
    }
    gi[i + G_LAST] = slot;
    gi[i + G_COUNT]++;
  }

  private closeOldest(): void {
    const g = this.gTail;
    const i = g * I;
    const gi = this.gi;
    const newer = gi[i + G_NEWER];
    if (newer !== EMPTY) gi[newer * I + G_OLDER] = EMPTY;
    else this.remove(gi[i + G_KEY]);
    const n = gi[i + G_COUNT];
    if (this.order.length < n) this.order = new Int32Array(n * 2);
    const order = this.order;
    const S = this.sightings;
    let k = 0;
    for (let x = gi[i + G_HEAD]; x !== EMPTY; x = S.next(x)) order[k++] = x;
    if (gi[i + G_FLAGS] & UNSORTED) insertionSort(order, n, (a, b) => S.after(a, b));
    this.orderDomains(order, n);
    this.settleLoose(order, n);
    this.close(order, n, (gi[i + G_FLAGS] & AMBIGUOUS) !== 0);
    // Recycle: the close callback keeps nothing of the group or its sightings.
    for (k = 0; k < n; k++) S.free(order[k]);
    this.gTail = (this.gTail + 1) & (this.gCapacity - 1);
    this.gUsed--;
  }

  /**
   * Sightings sorted by time are in path order within a clock domain. Across domains, times
   * closer than the offsets' uncertainty do not tell the order, so each domain's sightings stay
   * together (a packet crosses from one host to the next once), unless their times say the
   * packet came back.
   */
  private orderDomains(order: Int32Array, n: number): void {
    const S = this.sightings;
    const domain = S.domain(order[0]);
    let multi = false;
    for (let k = 1; k < n; k++) if (S.domain(order[k]) !== domain) multi = true;
    if (!multi) return;
    // Domains by the middle of their sightings (for two blocks, the order whose crossing gap
    // is the larger); blocks keep that order if no sighting is clearly out of it.
    domainCount = 0;
    for (let k = 0; k < n; k++) {
      const x = order[k];
      // Sorted by time: a domain's first sighting is its earliest, its last its latest.
      const d = domainIndex(S.domain(x));
      if (d < 0) {
        MIN[domainCount] = MAX[domainCount] = S.tc(x);
        DOMAINS[domainCount++] = S.domain(x);
      } else MAX[d] = S.tc(x);
    }
    for (let a = 1; a < domainCount; a++) {
      for (let b = a; b > 0 && MIN[b - 1] + MAX[b - 1] > MIN[b] + MAX[b]; b--) {
        swap(DOMAINS, b);
        swap(MIN, b);
        swap(MAX, b);
      }
    }
    for (let a = 0; a < domainCount; a++)
      for (let b = a + 1; b < domainCount; b++)
        if (MAX[a] > MIN[b] + this.options.uncertainty(DOMAINS[a], DOMAINS[b])) return;
    // An endpoint's send is the packet's first sighting and its receipt the last: blocks that
    // put another host before the sender or after the receiver are wrong, as when the packet
    // left a host and came back (a NodePort on another node DNATing to a pod on the first)
    // faster than the clocks can tell. Time order stands then.
    for (let k = 0; k < n; k++) {
      const rank = S.rank(order[k]);
      if (rank === 1) continue;
      const block = domainIndex(S.domain(order[k]));
      if ((rank === 0 && block !== 0) || (rank === 2 && block !== domainCount - 1)) return;
    }
    // By domain block, stable (time order within a block): a closure here would be allocated
    // for nearly every group.
    for (let i = 1; i < n; i++) {
      const x = order[i];
      const block = domainIndex(S.domain(x));
      let j = i - 1;
      while (j >= 0 && domainIndex(S.domain(order[j])) > block) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = x;
    }
  }

  /**
   * An endpoint capture without packet directions (a pod's plain `tcpdump -i eth0`) only sends
   * or receives, so its sighting is first or last. Where it ties in time with the path's (a veth
   * pair crosses within a microsecond, and pcap stamps microseconds) arrival order put it
   * anywhere in the tie: it moves to the end that the tie reaches.
   */
  private settleLoose(order: Int32Array, n: number): void {
    const S = this.sightings;
    for (let k = 1; k < n - 1; k++) {
      const x = order[k];
      if (!S.loose(x)) continue;
      const t = S.tc(x);
      let j = 0;
      while (j < k && S.tc(order[j]) === t) j++;
      if (j === k) {
        order.copyWithin(1, 0, k);
        order[0] = x;
        continue;
      }
      j = k + 1;
      while (j < n && S.tc(order[j]) === t) j++;
      if (j === n) {
        order.copyWithin(k, k + 1, n);
        order[n - 1] = x;
      }
    }
  }

  // ---- the fingerprint table: open addressing, linear probing, backward-shift deletion ----

  private lookup(key: number): number {
    const mask = this.keys.length - 1;
    for (let h = key & mask; ; h = (h + 1) & mask) {
      const k = this.keys[h];
      if (k === key) return this.values[h];
      if (k === EMPTY) return EMPTY;
    }
  }

  private store(key: number, g: number): void {
    const mask = this.keys.length - 1;
    let h = key & mask;
    while (this.keys[h] !== EMPTY && this.keys[h] !== key) h = (h + 1) & mask;
    if (this.keys[h] === EMPTY) {
      this.keys[h] = key;
      this.tableUsed++;
    }
    this.values[h] = g;
    if (this.tableUsed * 2 > this.keys.length) this.resizeTable(this.keys.length * 2);
  }

  private remove(key: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let h = key & mask;
    while (keys[h] !== key) {
      if (keys[h] === EMPTY) return;
      h = (h + 1) & mask;
    }
    // Move back every later entry of the probe run that may not sit past the hole.
    let hole = h;
    for (let j = (h + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = keys[j] & mask;
      const between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (between) continue;
      keys[hole] = keys[j];
      this.values[hole] = this.values[j];
      hole = j;
    }
    keys[hole] = EMPTY;
    this.tableUsed--;
  }

  private resizeTable(capacity: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Int32Array(capacity).fill(EMPTY);
    this.values = new Int32Array(capacity);
    this.tableUsed = 0;
    for (let h = 0; h < oldKeys.length; h++) if (oldKeys[h] !== EMPTY) this.store(oldKeys[h], oldValues[h]);
  }

  // ---- the group ring ----

  private resizeGroups(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * STRIDE);
    this.gf = new Float64Array(buffer);
    this.gi = new Int32Array(buffer);
    this.gCapacity = capacity;
  }

  /** Doubles the ring, open groups moved to the start in order; every group slot is rewritten. */
  private growGroups(): void {
    const oldF = this.gf;
    const oldCap = this.gCapacity;
    const tail = this.gTail;
    const move = (g: number) => (g === EMPTY ? EMPTY : (g - tail + oldCap) & (oldCap - 1));
    this.resizeGroups(oldCap * 2);
    // The ring is full: two block copies, the integer fields moving with the doubles' bytes.
    this.gf.set(oldF.subarray(tail * F), 0);
    this.gf.set(oldF.subarray(0, tail * F), (oldCap - tail) * F);
    for (let k = 0; k < this.gUsed; k++) {
      this.gi[k * I + G_OLDER] = move(this.gi[k * I + G_OLDER]);
      this.gi[k * I + G_NEWER] = move(this.gi[k * I + G_NEWER]);
    }
    this.gTail = 0;
    for (let h = 0; h < this.keys.length; h++)
      if (this.keys[h] !== EMPTY) this.values[h] = move(this.values[h]);
  }
}

// Scratch space for orderDomains (groups are ordered one at a time): DOMAINS[0 .. domainCount).
const DOMAINS: number[] = [];
let domainCount = 0;
const MIN: number[] = [];
const MAX: number[] = [];

function domainIndex(domain: number): number {
  for (let i = 0; i < domainCount; i++) if (DOMAINS[i] === domain) return i;
  return -1;
}

function swap(a: number[], j: number): void {
  const x = a[j - 1];
  a[j - 1] = a[j];
  a[j] = x;
}

function insertionSort(a: Int32Array, n: number, after: (x: number, y: number) => boolean): void {
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && after(a[j], x)) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}
