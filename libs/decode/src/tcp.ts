import { type DecodedPacket, malformed, short } from './packet.js';
import { setPayload } from './payload.js';

// Flag bits of DecodedPacket.tcpFlags (byte 13, plus the AE/NS bit of byte 12 as 0x100).
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_NS = 0x100;

// Option kinds (RFC 9293, 7323, 2018).
const OPT_EOL = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMP = 8;

/**
 * TCP: the fields NAT keeps (seq, ack, flags, window) plus MSS, window scale, SACK and timestamps.
 * A header cut short keeps the fields that are whole (the ports are its first 4 bytes). In the
 * first fragment of a datagram the header may go on in the next fragment (a SYN's options): the
 * fields in this one are read, and that is no error.
 */
export function decodeTcp(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 20) return partialHeader(p, d, v, off, end, wireLen);
  const hl = (d[off + 12] >> 4) * 4;
  if (hl < 20) return malformed(p, 'TCP data offset below 5');
  p.srcPort = v.getUint16(off);
  p.dstPort = v.getUint16(off + 2);
  p.hasPorts = true;
  p.tcpSeq = v.getUint32(off + 4);
  p.tcpAck = v.getUint32(off + 8);
  p.tcpFlags = d[off + 13] | ((d[off + 12] & 1) << 8);
  p.tcpWindow = v.getUint16(off + 14);
  p.tcpHeaderLength = hl;
  if (hl > 20) {
    if (end - off < hl) {
      // Cut inside the options: those before the cut are whole.
      options(p, d, v, off + 20, end);
      if (!continuesInNextFragment(p, off, end, wireLen, hl)) return short(p, 'TCP options');
      return setPayload(p, d, v, end, end, 0);
    }
    // Every segment of an established Linux connection carries exactly NOP, NOP, timestamps.
    if (hl === 32 && v.getUint32(off + 20) === 0x0101080a) {
      p.tcpTsVal = v.getUint32(off + 24);
      p.tcpTsEcr = v.getUint32(off + 28);
    } else options(p, d, v, off + 20, off + hl);
  }
  if (wireLen < hl) malformed(p, 'TCP header longer than the IP payload');
  setPayload(p, d, v, off + hl, end, wireLen - hl);
}

/**
 * The first fragment of a datagram that ends (on the wire, and captured whole) before the `need`
 * bytes of its header do: the rest of the header is in the next fragment.
 */
function continuesInNextFragment(
  p: DecodedPacket,
  off: number,
  end: number,
  wireLen: number,
  need: number,
): boolean {
  return p.moreFragments && wireLen < need && end - off >= wireLen;
}

/** Fewer than 20 bytes of header: the whole fields among them, as tcpdump and tshark read them. */
function partialHeader(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  const have = end - off;
  if (have >= 13 && d[off + 12] >> 4 < 5) return malformed(p, 'TCP data offset below 5');
  if (have >= 4) {
    p.srcPort = v.getUint16(off);
    p.dstPort = v.getUint16(off + 2);
    p.hasPorts = true;
  }
  if (have >= 8) p.tcpSeq = v.getUint32(off + 4);
  if (have >= 12) p.tcpAck = v.getUint32(off + 8);
  if (have >= 14) p.tcpFlags = d[off + 13] | ((d[off + 12] & 1) << 8);
  if (have >= 16) p.tcpWindow = v.getUint16(off + 14);
  if (continuesInNextFragment(p, off, end, wireLen, 20)) return setPayload(p, d, v, end, end, 0);
  short(p, 'TCP header');
}

/** Options are informative, not part of the fingerprint: a bad one stops parsing, not decoding. */
function options(p: DecodedPacket, d: Uint8Array, v: DataView, o: number, end: number): void {
  while (o < end) {
    const kind = d[o];
    if (kind === OPT_EOL) return;
    if (kind === OPT_NOP) {
      o++;
      continue;
    }
    if (o + 2 > end) return;
    const len = d[o + 1];
    if (len < 2 || o + len > end) return;
    if (kind === OPT_MSS && len === 4) p.tcpMss = v.getUint16(o + 2);
    else if (kind === OPT_WSCALE && len === 3) p.tcpWindowScale = d[o + 2];
    else if (kind === OPT_SACK_PERMITTED && len === 2) p.tcpSackPermitted = true;
    else if (kind === OPT_SACK) p.tcpSackBlocks = (len - 2) >> 3;
    else if (kind === OPT_TIMESTAMP && len === 10) {
      p.tcpTsVal = v.getUint32(o + 2);
      p.tcpTsEcr = v.getUint32(o + 6);
    }
    o += len;
  }
}
