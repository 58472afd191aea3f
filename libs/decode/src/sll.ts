import { decodeEthertype } from './ethernet.js';
import { type DecodedPacket, short } from './packet.js';

// Linux "cooked" captures (tcpdump -i any). SLL2 adds the interface index, which with the packet
// type tells apart the two sightings of one packet before and after NAT on a node.
const LINUX_SLL_P_802_3 = 0x0001;
const LINUX_SLL_P_802_2 = 0x0004;

/** LINKTYPE_LINUX_SLL (113): pkttype, hatype, halen, 8 address bytes, protocol. */
export function decodeLinuxSll(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 16) return short(p, 'LINUX_SLL header');
  p.packetType = v.getUint16(off);
  const protocol = v.getUint16(off + 14);
  if (protocol === LINUX_SLL_P_802_3 || protocol === LINUX_SLL_P_802_2) return;
  decodeEthertype(p, d, v, protocol, off + 16, end);
}

/** LINKTYPE_LINUX_SLL2 (276): protocol, reserved, if_index, hatype, pkttype, halen, 8 address bytes. */
export function decodeLinuxSll2(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
): void {
  if (end - off < 20) return short(p, 'LINUX_SLL2 header');
  const protocol = v.getUint16(off);
  p.ifIndex = v.getUint32(off + 4);
  p.packetType = d[off + 10];
  if (protocol === LINUX_SLL_P_802_3 || protocol === LINUX_SLL_P_802_2) return;
  decodeEthertype(p, d, v, protocol, off + 20, end);
}
