// Clock offsets between clock domains (hosts), NTP style. For one exchange seen in domains A and
// B, a request packet's timestamp difference (tB - tA) is offset + transit and the reply's is
// offset - transit, or the other way round if B is upstream: either way the offset lies between
// the two differences, whatever the path delay. Every exchange seen in both domains gives such an
// interval; the offset is where most intervals overlap, and their intersection bounds its error.

/** The bracket of one exchange: offset(B) - offset(A) lies in [lo, hi]. */
export interface OffsetInterval {
  lo: number;
  hi: number;
}

export interface PairEstimate {
  offset: number;
  spread: number;
  intervals: number;
}

/** The point covered by the most intervals, and the intersection of those intervals. */
export function estimatePair(intervals: readonly OffsetInterval[]): PairEstimate | null {
  if (intervals.length === 0) return null;
  const events: number[] = [];
  for (const { lo, hi } of intervals) events.push(lo, -1, hi, 1);
  const order = Array.from({ length: events.length / 2 }, (_, i) => i * 2);
  // Starts before ends at equal positions, so touching intervals count as overlapping.
  order.sort((x, y) => events[x] - events[y] || events[x + 1] - events[y + 1]);
  let depth = 0;
  let best = -1;
  let at = 0;
  for (const i of order) {
    depth -= events[i + 1];
    if (depth > best) {
      best = depth;
      at = events[i];
    }
  }
  let lo = -Infinity;
  let hi = Infinity;
  for (const iv of intervals) {
    if (iv.lo <= at && at <= iv.hi) {
      if (iv.lo > lo) lo = iv.lo;
      if (iv.hi < hi) hi = iv.hi;
    }
  }
  return { offset: Math.round((lo + hi) / 2), spread: Math.round((hi - lo) / 2), intervals: best };
}

export interface DomainOffsets {
  /** Per domain: its clock minus the reference clock (ns). */
  offset: number[];
  spread: number[];
  /** Intervals that supported the estimate (0 for the reference and unreached domains). */
  pairs: number[];
}

/**
 * Offsets of every domain relative to `reference`, walking from the reference through the pairs
 * with the most intervals (errors add up along the way). Unreachable domains keep offset 0.
 */
export function resolveDomains(
  domainCount: number,
  reference: number,
  pairs: Map<number, OffsetInterval[]>,
): DomainOffsets {
  const estimates = new Map<number, PairEstimate>();
  for (const [key, intervals] of pairs) {
    const e = estimatePair(intervals);
    if (e !== null) estimates.set(key, e);
  }
  const offset = new Array<number>(domainCount).fill(0);
  const spread = new Array<number>(domainCount).fill(0);
  const count = new Array<number>(domainCount).fill(0);
  const reached = new Array<boolean>(domainCount).fill(false);
  reached[reference] = true;
  for (;;) {
    let pick: { from: number; to: number; e: PairEstimate; sign: number } | null = null;
    for (const [key, e] of estimates) {
      const a = Math.floor(key / DOMAIN_KEY);
      const b = key % DOMAIN_KEY;
      const candidates =
        reached[a] && !reached[b]
          ? { from: a, to: b, e, sign: 1 }
          : reached[b] && !reached[a]
            ? { from: b, to: a, e, sign: -1 }
            : null;
      if (candidates !== null && (pick === null || e.intervals > pick.e.intervals)) pick = candidates;
    }
    if (pick === null) break;
    reached[pick.to] = true;
    offset[pick.to] = offset[pick.from] + pick.sign * pick.e.offset;
    spread[pick.to] = spread[pick.from] + pick.e.spread;
    count[pick.to] = pick.e.intervals;
  }
  return { offset, spread, pairs: count };
}

const DOMAIN_KEY = 65536;

/** Key of the ordered domain pair (a < b); intervals are for offset(b) - offset(a). */
export function pairKey(a: number, b: number): number {
  return a * DOMAIN_KEY + b;
}

/**
 * Adds the interval given by a request and a reply difference (tB - tA of the same packet), with
 * A and B in any order: the interval is stored for the ordered pair.
 */
export function addInterval(
  pairs: Map<number, OffsetInterval[]>,
  domainA: number,
  domainB: number,
  requestDelta: number,
  replyDelta: number,
): void {
  const sign = domainA < domainB ? 1 : -1;
  const d1 = sign * requestDelta;
  const d2 = sign * replyDelta;
  const key = sign === 1 ? pairKey(domainA, domainB) : pairKey(domainB, domainA);
  let list = pairs.get(key);
  if (list === undefined) pairs.set(key, (list = []));
  list.push({ lo: Math.min(d1, d2), hi: Math.max(d1, d2) });
  if (list.length >= 2 * INTERVALS_KEPT) keepNarrowest(list, INTERVALS_KEPT);
}

/**
 * Brackets kept per domain pair: one per exchange seen in both domains would grow with the
 * capture. Past twice this many, the narrowest are kept: a valid bracket contains the offset
 * however narrow, so the narrow ones decide both the estimate and its spread, while a wrong
 * pairing's bracket lands anywhere and rarely where the narrow valid ones overlap.
 */
export const INTERVALS_KEPT = 1 << 16;

/** Keeps the `n` narrowest intervals, in their order of arrival (ties: the earlier). */
function keepNarrowest(list: OffsetInterval[], n: number): void {
  const widths = list.map((iv) => iv.hi - iv.lo);
  const cut = widths.slice().sort((a, b) => a - b)[n - 1];
  let below = 0;
  for (const w of widths) if (w < cut) below++;
  let atCut = n - below;
  let kept = 0;
  for (let i = 0; i < list.length; i++) {
    if (widths[i] < cut || (widths[i] === cut && atCut-- > 0)) list[kept++] = list[i];
  }
  list.length = kept;
}
