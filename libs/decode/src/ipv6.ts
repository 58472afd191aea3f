import { type DecodedPacket, malformed, short } from './packet.js';
import { decodeTransport } from './transport.js';

// Extension headers whose length is (byte 1 + 1) * 8 (RFC 8200 4.1, RFC 6275, RFC 7401, RFC 5533).
const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const DEST_OPTIONS = 60;
const MOBILITY = 135;
const HIP = 139;
const SHIM6 = 140;
const MAX_EXTENSION_HEADERS = 16;

/** IPv6 (RFC 8200) with its extension-header chain; the fragment header's id goes to ipId. */
export function decodeIpv6(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 40) return short(p, 'IPv6 header');
  const w = v.getUint32(off);
  if (w >>> 28 !== 6) return malformed(p, 'IPv6 version is not 6');
  let plen = v.getUint16(off + 4);
  // 0 is a jumbogram or a segmentation-offload super-packet: the capture is all there is.
  if (plen === 0) plen = end - off - 40;
  p.ipVersion = 6;
  p.ipOffset = off;
  p.ipLength = 40 + plen;
  p.tos = (w >>> 20) & 0xff;
  p.flowLabel = w & 0xfffff;
  p.ttl = d[off + 7];
  // Word copies (little-endian in and out keeps wire order); subarray() would allocate.
  const src = p.src32;
  const dst = p.dst32;
  src[0] = v.getInt32(off + 8, true);
  src[1] = v.getInt32(off + 12, true);
  src[2] = v.getInt32(off + 16, true);
  src[3] = v.getInt32(off + 20, true);
  dst[0] = v.getInt32(off + 24, true);
  dst[1] = v.getInt32(off + 28, true);
  dst[2] = v.getInt32(off + 32, true);
  dst[3] = v.getInt32(off + 36, true);
  const declaredEnd = off + 40 + plen;
  let ipEnd = declaredEnd;
  if (ipEnd > end) {
    if (p.origlen <= p.caplen) malformed(p, 'IPv6 payload length exceeds the frame');
    ipEnd = end;
  }
  let nh = d[off + 6];
  let o = off + 40;
  for (let n = 0; ; n++) {
    if (n > MAX_EXTENSION_HEADERS) return malformed(p, 'too many IPv6 extension headers');
    if (
      nh === HOP_BY_HOP ||
      nh === ROUTING ||
      nh === DEST_OPTIONS ||
      nh === MOBILITY ||
      nh === HIP ||
      nh === SHIM6
    ) {
      if (ipEnd - o < 8) return short(p, 'IPv6 extension header');
      const len = (d[o + 1] + 1) * 8;
      if (ipEnd - o < len) return short(p, 'IPv6 extension header');
      nh = d[o];
      o += len;
    } else if (nh === FRAGMENT) {
      if (ipEnd - o < 8) return short(p, 'IPv6 fragment header');
      const frag = v.getUint16(o + 2);
      p.fragOffset = frag & 0xfff8;
      p.moreFragments = (frag & 1) !== 0;
      p.isFragment = true;
      p.ipId = v.getUint32(o + 4);
      nh = d[o];
      o += 8;
    } else if (nh === AUTH) {
      if (ipEnd - o < 8) return short(p, 'IPv6 authentication header');
      const len = (d[o + 1] + 2) * 4;
      if (ipEnd - o < len) return short(p, 'IPv6 authentication header');
      nh = d[o];
      o += len;
    } else break;
  }
  decodeTransport(p, d, v, nh, o, ipEnd, declaredEnd - o);
}
