import { PAYLOAD_HASH_BYTES } from './packet.js';

/**
 * A fast 32-bit hash of the first PAYLOAD_HASH_BYTES of a payload (FNV-style multiply per 32-bit
 * word, murmur3's finaliser). It only has to tell one packet's payload from another's in the same
 * flow and time window, so speed wins over cryptographic strength. 0 means "no payload".
 */
export function payloadHash(d: Uint8Array, v: DataView, off: number, len: number): number {
  const n = len > PAYLOAD_HASH_BYTES ? PAYLOAD_HASH_BYTES : len;
  if (n <= 0) return 0;
  // Two independent lanes over 8-byte steps: the multiplies overlap instead of waiting in line.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ n;
  const end = off + n;
  const end8 = off + (n & ~7);
  let i = off;
  for (; i < end8; i += 8) {
    a = Math.imul(a ^ v.getInt32(i, true), 0x01000193);
    b = Math.imul(b ^ v.getInt32(i + 4, true), 0x5bd1e995);
  }
  for (; i < end; i++) a = Math.imul(a ^ d[i], 0x01000193);
  let h = a ^ Math.imul(b, 0x27d4eb2d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}
