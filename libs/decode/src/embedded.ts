import { payloadHash } from './hash.js';
import type { DecodedPacket } from './packet.js';

/**
 * The original datagram quoted by an ICMP or ICMPv6 error: its IP header and (RFC 792's minimum)
 * the first 8 bytes of its transport header. Only complete headers are reported; a short quote
 * leaves hasEmbedded false without making the error itself malformed.
 */
export function decodeEmbedded(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  const e = p.embedded;
  e.hasTransport = false;
  e.srcPort = 0;
  e.dstPort = 0;
  e.tcpSeq = 0;
  e.icmpType = -1;
  e.icmpCode = -1;
  e.icmpId = -1;
  e.icmpSeq = -1;
  e.payloadHash = 0;
  if (end - off < 20) return;
  const version = d[off] >> 4;
  let t: number;
  let protocol: number;
  if (version === 4) {
    const hl = (d[off] & 0x0f) * 4;
    if (hl < 20 || end - off < hl) return;
    e.ipVersion = 4;
    e.ipLength = v.getUint16(off + 2);
    e.ipId = v.getUint16(off + 4);
    e.ttl = d[off + 8];
    protocol = d[off + 9];
    e.src.set(d.subarray(off + 12, off + 16));
    e.dst.set(d.subarray(off + 16, off + 20));
    t = (v.getUint16(off + 6) & 0x1fff) === 0 ? off + hl : end;
  } else if (version === 6) {
    if (end - off < 40) return;
    e.ipVersion = 6;
    e.ipLength = 40 + v.getUint16(off + 4);
    e.ipId = 0;
    e.ttl = d[off + 7];
    e.src.set(d.subarray(off + 8, off + 24));
    e.dst.set(d.subarray(off + 24, off + 40));
    protocol = d[off + 6];
    t = off + 40;
    // Common extension headers only; a quote rarely holds more.
    for (let n = 0; n < 8 && (protocol === 0 || protocol === 43 || protocol === 60 || protocol === 44); n++) {
      if (end - t < 8) {
        t = end;
        break;
      }
      const next = d[t];
      if (protocol === 44) {
        e.ipId = v.getUint32(t + 4);
        // A non-first fragment quotes no transport header.
        t = (v.getUint16(t + 2) & 0xfff8) !== 0 ? end : t + 8;
      } else t += (d[t + 1] + 1) * 8;
      protocol = next;
    }
  } else return;
  e.protocol = protocol;
  p.hasEmbedded = true;
  if (end - t < 8) return;
  e.hasTransport = true;
  if (protocol === 6 || protocol === 17 || protocol === 132) {
    e.srcPort = v.getUint16(t);
    e.dstPort = v.getUint16(t + 2);
    if (protocol === 6) e.tcpSeq = v.getUint32(t + 4);
    else if (protocol === 17) e.payloadHash = payloadHash(d, v, t + 8, end - t - 8);
  } else if (protocol === 1 || protocol === 58) {
    e.icmpType = d[t];
    e.icmpCode = d[t + 1];
    e.icmpId = v.getUint16(t + 4);
    e.icmpSeq = v.getUint16(t + 6);
  } else e.hasTransport = false;
}
