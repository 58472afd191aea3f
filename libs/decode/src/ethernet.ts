import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { type DecodedPacket, malformed, short, UNDECODED_MPLS, UNDECODED_VNTAG } from './packet.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (GRE, Geneve)
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;
const ETHERTYPE_VNTAG = 0x8926;
const MAX_VLAN_TAGS = 8;

/** Ethernet II / 802.3 frame (LINKTYPE_ETHERNET, and the inner frame of VXLAN, Geneve, GRE TEB). */
export function decodeEthernet(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 14) return short(p, 'Ethernet header');
  decodeEthertype(p, d, v, v.getUint16(off + 12), off + 14, end);
}

/**
 * Decodes the network layer named by ethertype `type` at `off`. Untagged IPv4 and IPv6 (nearly
 * all traffic) go straight through; tags and LLC/SNAP take the slower path.
 */
export function decodeEthertype(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  type: number,
  off: number,
  end: number,
): void {
  if (type === ETHERTYPE_IPV4) {
    if (p.encapCount === 0) p.ethertype = type;
    decodeIpv4(p, d, v, off, end);
  } else if (type === ETHERTYPE_IPV6) {
    if (p.encapCount === 0) p.ethertype = type;
    decodeIpv6(p, d, v, off, end);
  } else decodeTaggedOrOther(p, d, v, type, off, end);
}

/**
 * Steps over 802.1Q/802.1ad tags and an LLC/SNAP header to the network layer. Frames that carry
 * no IP (ARP, LLDP, STP, ...) are decoded this far and left ok.
 */
function decodeTaggedOrOther(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  type: number,
  off: number,
  end: number,
): void {
  const outer = p.encapCount === 0;
  let tags = 0;
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (end - off < 4) return short(p, 'VLAN tag');
    if (++tags > MAX_VLAN_TAGS) return malformed(p, 'too many VLAN tags');
    if (outer) {
      const id = v.getUint16(off) & 0x0fff;
      if (p.vlanCount === 0) p.vlan0 = id;
      else if (p.vlanCount === 1) p.vlan1 = id;
      p.vlanCount++;
    }
    type = v.getUint16(off + 2);
    off += 4;
  }
  if (type <= 1500) {
    // 802.3 length field: only LLC/SNAP with an ethertype can carry IP.
    if (end - off < 8 || d[off] !== 0xaa || d[off + 1] !== 0xaa || d[off + 2] !== 0x03) return;
    type = v.getUint16(off + 6);
    off += 8;
  }
  if (outer) p.ethertype = type;
  if (type === ETHERTYPE_IPV4) decodeIpv4(p, d, v, off, end);
  else if (type === ETHERTYPE_IPV6) decodeIpv6(p, d, v, off, end);
  else if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) p.undecoded = UNDECODED_MPLS;
  else if (type === ETHERTYPE_VNTAG) p.undecoded = UNDECODED_VNTAG;
}
