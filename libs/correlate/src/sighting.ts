// A sighting is one packet seen at one capture point; a packet group gathers the sightings of
// one packet (equal fingerprints close in time) across every capture point and interface.
import type { PerspectiveState } from './perspective.js';

/** Pooled by the pairing window: fields are rewritten for every packet, nothing keeps one. */
export class Sighting {
  p!: PerspectiveState;
  /** Direction within `p` (0: a -> b). */
  dir = 0;
  /** Raw timestamp (ns since the run's base second, this capture's clock). */
  t = 0;
  /** `t` on the reference clock (coarse offset applied): what pairing and ordering use. */
  tc = 0;
  capture = 0;
  domain = 0;
  /**
   * Tie-break at equal times across captures: an endpoint sends (0) before the path sees the
   * packet (1) before an endpoint receives it (2).
   */
  rank = 0;
  ifIndex = 0;
  pktType = 0;
  frame = 0;
}

/** Pooled like sightings. */
export class PacketGroup {
  /**
   * The sightings are sightings[0 .. count): the array is kept across reuses with stale slots
   * past `count`, since `length = 0` would drop its storage and the next push allocate anew.
   */
  readonly sightings: Sighting[] = [];
  count = 0;
  /** The previous (older) and next (newer) open groups with the same fingerprint key. */
  older: PacketGroup | null = null;
  newer: PacketGroup | null = null;
  /** Another open group was about as good a match for one of the sightings. */
  ambiguous = false;
  /**
   * A sighting was added out of order. Merged input arrives in time order, so this is rare, and
   * checking on add (the previous sighting is in cache then) saves the sort a cold pass at close.
   */
  unsorted = false;
  /** Index key (31 bits, a small integer for the Map) and the rest of the fingerprint. */
  key = 0;
  fp2 = 0;
  firstTc = 0;

  add(s: Sighting): void {
    const n = this.count;
    if (n > 0 && after(this.sightings[n - 1], s)) this.unsorted = true;
    this.sightings[n] = s;
    this.count = n + 1;
  }

  /**
   * Orders sightings as the packet travelled: by reference time, then file order, then rank.
   * Across clock domains, times closer than the offsets' uncertainty do not tell the order, so
   * each domain's sightings stay together (a packet crosses from one host to the next once),
   * unless their times say the packet came back.
   */
  sortByTime(uncertainty: (a: number, b: number) => number): Sighting[] {
    const s = this.sightings;
    const n = this.count;
    // In order already if no sighting came after one it should precede (insertion sort moves
    // nothing then).
    if (this.unsorted) insertionSort(s, n, after);
    const domain = s[0].domain;
    let multi = false;
    for (let i = 1; i < n; i++) if (s[i].domain !== domain) multi = true;
    if (!multi) return s;
    // Domains by the middle of their sightings (for two blocks, the order whose crossing gap
    // is the larger); blocks keep that order if no sighting is clearly out of it.
    const domains = DOMAINS;
    domainCount = 0;
    for (let k = 0; k < n; k++) {
      const x = s[k];
      // Sorted by time: a domain's first sighting is its earliest, its last its latest.
      const i = domainIndex(x.domain);
      if (i < 0) {
        MIN[domainCount] = MAX[domainCount] = x.tc;
        domains[domainCount++] = x.domain;
      } else MAX[i] = x.tc;
    }
    for (let i = 1; i < domainCount; i++) {
      for (let j = i; j > 0 && MIN[j - 1] + MAX[j - 1] > MIN[j] + MAX[j]; j--) {
        swap(domains, j);
        swap(MIN, j);
        swap(MAX, j);
      }
    }
    for (let i = 0; i < domainCount; i++)
      for (let j = i + 1; j < domainCount; j++)
        if (MAX[i] > MIN[j] + uncertainty(domains[i], domains[j])) return s;
    insertionSort(s, n, byDomainBlock);
    return s;
  }
}

// Scratch space for sortByTime (groups are sorted one at a time): DOMAINS[0 .. domainCount).
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

function byDomainBlock(a: Sighting, b: Sighting): boolean {
  return a.domain !== b.domain && domainIndex(a.domain) > domainIndex(b.domain);
}

function insertionSort(s: Sighting[], n: number, after: (a: Sighting, b: Sighting) => boolean): void {
  for (let i = 1; i < n; i++) {
    const x = s[i];
    let j = i - 1;
    while (j >= 0 && after(s[j], x)) {
      s[j + 1] = s[j];
      j--;
    }
    s[j + 1] = x;
  }
}

function after(a: Sighting, b: Sighting): boolean {
  if (a.tc !== b.tc) return a.tc > b.tc;
  if (a.capture === b.capture) return a.frame > b.frame;
  return a.rank > b.rank;
}
