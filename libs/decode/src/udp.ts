import { decodeGeneve, GENEVE_PORT } from './geneve.js';
import {
  type DecodedPacket,
  malformed,
  short,
  UNDECODED_GRE_UDP,
  UNDECODED_GTPU,
  UNDECODED_MPLS,
} from './packet.js';
import { setPayload } from './payload.js';
import { decodeVxlan, FLANNEL_VXLAN_PORT, VXLAN_PORT } from './vxlan.js';

/**
 * UDP (RFC 768); VXLAN and Geneve by destination port are stepped into. A header cut short keeps
 * its ports if they are whole. In the first fragment of a datagram the UDP length covers the
 * whole datagram, more than the fragment carries: payloadLength is what this fragment carries.
 */
export function decodeUdp(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 8) {
    if (end - off >= 4) {
      p.srcPort = v.getUint16(off);
      p.dstPort = v.getUint16(off + 2);
      p.hasPorts = true;
    }
    if (end - off >= 6) p.udpLength = v.getUint16(off + 4);
    return short(p, 'UDP header');
  }
  p.srcPort = v.getUint16(off);
  const dport = v.getUint16(off + 2);
  p.dstPort = dport;
  p.hasPorts = true;
  let ulen = v.getUint16(off + 4);
  // Bytes of the datagram in this packet: all of it, unless this is its first fragment.
  let carried = ulen;
  // 0 is a jumbogram (RFC 2675) or an offloaded super-packet: trust IP.
  if (ulen === 0) ulen = carried = wireLen;
  else if (ulen < 8) return malformed(p, 'UDP length below 8');
  else if (ulen > wireLen) {
    if (p.moreFragments) carried = wireLen;
    else malformed(p, 'UDP length exceeds the IP payload');
  }
  p.udpLength = ulen;
  const payloadEnd = off + carried < end ? off + carried : end;
  if ((dport === VXLAN_PORT || dport === FLANNEL_VXLAN_PORT) && decodeVxlan(p, d, v, off + 8, payloadEnd))
    return;
  if (dport === GENEVE_PORT && decodeGeneve(p, d, v, off + 8, payloadEnd)) return;
  if (dport === GTPU_PORT || dport === GRE_UDP_PORT || dport === MPLS_UDP_PORT || p.srcPort === GTPU_PORT)
    undecoded(p, d, dport, off + 8, payloadEnd);
  setPayload(p, d, v, off + 8, payloadEnd, carried - 8);
}

const GTPU_PORT = 2152;
const GRE_UDP_PORT = 4754;
const MPLS_UDP_PORT = 6635;
/** GTP-U message type of a G-PDU, which carries a user's packet. */
const GTP_GPDU = 0xff;

/** Notes an encapsulation natlens does not decode on the UDP ports IANA gave it. */
function undecoded(p: DecodedPacket, d: Uint8Array, dport: number, off: number, end: number): void {
  if (dport === GRE_UDP_PORT) p.undecoded = UNDECODED_GRE_UDP;
  else if (dport === MPLS_UDP_PORT) p.undecoded = UNDECODED_MPLS;
  // GTP-U (both ends use 2152): version 1, protocol type GTP, a G-PDU.
  else if (end - off >= 8 && (d[off] & 0xf0) === 0x30 && d[off + 1] === GTP_GPDU)
    p.undecoded = UNDECODED_GTPU;
}
