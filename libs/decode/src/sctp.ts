import { type DecodedPacket, short } from './packet.js';
import { setPayload } from './payload.js';

// Chunk types (RFC 9260 section 3.2) as bits of DecodedPacket.sctpChunks.
export const SCTP_DATA = 1 << 0;
export const SCTP_INIT = 1 << 1;
export const SCTP_INIT_ACK = 1 << 2;
export const SCTP_ABORT = 1 << 6;
export const SCTP_SHUTDOWN = 1 << 7;
export const SCTP_SHUTDOWN_ACK = 1 << 8;
export const SCTP_COOKIE_ECHO = 1 << 10;
export const SCTP_SHUTDOWN_COMPLETE = 1 << 14;

/** At most this many chunk headers are read per packet (bundling rarely goes further). */
const MAX_CHUNKS = 16;

/**
 * SCTP common header (RFC 9260): ports and verification tag; chunks are payload, of which the
 * chunk types present are noted (INIT, ABORT, SHUTDOWN... tell the association's state).
 */
export function decodeSctp(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 12) {
    // Cut short: the ports and the verification tag if they are whole.
    if (end - off >= 4) {
      p.srcPort = v.getUint16(off);
      p.dstPort = v.getUint16(off + 2);
      p.hasPorts = true;
    }
    if (end - off >= 8) p.sctpVtag = v.getUint32(off + 4);
    return short(p, 'SCTP header');
  }
  p.srcPort = v.getUint16(off);
  p.dstPort = v.getUint16(off + 2);
  p.hasPorts = true;
  p.sctpVtag = v.getUint32(off + 4);
  p.sctpChunks = chunkTypes(v, off + 12, end);
  setPayload(p, d, v, off + 12, end, wireLen - 12);
}

/**
 * Bit `type` set for each chunk type below 31 among the captured chunks (bit 31 for any other
 * type). Chunk lengths come from the wire: a length below 4 ends the walk, so it always moves on.
 */
function chunkTypes(v: DataView, off: number, end: number): number {
  let types = 0;
  for (let n = 0; n < MAX_CHUNKS && end - off >= 4; n++) {
    const type = v.getUint8(off);
    types |= type < 31 ? 1 << type : 1 << 31;
    const length = v.getUint16(off + 2);
    if (length < 4) break;
    off += (length + 3) & ~3;
  }
  return types >>> 0;
}
