import { payloadHash } from './hash.js';
import type { DecodedPacket } from './packet.js';

/**
 * Sets the payload of the innermost layer: `wireLen` bytes declared by the headers, of which the
 * bytes up to `end` were captured. No copy: an offset, two lengths and a hash.
 */
export function setPayload(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  const declared = wireLen > 0 ? wireLen : 0;
  const available = end - off > 0 ? end - off : 0;
  const captured = declared < available ? declared : available;
  p.payloadOffset = off;
  p.payloadLength = declared;
  p.payloadCaptured = captured;
  p.payloadHash = payloadHash(d, v, off, captured);
}
