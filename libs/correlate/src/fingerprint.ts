// Packet fingerprint: the fields NAT leaves alone (DESIGN.md "packet fingerprint"), folded into
// numbers so the pairing index is keyed by a small integer and the hot loop builds no strings.
import type { CorrelatePacket } from './types.js';
import { fmix, mix, SMI_MASK } from './murmur.js';

const P6 = 6;
const P17 = 17;
const P132 = 132;
/** Sets a later fragment's fingerprint apart from any whole packet's. */
const LATER_FRAGMENT = 0x46524147;

/** The second half of the last fingerprint computed (see fingerprint()). */
export let fingerprintHigh = 0;

/**
 * Hashes the packet's fingerprint fields to 60 bits: returns 30 of them (a small integer) and
 * leaves the other 30 in `fingerprintHigh` to tell apart key collisions.
 */
export function fingerprint(p: CorrelatePacket): number {
  let a: number;
  let b: number;
  const proto = p.protocol;
  if (p.fragOffset !== 0) {
    // A later fragment: no transport header, only its datagram's IP ID, its place and its bytes.
    a = mix(mix(mix(0x9e3779b9 ^ proto, LATER_FRAGMENT), p.fragOffset), p.payloadLength);
    b = mix(mix(0x85ebca6b, p.ipId), p.payloadHash);
  } else if (proto === P6) {
    // seq/ack/flags/window/payload: identical only for the same segment (or a retransmission
    // that also reuses the IP ID, which pairing separates by time).
    a = mix(mix(mix(mix(0x9e3779b9 ^ proto, p.seq), p.ack), (p.tcpFlags << 16) ^ p.window), p.tsVal);
    b = mix(mix(mix(0x85ebca6b, p.ipId), p.payloadLength), p.payloadHash);
  } else if (p.embeddedProtocol !== 0) {
    // ICMP error: NAT rewrites the embedded addresses, ports and checksums but not its IP ID,
    // length, TCP sequence number or UDP payload (IPv6 quotes have no IP ID, so for UDP the
    // payload is what tells two errors apart); the error's own IP ID tells apart repeats.
    a = mix(mix(mix(0x9e3779b9 ^ proto, (p.icmpType << 8) | p.icmpCode), p.embeddedProtocol), p.embeddedSeq);
    b = mix(mix(mix(mix(0x85ebca6b, p.ipId), p.embeddedIpId), p.embeddedIpLength), p.embeddedPayloadHash);
  } else if (proto === P17) {
    a = mix(mix(0x9e3779b9 ^ proto, p.payloadLength), p.payloadHash);
    b = mix(0x85ebca6b, p.ipId);
  } else if (proto === P132) {
    // SCTP: the verification tag tells associations apart where the chunks are alike (IPv6 has
    // no IP ID), and NAT leaves it alone like the chunks.
    a = mix(mix(mix(0x9e3779b9 ^ proto, p.sctpVtag), p.sctpChunks), p.payloadLength);
    b = mix(mix(0x85ebca6b, p.ipId), p.payloadHash);
  } else {
    a = mix(mix(mix(0x9e3779b9 ^ proto, (p.icmpType << 8) | p.icmpCode), p.icmpId), p.icmpSeq);
    b = mix(mix(mix(0x85ebca6b, p.ipId), p.payloadLength), p.payloadHash);
  }
  fingerprintHigh = fmix(b) & SMI_MASK;
  return fmix(a) & SMI_MASK;
}
