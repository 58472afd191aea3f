import { type DecodedPacket, short } from './packet.js';
import { setPayload } from './payload.js';

/** SCTP common header (RFC 9260): ports and verification tag; chunks are payload. */
export function decodeSctp(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 12) return short(p, 'SCTP header');
  p.srcPort = v.getUint16(off);
  p.dstPort = v.getUint16(off + 2);
  p.sctpVtag = v.getUint32(off + 4);
  setPayload(p, d, v, off + 12, end, wireLen - 12);
}
