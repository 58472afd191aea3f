/**
 * libs/decode: link + network + transport + tunnel decoding of capture records into a compact,
 * reusable packet record that libs/correlate fingerprints.
 *
 *   const p = new DecodedPacket();
 *   for await (const batch of readDecodable('node.pcap')) {
 *     for (let i = 0; i < batch.count; i++) {
 *       decodeRecordAt(batch, i, p);      // fills p in place, never throws
 *       if (p.status !== STATUS_OK) ...;  // p.reason says why
 *     }
 *   }
 *
 * (`decodePacket(batch.record(i, rec), p)` does the same from a CaptureRecord; `DecodeStats.add(p)`
 * counts IP, non-IP such as ARP, tunnelled and damaged packets with their reasons.)
 *
 * DecodedPacket (every field a number, boolean or fixed buffer; see packet.ts):
 * - capture:   number, tsSec + tsNsec (exact; timestampNs() as bigint), caplen, origlen,
 *              fileOffset, interface (CaptureInterface: linktype, name, index), linktype, epbFlags
 * - status:    status (STATUS_OK | STATUS_TRUNCATED | STATUS_MALFORMED), reason, statusName
 * - link:      ifIndex + packetType (LINUX_SLL2 / SLL: 0 host, 1 broadcast, 2 multicast,
 *              3 otherhost, 4 outgoing), ethertype (0x0806 = ARP: non-IP frames stay ok with
 *              ipVersion 0), vlanCount, vlan0, vlan1
 * - network:   ipVersion (0/4/6), src, dst (16-byte arrays, IPv4 in the first 4), ipId (IPv6: the
 *              fragment header's id), ttl, tos, flowLabel, ipLength, ipOffset, isFragment,
 *              fragOffset, moreFragments, dontFragment
 * - transport: protocol, transportOffset, srcPort, dstPort, hasPorts (the ports were read: also
 *              from a header the snaplen cut, or a first fragment's), tcpSeq, tcpAck, tcpFlags
 *              (TCP_* bits), tcpWindow, tcpHeaderLength, tcpMss, tcpWindowScale, tcpSackPermitted,
 *              tcpSackBlocks, tcpTsVal, tcpTsEcr, udpLength, icmpType, icmpCode, icmpId, icmpSeq,
 *              sctpVtag, sctpChunks
 * - payload:   payloadOffset, payloadLength (declared by headers), payloadCaptured, payloadHash
 *              (32-bit hash of the first PAYLOAD_HASH_BYTES captured bytes), never copied
 * - ICMP/ICMPv6 errors: hasEmbedded + embedded (the quoted packet's addresses, protocol, ipId,
 *              ports, TCP seq or ICMP id/seq): ties the error to the flow it is about
 * - undecoded: an encapsulation recognised but not decoded (UNDECODED_*, named in UNDECODED_NAMES:
 *              GTP-U, ERSPAN, MPLS, PPP in GRE, GRE over UDP, VN-Tag), 0 for none: decoding
 *              stopped at the header that carries it
 * - tunnels:   the top-level fields describe the innermost packet; encaps[0 .. encapCount) keep
 *              each outer layer, outermost first (kind VXLAN/Geneve/IPIP/GRE, vni or GRE key,
 *              outer addresses, protocol, ipId, ttl, UDP ports)
 *
 * The NAT-invariant fingerprint of the pairing engine is therefore (ipId, protocol, tcpSeq,
 * tcpAck, tcpFlags, tcpWindow, icmpId, icmpSeq, payloadLength, payloadHash [, embedded.*]).
 * A DecodedPacket refers to its batch's bytes via `data` and the offsets: copy what you keep.
 */
export { formatAddress, parseAddress } from './address.js';
export {
  communityId,
  communityIdHasPorts,
  communityIdOf,
  icmpCounterpart,
  type FlowTuple,
} from './community-id.js';
export {
  DECODER_FAULT,
  decodeFile,
  decodePacket,
  decodeRecordAt,
  packetSummary,
  readDecodable,
  UNSUPPORTED_LINKTYPE,
} from './decode.js';
export { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
export { payloadHash } from './hash.js';
export { DecodeStats } from './stats.js';
export {
  LINK_DECODERS,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  SUPPORTED_LINKTYPES,
} from './link.js';
export {
  DecodedPacket,
  EmbeddedHeader,
  ENCAP_GENEVE,
  ENCAP_GRE,
  ENCAP_IPIP,
  ENCAP_NAMES,
  ENCAP_VXLAN,
  Encapsulation,
  MAX_ENCAP_DEPTH,
  PAYLOAD_HASH_BYTES,
  STATUS_MALFORMED,
  STATUS_NAMES,
  STATUS_OK,
  STATUS_TRUNCATED,
  type StatusName,
  UNDECODED_ERSPAN,
  UNDECODED_GRE_UDP,
  UNDECODED_GTPU,
  UNDECODED_MPLS,
  UNDECODED_NAMES,
  UNDECODED_PPP_GRE,
  UNDECODED_VNTAG,
} from './packet.js';
export {
  SCTP_ABORT,
  SCTP_COOKIE_ECHO,
  SCTP_DATA,
  SCTP_INIT,
  SCTP_INIT_ACK,
  SCTP_SHUTDOWN,
  SCTP_SHUTDOWN_ACK,
  SCTP_SHUTDOWN_COMPLETE,
} from './sctp.js';
export { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_NS, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from './tcp.js';
export { FLANNEL_VXLAN_PORT, VXLAN_PORT } from './vxlan.js';
export { GENEVE_PORT } from './geneve.js';
