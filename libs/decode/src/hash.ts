import { PAYLOAD_HASH_BYTES } from './packet.js';

/**
 * A fast 32-bit hash of the first PAYLOAD_HASH_BYTES of a payload (FNV-style multiply per 32-bit
 * word, murmur3's finaliser). It only has to tell one packet's payload from another's in the same
 * flow and time window, so speed wins over cryptographic strength. 0 means "no payload".
 */
export function payloadHash(d: Uint8Array, v: DataView, off: number, len: number): number {
  const n = len > PAYLOAD_HASH_BYTES ? PAYLOAD_HASH_BYTES : len;
  if (n <= 0) return 0;
  let h = 0x811c9dc5;
  const end = off + n;
  const end4 = off + (n & ~3);
  let i = off;
  for (; i < end4; i += 4) h = Math.imul(h ^ v.getInt32(i, true), 0x01000193);
  for (; i < end; i++) h = Math.imul(h ^ d[i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}
