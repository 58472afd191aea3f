import { decodeEmbedded } from './embedded.js';
import { type DecodedPacket, short } from './packet.js';
import { setPayload } from './payload.js';

/** ICMP types with an identifier and sequence number (echo, timestamp, information, mask). */
const HAS_ID = new Uint8Array(256);
for (const t of [0, 8, 13, 14, 15, 16, 17, 18]) HAS_ID[t] = 1;
/** ICMP error types that quote the offending datagram (unreachable, quench, redirect, time exceeded, parameter problem). */
const IS_ERROR = new Uint8Array(256);
for (const t of [3, 4, 5, 11, 12]) IS_ERROR[t] = 1;

/**
 * ICMP (RFC 792): type, code, echo id/seq, and the quoted header of an error. A header cut short
 * keeps the fields that are whole.
 */
export function decodeIcmp(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 8) return partialIcmp(p, d, v, off, end, HAS_ID, 'ICMP header');
  const type = d[off];
  p.icmpType = type;
  p.icmpCode = d[off + 1];
  if (HAS_ID[type]) {
    p.icmpId = v.getUint16(off + 4);
    p.icmpSeq = v.getUint16(off + 6);
  } else if (IS_ERROR[type]) decodeEmbedded(p, d, v, off + 8, end);
  setPayload(p, d, v, off + 8, end, wireLen - 8);
}

/**
 * Fewer than 8 bytes of an ICMP or ICMPv6 header: type (1 byte), code (2) and an echo's id (6)
 * where they are whole. `hasId[type]` says which types carry an id.
 */
export function partialIcmp(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  hasId: Uint8Array,
  reason: string,
): void {
  const have = end - off;
  if (have >= 1) p.icmpType = d[off];
  if (have >= 2) p.icmpCode = d[off + 1];
  if (have >= 6 && hasId[d[off]]) p.icmpId = v.getUint16(off + 4);
  short(p, reason);
}
