// K-way merge of the captures by reference time (each capture's coarse clock offset applied).
// Sources may reuse one packet object each: a head is handed on before its source moves on.
import type { CorrelatePacket } from './types.js';

export type Visit = (capture: number, p: CorrelatePacket) => void;

export function mergeSync(
  sources: Iterable<CorrelatePacket>[],
  key: (capture: number, p: CorrelatePacket) => number,
  visit: Visit,
): void {
  const iters = sources.map((s) => s[Symbol.iterator]());
  const heads: (CorrelatePacket | null)[] = iters.map(() => null);
  const keys = iters.map(() => Infinity);
  const advance = (i: number) => {
    const r = iters[i].next();
    heads[i] = r.done ? null : r.value;
    keys[i] = r.done ? Infinity : key(i, r.value);
  };
  iters.forEach((_, i) => advance(i));
  for (;;) {
    const min = earliest(keys);
    if (min < 0) return;
    visit(min, heads[min]!);
    advance(min);
  }
}

/** The source whose head comes first (the lowest index among equals), -1 when all are done. */
function earliest(keys: number[]): number {
  let min = -1;
  let minKey = Infinity;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] < minKey) {
      minKey = keys[i];
      min = i;
    }
  }
  return min;
}

/** Async sources yield chunks (e.g. one decoded batch) so the merge awaits once per chunk. */
export async function mergeAsync(
  sources: AsyncIterable<Iterable<CorrelatePacket>>[],
  key: (capture: number, p: CorrelatePacket) => number,
  visit: Visit,
): Promise<void> {
  const chunks = sources.map((s) => s[Symbol.asyncIterator]());
  const inner: Iterator<CorrelatePacket>[] = chunks.map(() => [][Symbol.iterator]());
  const heads: (CorrelatePacket | null)[] = chunks.map(() => null);
  const keys = chunks.map(() => Infinity);
  const advance = async (i: number) => {
    for (;;) {
      const r = inner[i].next();
      if (!r.done) {
        heads[i] = r.value;
        keys[i] = key(i, r.value);
        return;
      }
      const c = await chunks[i].next();
      if (c.done) {
        heads[i] = null;
        keys[i] = Infinity;
        return;
      }
      inner[i] = c.value[Symbol.iterator]();
    }
  };
  try {
    for (let i = 0; i < chunks.length; i++) await advance(i);
    for (;;) {
      const min = earliest(keys);
      if (min < 0) return;
      visit(min, heads[min]!);
      // Stay synchronous while the current chunk lasts.
      const r = inner[min].next();
      if (!r.done) {
        heads[min] = r.value;
        keys[min] = key(min, r.value);
      } else {
        inner[min] = [][Symbol.iterator]();
        await advance(min);
      }
    }
  } catch (error) {
    // One source failed (or the engine did): the others are closed now, not when collected,
    // so a failed analysis leaves no capture file open.
    await Promise.allSettled(chunks.map((c) => c.return?.()));
    throw error;
  }
}
