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

  /** Orders sightings as the packet travelled: by reference time, then file order. */
  sortByTime(): Sighting[] {
    const s = this.sightings;
    for (let i = 1; i < s.length; i++) {
      const x = s[i];
      let j = i - 1;
      while (j >= 0 && after(s[j], x)) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = x;
    }
    return s;
  }
}

function after(a: Sighting, b: Sighting): boolean {
  if (a.tc !== b.tc) return a.tc > b.tc;
  if (a.capture === b.capture) return a.frame > b.frame;
  return false;
}
