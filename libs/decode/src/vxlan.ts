import { decodeEthernet } from './ethernet.js';
import { type DecodedPacket, ENCAP_VXLAN } from './packet.js';
import { pushEncap } from './tunnel.js';

export const VXLAN_PORT = 4789;
/** flannel's VXLAN backend predates the IANA port. */
export const FLANNEL_VXLAN_PORT = 8472;

/** VXLAN (RFC 7348): 8-byte header with the I flag and a 24-bit VNI, then an Ethernet frame. */
export function decodeVxlan(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): boolean {
  // Without the I flag or room for the inner Ethernet header this is some other UDP traffic.
  if (end - off < 8 + 14 || (d[off] & 0x08) === 0) return false;
  if (pushEncap(p, ENCAP_VXLAN, v.getUint32(off + 4) >>> 8)) decodeEthernet(p, d, v, off + 8, end);
  return true;
}
