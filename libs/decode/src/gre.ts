import {
  decodeEthernet,
  decodeEthertype,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_MPLS,
  ETHERTYPE_MPLS_MULTICAST,
  ETHERTYPE_TEB,
} from './ethernet.js';
import {
  type DecodedPacket,
  ENCAP_GRE,
  short,
  UNDECODED_ERSPAN,
  UNDECODED_MPLS,
  UNDECODED_PPP_GRE,
} from './packet.js';
import { setPayload } from './payload.js';
import { pushEncap } from './tunnel.js';

const GRE_CHECKSUM = 0x8000;
const GRE_ROUTING = 0x4000;
const GRE_KEY = 0x2000;
const GRE_SEQUENCE = 0x1000;
const GRE_PPP = 0x880b;
const GRE_ERSPAN = 0x88be;
const GRE_ERSPAN_3 = 0x22eb;

/**
 * GRE version 0 (RFC 2784/2890) carrying IPv4, IPv6 or Ethernet; the key becomes the
 * encapsulation's vni. Other payloads (PPTP's version 1, ERSPAN, MPLS) stay opaque, noted in
 * `undecoded`.
 */
export function decodeGre(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
  wireLen: number,
): void {
  if (end - off < 4) return short(p, 'GRE header');
  const flags = v.getUint16(off);
  const protocol = v.getUint16(off + 2);
  let hl = 4;
  if (flags & (GRE_CHECKSUM | GRE_ROUTING)) hl += 4;
  const keyAt = off + hl;
  if (flags & GRE_KEY) hl += 4;
  if (flags & GRE_SEQUENCE) hl += 4;
  const supported =
    (flags & 7) === 0 &&
    (flags & GRE_ROUTING) === 0 &&
    (protocol === ETHERTYPE_IPV4 || protocol === ETHERTYPE_IPV6 || protocol === ETHERTYPE_TEB);
  if (!supported) {
    if (protocol === GRE_PPP) p.undecoded = UNDECODED_PPP_GRE;
    else if (protocol === GRE_ERSPAN || protocol === GRE_ERSPAN_3) p.undecoded = UNDECODED_ERSPAN;
    else if (protocol === ETHERTYPE_MPLS || protocol === ETHERTYPE_MPLS_MULTICAST)
      p.undecoded = UNDECODED_MPLS;
    return setPayload(p, d, v, off + 4, end, wireLen - 4);
  }
  if (end - off < hl) return short(p, 'GRE header');
  if (!pushEncap(p, ENCAP_GRE, flags & GRE_KEY ? v.getUint32(keyAt) : -1)) return;
  if (protocol === ETHERTYPE_TEB) decodeEthernet(p, d, v, off + hl, end);
  else decodeEthertype(p, d, v, protocol, off + hl, end);
}
