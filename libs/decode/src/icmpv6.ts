import { decodeEmbedded } from './embedded.js';
import { partialIcmp } from './icmp.js';
import type { DecodedPacket } from './packet.js';
import { setPayload } from './payload.js';

const ECHO_REQUEST = 128;
const ECHO_REPLY = 129;
const HAS_ID = new Uint8Array(256);
HAS_ID[ECHO_REQUEST] = HAS_ID[ECHO_REPLY] = 1;
/** Error types 1-4 (unreachable, packet too big, time exceeded, parameter problem) quote the packet. */
const LAST_ERROR = 4;

/**
 * ICMPv6 (RFC 4443): type, code, echo id/seq, and the quoted header of an error. A header cut
 * short keeps the fields that are whole.
 */
export function decodeIcmpv6(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 8) return partialIcmp(p, d, v, off, end, HAS_ID, 'ICMPv6 header');
  const type = d[off];
  p.icmpType = type;
  p.icmpCode = d[off + 1];
  if (type === ECHO_REQUEST || type === ECHO_REPLY) {
    p.icmpId = v.getUint16(off + 4);
    p.icmpSeq = v.getUint16(off + 6);
  } else if (type >= 1 && type <= LAST_ERROR) decodeEmbedded(p, d, v, off + 8, end);
  setPayload(p, d, v, off + 8, end, wireLen - 8);
}
