// MurmurHash3 (x86, 32-bit) building blocks for the hot-path hashes of fingerprints and tuples:
// integer-only, allocation-free, good avalanche for the table sizes involved.

/** Mixes one 32-bit word into the running hash `h`. */
export function mix(h: number, v: number): number {
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * 30 bits: V8's small integers (31-bit signed with pointer compression). A 31-bit hash is a heap
 * number half the time, allocated wherever it is stored, passed on or used as a Map key.
 */
export const SMI_MASK = 0x3fffffff;

/** The finalisation step: spreads the last bits across the word. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
