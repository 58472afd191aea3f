import { type DecodedPacket, malformed, short } from './packet.js';
import { decodeTransport } from './transport.js';

/** IPv4 (RFC 791): options skipped by IHL, fragments flagged, TSO super-packets (length 0) accepted. */
export function decodeIpv4(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 20) return short(p, 'IPv4 header');
  const vihl = d[off];
  if (vihl >> 4 !== 4) return malformed(p, 'IPv4 version is not 4');
  const hl = (vihl & 0x0f) * 4;
  if (hl < 20) return malformed(p, 'IPv4 header length below 20');
  let len = v.getUint16(off + 2);
  // Linux hands segmentation-offload (and BIG TCP) super-packets to the capture with length 0.
  if (len === 0) len = end - off;
  p.ipVersion = 4;
  p.ipOffset = off;
  p.ipLength = len;
  p.tos = d[off + 1];
  p.ipId = v.getUint16(off + 4);
  const frag = v.getUint16(off + 6);
  p.dontFragment = (frag & 0x4000) !== 0;
  p.moreFragments = (frag & 0x2000) !== 0;
  p.fragOffset = (frag & 0x1fff) * 8;
  p.isFragment = p.moreFragments || p.fragOffset !== 0;
  p.ttl = d[off + 8];
  // Little-endian read into a little-endian Int32Array keeps the bytes in wire order.
  p.src32[0] = v.getInt32(off + 12, true);
  p.dst32[0] = v.getInt32(off + 16, true);
  // Addresses are known even when the options or length are broken: keep them for pairing.
  if (end - off < hl) return short(p, 'IPv4 options');
  if (len < hl) return malformed(p, 'IPv4 total length below header length');
  let ipEnd = off + len;
  if (ipEnd > end) {
    // Normal under a snaplen; impossible when the whole frame was captured.
    if (p.origlen <= p.caplen) malformed(p, 'IPv4 total length exceeds the frame');
    ipEnd = end;
  }
  decodeTransport(p, d, v, d[off + 9], off + hl, ipEnd, len - hl);
}
