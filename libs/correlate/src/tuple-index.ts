// Perspectives of one capture by tuple, the same in both directions. Nested maps keyed by the
// address strings (interned by the adapter, so their hashes are cached) and a number for
// protocol and ports: a lookup builds no string. Tunnelled tuples add the outer header's key.
import type { PerspectiveState } from './perspective.js';

type ByPorts = Map<number, PerspectiveState | Map<string, PerspectiveState>>;

export interface TupleKey {
  lo: string;
  hi: string;
  ports: number;
  /** '' when not tunnelled. */
  outer: string;
}

export class TupleIndex {
  private readonly byAddress = new Map<string, Map<string, ByPorts>>();
  size = 0;

  /** Fills `key` for the tuple (either direction gives the same key). */
  static key(
    into: TupleKey,
    protocol: number,
    src: string,
    sport: number,
    dst: string,
    dport: number,
    tunnel: number,
    outerSrc: string,
    outerDst: string,
    vni: number,
  ): TupleKey {
    const forward = src < dst || (src === dst && sport <= dport);
    into.lo = forward ? src : dst;
    into.hi = forward ? dst : src;
    into.ports = protocol * 4294967296 + (forward ? sport * 65536 + dport : dport * 65536 + sport);
    into.outer =
      tunnel === 0
        ? ''
        : `${tunnel} ${outerSrc < outerDst ? `${outerSrc} ${outerDst}` : `${outerDst} ${outerSrc}`} ${vni}`;
    return into;
  }

  get(k: TupleKey): PerspectiveState | undefined {
    const entry = this.byAddress.get(k.lo)?.get(k.hi)?.get(k.ports);
    if (entry === undefined) return undefined;
    if (entry instanceof Map) return entry.get(k.outer);
    return k.outer === '' ? entry : undefined;
  }

  set(k: TupleKey, p: PerspectiveState): void {
    let byHi = this.byAddress.get(k.lo);
    if (byHi === undefined) this.byAddress.set(k.lo, (byHi = new Map()));
    let byPorts = byHi.get(k.hi);
    if (byPorts === undefined) byHi.set(k.hi, (byPorts = new Map()));
    const entry = byPorts.get(k.ports);
    if (k.outer === '' && !(entry instanceof Map)) {
      if (entry === undefined) this.size++;
      byPorts.set(k.ports, p);
      return;
    }
    // Tunnelled, or a plain tuple next to tunnelled ones: one map by outer key ('' = none).
    let byOuter: Map<string, PerspectiveState>;
    if (entry instanceof Map) byOuter = entry;
    else {
      byOuter = new Map();
      if (entry !== undefined) byOuter.set('', entry);
      byPorts.set(k.ports, byOuter);
    }
    if (!byOuter.has(k.outer)) this.size++;
    byOuter.set(k.outer, p);
  }

  /** Removes the entry if it is still `p` (a newer connection may have taken the tuple). */
  deleteIf(k: TupleKey, p: PerspectiveState): void {
    const byHi = this.byAddress.get(k.lo);
    const byPorts = byHi?.get(k.hi);
    const entry = byPorts?.get(k.ports);
    if (entry === undefined) return;
    if (entry instanceof Map) {
      if (entry.get(k.outer) !== p) return;
      entry.delete(k.outer);
      this.size--;
      if (entry.size > 0) return;
    } else if (entry !== p) return;
    else this.size--;
    byPorts!.delete(k.ports);
    if (byPorts!.size === 0) byHi!.delete(k.hi);
    if (byHi!.size === 0) this.byAddress.delete(k.lo);
  }
}
