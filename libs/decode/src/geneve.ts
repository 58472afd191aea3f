import { decodeEthernet, decodeEthertype, ETHERTYPE_TEB } from './ethernet.js';
import { type DecodedPacket, ENCAP_GENEVE, short } from './packet.js';
import { pushEncap } from './tunnel.js';

export const GENEVE_PORT = 6081;

/** Geneve (RFC 8926): version 0, options, protocol type (Ethernet or an ethertype), 24-bit VNI. */
export function decodeGeneve(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  off: number,
  end: number,
): boolean {
  if (end - off < 8 || d[off] >> 6 !== 0) return false;
  const inner = off + 8 + (d[off] & 0x3f) * 4;
  const protocol = v.getUint16(off + 2);
  if (!pushEncap(p, ENCAP_GENEVE, v.getUint32(off + 4) >>> 8)) return true;
  if (inner > end) short(p, 'Geneve options');
  else if (protocol === ETHERTYPE_TEB) decodeEthernet(p, d, v, inner, end);
  else decodeEthertype(p, d, v, protocol, inner, end);
  return true;
}
