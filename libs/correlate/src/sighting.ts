// A sighting is one packet seen at one capture point; a packet group gathers the sightings of
// one packet (equal fingerprints close in time) across every capture point and interface.
import type { PerspectiveState } from './perspective.js';

export class Sighting {
  constructor(
    readonly p: PerspectiveState,
    /** Direction within `p` (0: a -> b). */
    readonly dir: number,
    /** Raw timestamp (ns since the run's base second, this capture's clock). */
    readonly t: number,
    /** `t` on the reference clock (coarse offset applied): what pairing and ordering use. */
    readonly tc: number,
    readonly capture: number,
    readonly domain: number,
    /**
     * Tie-break at equal times across captures: an endpoint sends (0) before the path sees the
     * packet (1) before an endpoint receives it (2).
     */
    readonly rank: number,
    readonly ifIndex: number,
    readonly pktType: number,
    readonly frame: number,
  ) {}
}

export class PacketGroup {
  readonly sightings: Sighting[] = [];
  /** The previous (older) and next (newer) open groups with the same fingerprint. */
  older: PacketGroup | null = null;
  newer: PacketGroup | null = null;
  /** Another open group was about as good a match for one of the sightings. */
  ambiguous = false;

  constructor(
    readonly fp: number,
    readonly firstTc: number,
  ) {}

  /**
   * Orders sightings as the packet travelled: by reference time, then file order, then rank.
   * Across clock domains, times closer than the offsets' uncertainty do not tell the order, so
   * each domain's sightings stay together (a packet crosses from one host to the next once),
   * unless their times say the packet came back.
   */
  sortByTime(uncertainty: (a: number, b: number) => number): Sighting[] {
    const s = this.sightings;
    insertionSort(s, after);
    const domain = s[0].domain;
    let multi = false;
    for (let i = 1; i < s.length; i++) if (s[i].domain !== domain) multi = true;
    if (!multi) return s;
    // Domains by the middle of their sightings (for two blocks, the order whose crossing gap
    // is the larger); blocks keep that order if no sighting is clearly out of it.
    const domains: number[] = [];
    for (const x of s) if (!domains.includes(x.domain)) domains.push(x.domain);
    const min = (d: number) => s.find((x) => x.domain === d)!.tc;
    const max = (d: number) => s.findLast((x) => x.domain === d)!.tc;
    domains.sort((a, b) => min(a) + max(a) - (min(b) + max(b)));
    for (let i = 0; i < domains.length; i++)
      for (let j = i + 1; j < domains.length; j++)
        if (max(domains[i]) > min(domains[j]) + uncertainty(domains[i], domains[j])) return s;
    insertionSort(
      s,
      (a, b) => a.domain !== b.domain && domains.indexOf(a.domain) > domains.indexOf(b.domain),
    );
    return s;
  }
}

function insertionSort(s: Sighting[], after: (a: Sighting, b: Sighting) => boolean): void {
  for (let i = 1; i < s.length; i++) {
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
