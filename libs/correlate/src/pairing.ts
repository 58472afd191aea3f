// The pairing window: open packet groups indexed by fingerprint. A sighting joins the open group
// with the same fingerprint that (1) has not yet seen the packet at that point, (2) does not
// contradict flows already inferred and (3) is closest in time; equally good candidates make the
// pairing ambiguous. Groups close once the window has passed their first sighting, in creation
// order, so memory holds one window of traffic whatever the capture size.
import { findRoot, parityToRoot } from './perspective.js';
import { PacketGroup, type Sighting } from './sighting.js';

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
  ambiguous = 0;

  constructor(
    private readonly options: PairingOptions,
    private readonly close: (group: PacketGroup) => void,
  ) {}

  /** Adds the sighting to its group and returns the group. */
  place(fp: number, s: Sighting): PacketGroup {
    let best: PacketGroup | null = null;
    let bestD = Infinity;
    let secondD = Infinity;
    const limit = s.tc - this.options.windowNs;
    for (let g = this.open.get(fp) ?? null; g !== null; g = g.older) {
      if (g.firstTc < limit) break;
      const d = this.distance(g, s);
      if (d < bestD) {
        secondD = bestD;
        bestD = d;
        best = g;
      } else if (d < secondD) secondD = d;
    }
    if (best === null) {
      best = new PacketGroup(fp, s.tc);
      const newest = this.open.get(fp);
      if (newest !== undefined) {
        newest.newer = best;
        best.older = newest;
      }
      this.open.set(fp, best);
      this.queue.push(best);
    } else if (secondD - bestD < this.options.ambiguityNs && !best.ambiguous) {
      best.ambiguous = true;
      this.ambiguous++;
    }
    best.sightings.push(s);
    return best;
  }

  /** Time distance from the sighting to the group, or Infinity if it cannot belong there. */
  private distance(g: PacketGroup, s: Sighting): number {
    let d = Infinity;
    const sRoot = findRoot(s.p);
    for (const x of g.sightings) {
      const gap = Math.abs(s.tc - x.tc);
      if (x.p === s.p && x.ifIndex === s.ifIndex && x.pktType === s.pktType && x.dir === s.dir) {
        // Seen at this very point already: another packet with the same fingerprint.
        if (s.ifIndex >= 0 || gap > this.options.unknownInterfaceDupNs) return Infinity;
      }
      const xRoot = findRoot(x.p);
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
    else this.open.delete(g.fp);
    this.close(g);
  }
}
