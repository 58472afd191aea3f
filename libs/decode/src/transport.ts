import { decodeGre } from './gre.js';
import { decodeIcmp } from './icmp.js';
import { decodeIcmpv6 } from './icmpv6.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { type DecodedPacket, ENCAP_IPIP } from './packet.js';
import { setPayload } from './payload.js';
import { decodeSctp } from './sctp.js';
import { decodeTcp } from './tcp.js';
import { pushEncap } from './tunnel.js';
import { decodeUdp } from './udp.js';

function decodeIpInIp(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (pushEncap(p, ENCAP_IPIP, -1)) decodeIpv4(p, d, v, off, end);
}

function decodeIpv6InIp(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (pushEncap(p, ENCAP_IPIP, -1)) decodeIpv6(p, d, v, off, end);
}

/**
 * Decodes the layer above IP: `wireLen` bytes declared by the IP header, captured up to `end`.
 * A switch rather than a table: these modules import each other in a cycle (tunnels lead back to
 * IP), and a table filled at module load could see a not-yet-initialised import.
 */
export function decodeTransport(
  p: DecodedPacket,
  d: Uint8Array,
  v: DataView,
  protocol: number,
  off: number,
  end: number,
  wireLen: number,
): void {
  p.protocol = protocol;
  p.transportOffset = off;
  // A non-first fragment carries no transport header: its bytes are payload.
  if (p.fragOffset !== 0) return setPayload(p, d, v, off, end, wireLen);
  switch (protocol) {
    case 6:
      return decodeTcp(p, d, v, off, end, wireLen);
    case 17:
      return decodeUdp(p, d, v, off, end, wireLen);
    case 1:
      return decodeIcmp(p, d, v, off, end, wireLen);
    case 58:
      return decodeIcmpv6(p, d, v, off, end, wireLen);
    case 132:
      return decodeSctp(p, d, v, off, end, wireLen);
    case 4:
      return decodeIpInIp(p, d, v, off, end);
    case 41:
      return decodeIpv6InIp(p, d, v, off, end);
    case 47:
      return decodeGre(p, d, v, off, end, wireLen);
    default:
      return setPayload(p, d, v, off, end, wireLen);
  }
}
