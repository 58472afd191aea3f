import type { CaptureInterface } from '#capture';

// Per-packet status: decoding never throws, it says how far it got and why it stopped.
export const STATUS_OK = 0;
/** A header runs past the captured bytes of a packet cut by the snaplen (caplen < origlen). */
export const STATUS_TRUNCATED = 1;
/** A header is impossible, or runs past the end of a packet that was captured whole. */
export const STATUS_MALFORMED = 2;
export const STATUS_NAMES = ['ok', 'truncated', 'malformed'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

// Encapsulation kinds (Encapsulation.kind).
export const ENCAP_VXLAN = 1;
export const ENCAP_GENEVE = 2;
export const ENCAP_IPIP = 3; // IPv4 or IPv6 inside IPv4 or IPv6 (protocols 4 and 41)
export const ENCAP_GRE = 4;
export const ENCAP_NAMES = ['', 'vxlan', 'geneve', 'ipip', 'gre'] as const;

// Encapsulations natlens recognises but does not decode (DecodedPacket.undecoded): decoding stops
// at the header that carries one, so the packet is reported as that outer packet (or, for MPLS
// and VN-Tag frames, as no IP at all).
export const UNDECODED_GTPU = 1; // GTP-U G-PDU (UDP 2152): a mobile core's user plane
export const UNDECODED_ERSPAN = 2; // GRE 0x88be (ERSPAN I/II) or 0x22eb (III): mirrored frames
export const UNDECODED_MPLS = 3; // ethertype 0x8847/0x8848, in GRE, or in UDP (6635)
export const UNDECODED_PPP_GRE = 4; // GRE carrying PPP (0x880b, PPTP's enhanced GRE)
export const UNDECODED_GRE_UDP = 5; // GRE-in-UDP (RFC 8086, UDP 4754)
export const UNDECODED_VNTAG = 6; // VN-Tag (ethertype 0x8926)
/** Names by UNDECODED_* value, as reports print them ("412 packets in GTP-U, not decoded"). */
export const UNDECODED_NAMES = [
  '',
  'GTP-U',
  'ERSPAN',
  'MPLS',
  'PPP in GRE',
  'GRE over UDP',
  'VN-Tag',
] as const;

/** Deepest tunnel nesting decoded; deeper is reported malformed (hostile files nest forever). */
export const MAX_ENCAP_DEPTH = 4;
/** Bytes of payload hashed: enough to tell packets apart, short enough to keep the loop fast. */
export const PAYLOAD_HASH_BYTES = 128;

/** The outer headers of a tunnel, kept when the decoder steps inside. */
export class Encapsulation {
  kind = 0;
  /** VXLAN/Geneve VNI or GRE key; -1 when absent. */
  vni = -1;
  ipVersion = 0;
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  /** IP protocol of the outer header (17 for VXLAN/Geneve, 4/41 for IP-in-IP, 47 for GRE). */
  protocol = 0;
  ipId = 0;
  ttl = 0;
  ipLength = 0;
  ipOffset = 0;
  /** Outer UDP ports for VXLAN and Geneve, else 0. */
  srcPort = 0;
  dstPort = 0;

  constructor() {
    asDoubles(this, 'vni', 'ipId');
  }
}

/**
 * The IP and transport header quoted inside an ICMP/ICMPv6 error (destination unreachable, time
 * exceeded, ...): the packet the error is about, as the router that sent the error saw it.
 */
export class EmbeddedHeader {
  ipVersion = 0;
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  protocol = 0;
  ipId = 0;
  ttl = 0;
  ipLength = 0;
  /** Whether the quote holds the first 8 transport bytes (ports, TCP seq, ICMP id/seq). */
  hasTransport = false;
  srcPort = 0;
  dstPort = 0;
  tcpSeq = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = -1;
  icmpSeq = -1;
  /**
   * Hash of a quoted UDP datagram's payload (past its 8-byte header), 0 if none was quoted: NAT
   * rewrites the quoted addresses, ports and checksum but not this, so it tells apart errors about
   * different datagrams of one flow (IPv6 quotes have no IP ID).
   */
  payloadHash = 0;

  constructor() {
    asDoubles(this, 'tcpSeq', 'ipId', 'payloadHash');
  }
}

/**
 * V8 stores a field as a small integer until a value outside 31 bits arrives, then changes the
 * object's layout, which throws away the optimised code of every function that touched it. The
 * fields that hold full 32-bit values (sequence numbers, hashes, timestamps) therefore start out
 * as doubles; storing 0 into a double field keeps it a double.
 */
export function asDoubles<T extends object>(o: T, ...fields: (keyof T)[]): void {
  const record = o as Record<keyof T, number>;
  for (const f of fields) {
    const value = record[f];
    record[f] = 0.5;
    record[f] = value;
  }
}

/**
 * One decoded packet. Decoders fill a caller-owned instance (see decodePacket); every field is a
 * number, a fixed Uint8Array or a preallocated child, so the hot loop allocates nothing. Fields not
 * present in the packet hold 0 (or -1 where 0 is a legal value). Offsets index `data`.
 */
export class DecodedPacket {
  // From the capture record.
  /** 0-based record number in the file (tcpdump's -# minus one). */
  number = 0;
  tsSec = 0;
  tsNsec = 0;
  caplen = 0;
  origlen = 0;
  fileOffset = 0;
  interface: CaptureInterface | null = null;
  linktype = 0;
  /** pcapng epb_flags (bits 0-1: 1 inbound, 2 outbound). */
  epbFlags = 0;
  data: Uint8Array = new Uint8Array(0);

  status = STATUS_OK;
  /** Why status is not ok: a constant string (no allocation). */
  reason: string | null = null;

  // Link layer.
  /** LINUX_SLL2 interface index; -1 for other link types. */
  ifIndex = -1;
  /** LINUX_SLL/SLL2 packet type: 0 host, 1 broadcast, 2 multicast, 3 otherhost, 4 outgoing; -1 if none. */
  packetType = -1;
  /** Ethertype (or equivalent) of the outermost network layer; 0x0806 for ARP. 0 if unknown. */
  ethertype = 0;
  vlanCount = 0;
  /** Outermost and second VLAN ids (802.1ad S-tag, then C-tag); -1 when absent. */
  vlan0 = -1;
  vlan1 = -1;

  // Network layer of the innermost packet (outer ones are in encaps).
  /** 4, 6, or 0 when the frame carries no IP (ARP, LLDP, ...). */
  ipVersion = 0;
  /** Source/destination address; IPv4 uses the first 4 bytes. */
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  /** The same bytes as 32-bit words, for copying addresses in 1 or 4 stores (internal). */
  readonly src32 = new Int32Array(this.src.buffer);
  readonly dst32 = new Int32Array(this.dst.buffer);
  ipOffset = 0;
  /** IPv4 total length or 40 + IPv6 payload length, as the header says (captured length if it says 0). */
  ipLength = 0;
  /** IPv4 identification; for IPv6 the fragment header's identification (0 without one). */
  ipId = 0;
  /** TTL or hop limit. */
  ttl = 0;
  /** IPv4 TOS / IPv6 traffic class. */
  tos = 0;
  flowLabel = 0;
  dontFragment = false;
  moreFragments = false;
  /** Fragment offset in bytes; non-zero means no transport header here. */
  fragOffset = 0;
  isFragment = false;

  // Transport layer.
  /** IP protocol after IPv6 extension headers (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...). */
  protocol = 0;
  transportOffset = 0;
  srcPort = 0;
  dstPort = 0;
  /**
   * Whether srcPort and dstPort were read from the packet: TCP, UDP or SCTP with at least their
   * first 4 bytes captured (also when the snaplen cut the rest of the header), not a later fragment.
   */
  hasPorts = false;
  tcpSeq = 0;
  tcpAck = 0;
  /** FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80 AE/NS 0x100. */
  tcpFlags = 0;
  tcpWindow = 0;
  tcpHeaderLength = 0;
  /** TCP options: -1 when absent. */
  tcpMss = -1;
  tcpWindowScale = -1;
  tcpSackPermitted = false;
  tcpSackBlocks = 0;
  tcpTsVal = -1;
  tcpTsEcr = -1;
  udpLength = 0;
  icmpType = -1;
  icmpCode = -1;
  /** Echo/timestamp/information identifier and sequence; -1 for other ICMP types. */
  icmpId = -1;
  icmpSeq = -1;
  sctpVtag = 0;
  /** SCTP chunk types present: bit `type` (SCTP_INIT, SCTP_ABORT...), bit 31 for types >= 31. */
  sctpChunks = 0;

  // Payload of the innermost transport (or of IP, when the transport is unknown or a fragment).
  payloadOffset = 0;
  /** Payload length the headers declare (what was on the wire). */
  payloadLength = 0;
  /** Payload bytes actually captured (<= payloadLength under a snaplen). */
  payloadCaptured = 0;
  /** 32-bit hash of the first PAYLOAD_HASH_BYTES captured payload bytes; 0 for no payload. */
  payloadHash = 0;

  /** The quoted header of an ICMP/ICMPv6 error, valid when hasEmbedded. */
  hasEmbedded = false;
  readonly embedded = new EmbeddedHeader();

  /**
   * An encapsulation natlens does not decode that the packet carries (UNDECODED_*; 0 for none):
   * its top-level fields describe the header that carries it, not what is inside.
   */
  undecoded = 0;

  /** Tunnels stepped through, outermost first: encaps[0 .. encapCount). */
  encapCount = 0;
  readonly encaps: readonly Encapsulation[] = Array.from(
    { length: MAX_ENCAP_DEPTH },
    () => new Encapsulation(),
  );

  constructor() {
    asDoubles(this, 'tsSec', 'tsNsec', 'fileOffset', 'origlen', 'epbFlags', 'ifIndex', 'ipId');
    asDoubles(
      this,
      'tcpSeq',
      'tcpAck',
      'tcpTsVal',
      'tcpTsEcr',
      'sctpVtag',
      'sctpChunks',
      'payloadHash',
      'flowLabel',
    );
  }

  /** Clears what a previous packet left (record fields are always overwritten). */
  reset(): void {
    this.status = STATUS_OK;
    this.reason = null;
    this.ifIndex = -1;
    this.packetType = -1;
    this.ethertype = 0;
    this.vlanCount = 0;
    this.vlan0 = -1;
    this.vlan1 = -1;
    this.undecoded = 0;
    this.encapCount = 0;
    this.resetNetwork();
  }

  /** Clears the network and transport fields (also when stepping into a tunnel). */
  resetNetwork(): void {
    // Transport fields are only written after `protocol` names them, so only the previous
    // protocol's group needs clearing: this runs for every packet.
    const protocol = this.protocol;
    if (protocol === 6) {
      this.tcpSeq = 0;
      this.tcpAck = 0;
      this.tcpFlags = 0;
      this.tcpWindow = 0;
      this.tcpHeaderLength = 0;
      this.tcpMss = -1;
      this.tcpWindowScale = -1;
      this.tcpSackPermitted = false;
      this.tcpSackBlocks = 0;
      this.tcpTsVal = -1;
      this.tcpTsEcr = -1;
    } else if (protocol === 1 || protocol === 58) {
      this.icmpType = -1;
      this.icmpCode = -1;
      this.icmpId = -1;
      this.icmpSeq = -1;
      this.hasEmbedded = false;
    } else if (protocol === 17) {
      this.udpLength = 0;
    } else if (protocol === 132) {
      this.sctpVtag = 0;
      this.sctpChunks = 0;
    }
    this.protocol = 0;
    this.ipVersion = 0;
    this.ipOffset = 0;
    this.ipLength = 0;
    this.ipId = 0;
    this.ttl = 0;
    this.tos = 0;
    this.flowLabel = 0;
    this.dontFragment = false;
    this.moreFragments = false;
    this.fragOffset = 0;
    this.isFragment = false;
    this.transportOffset = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.hasPorts = false;
    this.payloadOffset = 0;
    this.payloadLength = 0;
    this.payloadCaptured = 0;
    this.payloadHash = 0;
  }

  /** 'ok' | 'truncated' | 'malformed'. */
  get statusName(): StatusName {
    return STATUS_NAMES[this.status];
  }

  /** The exact timestamp in nanoseconds since the epoch. */
  timestampNs(): bigint {
    return BigInt(this.tsSec) * 1_000_000_000n + BigInt(this.tsNsec);
  }
}

/**
 * Records that a header needed more bytes than there are. The first problem wins: later layers
 * of a damaged packet must not hide the root cause.
 */
export function short(p: DecodedPacket, reason: string): void {
  if (p.status !== STATUS_OK) return;
  p.status = p.origlen > p.caplen ? STATUS_TRUNCATED : STATUS_MALFORMED;
  p.reason = reason;
}

/** Records an impossible header value. */
export function malformed(p: DecodedPacket, reason: string): void {
  if (p.status !== STATUS_OK) return;
  p.status = STATUS_MALFORMED;
  p.reason = reason;
}
