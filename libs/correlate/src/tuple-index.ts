// Perspectives of one capture by tuple, the same in both directions. One Map from a 30-bit hash
// of the tuple (addresses, ports, protocol, outer addresses) to a chain of perspectives linked
// through their `indexNext`, compared field by field: a lookup builds no key object or string,
// and no Maps are created and dropped per address pair.
import type { PerspectiveState } from './perspective.js';
import { fmix, mix, SMI_MASK } from './murmur.js';

export class TupleIndex {
  private readonly heads = new Map<number, PerspectiveState>();

  /** The tuple's hash; either direction gives the same (endpoint hashes are added). */
  static hash(
    protocol: number,
    src: string,
    sport: number,
    dst: string,
    dport: number,
    tunnel: number,
    outerSrc: string,
    outerDst: string,
  ): number {
    let h = (fmix(mix(stringHash(src), sport)) + fmix(mix(stringHash(dst), dport))) | 0;
    h = mix(h, protocol);
    // Untunnelled packets may carry a stale outer header: only the tunnel kind counts then. The
    // VNI (GRE key) is no part of the tuple: it may differ per direction (Cilium puts the
    // sender's identity in it), and the inner tuple and the two nodes already tell flows apart.
    if (tunnel !== 0) h = mix(mix(h, tunnel), (stringHash(outerSrc) + stringHash(outerDst)) | 0);
    return fmix(h) & SMI_MASK;
  }

  /** The indexed perspective with this tuple (`hash` from TupleIndex.hash). */
  get(
    hash: number,
    protocol: number,
    src: string,
    sport: number,
    dst: string,
    dport: number,
    tunnel: number,
    outerSrc: string,
    outerDst: string,
  ): PerspectiveState | undefined {
    for (let p = this.heads.get(hash) ?? null; p !== null; p = p.indexNext) {
      if (p.protocol !== protocol || p.tunnel !== tunnel) continue;
      if (tunnel !== 0 && !samePair(p.outerSrc, p.outerDst, outerSrc, outerDst)) continue;
      if (
        (p.aPort === sport && p.bPort === dport && p.aAddr === src && p.bAddr === dst) ||
        (p.aPort === dport && p.bPort === sport && p.aAddr === dst && p.bAddr === src)
      )
        return p;
    }
    return undefined;
  }

  /** Indexes `p` under its indexHash, in place of any perspective with the same tuple. */
  set(p: PerspectiveState): void {
    const head = this.heads.get(p.indexHash) ?? null;
    let prev: PerspectiveState | null = null;
    for (let q = head; q !== null; prev = q, q = q.indexNext) {
      if (sameTuple(p, q)) {
        this.unlink(q, prev);
        // Still live in its flow, but the tuple's packets are p's now: lookups anywhere must agree.
        q.superseded = true;
        break;
      }
    }
    p.indexNext = this.heads.get(p.indexHash) ?? null;
    this.heads.set(p.indexHash, p);
  }

  /** Removes `p` if it is still indexed (a newer connection may have taken the tuple). */
  deleteIf(p: PerspectiveState): void {
    let prev: PerspectiveState | null = null;
    for (let q = this.heads.get(p.indexHash) ?? null; q !== null; prev = q, q = q.indexNext) {
      if (q === p) {
        this.unlink(q, prev);
        return;
      }
    }
  }

  private unlink(q: PerspectiveState, prev: PerspectiveState | null): void {
    if (prev !== null) prev.indexNext = q.indexNext;
    else if (q.indexNext !== null) this.heads.set(q.indexHash, q.indexNext);
    else this.heads.delete(q.indexHash);
    q.indexNext = null;
  }
}

/** The same tuple (either way round), as the index's former string keys compared them. */
export function sameTuple(p: PerspectiveState, q: PerspectiveState): boolean {
  if (p.protocol !== q.protocol || p.tunnel !== q.tunnel) return false;
  if (p.tunnel !== 0 && !samePair(p.outerSrc, p.outerDst, q.outerSrc, q.outerDst)) return false;
  return (
    (p.aPort === q.aPort && p.bPort === q.bPort && p.aAddr === q.aAddr && p.bAddr === q.bAddr) ||
    (p.aPort === q.bPort && p.bPort === q.aPort && p.aAddr === q.bAddr && p.bAddr === q.aAddr)
  );
}

function samePair(a1: string, b1: string, a2: string, b2: string): boolean {
  return (a1 === a2 && b1 === b2) || (a1 === b2 && b1 === a2);
}

/** FNV-1a over the address text (short: a dotted quad or an IPv6 address). */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
