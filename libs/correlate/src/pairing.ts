// The pairing window: open packet groups indexed by fingerprint. A sighting joins the open group
// with the same fingerprint that (1) has not yet seen the packet at that point, (2) does not
// contradict flows already inferred and (3) is closest in time; equally good candidates make the
// pairing ambiguous. Groups close once the window has passed their first sighting, in creation
// order, so memory holds one window of traffic whatever the capture size.
import { findRoot, parityToRoot } from './perspective.js';
import { PacketGroup, Sighting } from './sighting.js';

export interface PairingOptions {
  windowNs: number;
  /** Two candidates whose time distances differ by less than this are indistinguishable. */
  ambiguityNs: number;
  /** Without interface indexes, a same-point repeat this close is taken as the same packet. */
  unknownInterfaceDupNs: number;
}

export class PairingWindow {
  private readonly open = new Map<number, PacketGroup>();
  private queue: PacketGroup[] = [];
  private head = 0;
  private readonly freeSightings: Sighting[] = [];
  private readonly freeGroups: PacketGroup[] = [];
  ambiguous = 0;

  constructor(
    private readonly options: PairingOptions,
    private readonly close: (group: PacketGroup) => void,
  ) {}

  /** A sighting to fill and place (recycled from closed groups). */
  sighting(): Sighting {
    return this.freeSightings.pop() ?? new Sighting();
  }

  /** Adds the sighting to its group and returns the group. */
  place(key: number, fp2: number, s: Sighting): PacketGroup {
    let best: PacketGroup | null = null;
    let second: PacketGroup | null = null;
    let bestD = Infinity;
    let secondD = Infinity;
    const limit = s.tc - this.options.windowNs;
    for (let g = this.open.get(key) ?? null; g !== null; g = g.older) {
      if (g.firstTc < limit) break;
      if (g.fp2 !== fp2) continue;
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
    if (best === null) {
      best = this.freeGroups.pop() ?? new PacketGroup();
      best.key = key;
      best.fp2 = fp2;
      best.firstTc = s.tc;
      const newest = this.open.get(key);
      if (newest !== undefined) {
        newest.newer = best;
        best.older = newest;
      }
      this.open.set(key, best);
      this.queue.push(best);
    } else if (second !== null && secondD - bestD < this.options.ambiguityNs && !sameFlow(best, second)) {
      // Two packets of different (or unknown) flows fit about as well: pairing would be a guess,
      // so neither group links anything (both are reported ambiguous).
      for (const g of [best, second]) {
        if (!g.ambiguous) this.ambiguous++;
        g.ambiguous = true;
      }
    }
    best.add(s);
    return best;
  }

  /** Time distance from the sighting to the group, or Infinity if it cannot belong there. */
  private distance(g: PacketGroup, s: Sighting): number {
    let d = Infinity;
    const sRoot = findRoot(s.p);
    let lastP = null;
    let xRoot = sRoot;
    for (let k = 0; k < g.count; k++) {
      const x = g.sightings[k];
      const gap = Math.abs(s.tc - x.tc);
      if (x.capture === s.capture && x.ifIndex === s.ifIndex && x.pktType === s.pktType) {
        // One interface sees a packet pass one way once: a repeat there is another packet.
        // Without interface indexes "same point" may be two interfaces: allow a copy of the
        // same tuple within a moment, or another tuple (a translation on the way out).
        if (s.ifIndex >= 0 || (x.p === s.p && gap > this.options.unknownInterfaceDupNs)) return Infinity;
      }
      // A packet has one sender and one receiver: two endpoints sending (or receiving) the
      // same fingerprint are two packets.
      if (s.rank !== 1 && x.rank === s.rank && x.capture !== s.capture) return Infinity;
      if (x.p !== lastP) {
        lastP = x.p;
        xRoot = findRoot(x.p);
      }
      if (xRoot === sRoot) {
        // Known to be one flow: the directions must agree with what pairing inferred before.
        if ((parityToRoot(x.p) ^ parityToRoot(s.p)) !== (x.dir ^ s.dir)) return Infinity;
      } else if (xRoot.rank > 0 && sRoot.rank > 0) {
        // Both already belong to flows of their own: joining them would merge two connections.
        return Infinity;
      }
      if (gap < d) d = gap;
    }
    return d;
  }

  /** Closes every group whose window ended before `tc`. */
  advance(tc: number): void {
    const limit = tc - this.options.windowNs;
    const q = this.queue;
    while (this.head < q.length && q[this.head].firstTc < limit) this.closeHead();
    if (this.head > 65536 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  /** Closes every open group (end of input). */
  flush(): void {
    while (this.head < this.queue.length) this.closeHead();
    this.queue = [];
    this.head = 0;
  }

  private closeHead(): void {
    const g = this.queue[this.head];
    this.queue[this.head++] = undefined as unknown as PacketGroup;
    if (g.newer !== null) g.newer.older = null;
    else this.open.delete(g.key);
    this.close(g);
    // Recycle: the close callback keeps nothing of the group or its sightings.
    for (let k = 0; k < g.count; k++) this.freeSightings.push(g.sightings[k]);
    g.count = 0;
    g.older = g.newer = null;
    g.ambiguous = g.unsorted = false;
    this.freeGroups.push(g);
  }
}

/** Do two groups' packets belong to one flow already known? */
function sameFlow(a: PacketGroup, b: PacketGroup): boolean {
  const ra = findRoot(a.sightings[0].p);
  return ra.rank > 0 && ra === findRoot(b.sightings[0].p);
}
