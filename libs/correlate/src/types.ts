// The input correlate needs and the result it returns. The input is a narrow view of a decoded
// packet so the engine does not depend on the decoder's record layout (see decode-adapter.ts).

/** Where a capture was taken (DESIGN.md "capture point"). */
export type CaptureRole = 'client' | 'node' | 'backend' | 'other';

export interface CapturePoint {
  /** Capture id (or file name); reported back in every perspective, translation and offset. */
  id: string;
  role: CaptureRole;
  label?: string | null;
  /** Node the capture was taken on (a pod capture names its pod's node). */
  node?: string | null;
  pod?: string | null;
  /**
   * Captures with the same clock domain share a clock. Defaults to `node`, else the capture id:
   * pods share their node's kernel clock, separate hosts do not.
   */
  clockDomain?: string | null;
  /** Interface names by index (LINUX_SLL2 stores only the index; `ip addr` on that host names them). */
  interfaces?: Record<number, string> | null;
}

/** Linux packet types (LINUX_SLL/SLL2 `sll_pkttype`), as tcpdump prints them. */
export const PKT_HOST = 0; // In
export const PKT_BROADCAST = 1; // B
export const PKT_MULTICAST = 2; // M
export const PKT_OTHERHOST = 3; // P
export const PKT_OUTGOING = 4; // Out
export const PKT_UNKNOWN = -1;

export const TUNNEL_NONE = 0;
export const TUNNEL_VXLAN = 1;
export const TUNNEL_GENEVE = 2;
export const TUNNEL_IPIP = 3;
export const TUNNEL_GRE = 4;

/**
 * One decoded packet as correlate reads it. Sources may reuse one object per capture: the
 * engine copies what it keeps before asking the source for the next packet.
 *
 * Fingerprint fields are the ones NAT leaves alone; addresses and ports are what NAT changes.
 */
export interface CorrelatePacket {
  /** Seconds since the epoch (a whole number) and nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** 0-based record number in the capture file (evidence, pcapng export); -1 if unknown. */
  frame: number;
  /** LINUX_SLL2 interface index or pcapng interface id; -1 if unknown. */
  ifIndex: number;
  ifName: string | null;
  /** One of the PKT_* constants. */
  pktType: number;
  /** 4 or 6; anything else is not correlated (ARP, LLDP...). */
  ipVersion: number;
  /**
   * The link type of the packet's interface when the decoder has none for it (the packet is then
   * not correlated, only counted: CaptureSummary.unsupportedLinkTypes), else -1.
   */
  unsupportedLinktype: number;
  /**
   * An encapsulation the decoder recognised but does not decode (libs/decode's UNDECODED_*: GTP-U,
   * ERSPAN, MPLS...), 0 for none: the packet is correlated as the header that carries it.
   */
  undecoded: number;
  /** IANA protocol of the (inner) transport: 6 tcp, 17 udp, 1 icmp, 58 icmpv6, 132 sctp. */
  protocol: number;
  src: string;
  dst: string;
  /** 0 for protocols without ports. */
  srcPort: number;
  dstPort: number;
  /** IPv4 identification; for IPv6 the fragment header's (0 without one). */
  ipId: number;
  /**
   * Offset in bytes of a later fragment of an IP datagram, 0 for whole packets and first
   * fragments. A later fragment has no transport header: its source gives it the ports (ICMP id,
   * SCTP tag) of its datagram's first fragment, and the engine counts it in its flow as a packet
   * and bytes, without reading flags or types from it.
   */
  fragOffset: number;
  /** IP total length (bytes on the wire above the link layer). */
  ipLength: number;
  /** TCP flags byte (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, ECE 64, CWR 128). */
  tcpFlags: number;
  seq: number;
  ack: number;
  window: number;
  /** TCP timestamp option value (-1 if absent): tells apart retransmissions that reuse the IP ID. */
  tsVal: number;
  /** Transport payload length and a 32-bit hash of its bytes (what NAT does not touch). */
  payloadLength: number;
  payloadHash: number;
  /** ICMP/ICMPv6 type and code (-1 if not ICMP); echo id/sequence (0 otherwise). */
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  /**
   * SCTP verification tag (NAT keeps it; it differs per association) and the chunk types the
   * packet bundles (libs/decode's SCTP_* bits); 0 for other protocols.
   */
  sctpVtag: number;
  sctpChunks: number;
  /**
   * ICMP errors: the embedded original packet's header as it appears in this sighting
   * (protocol 0 when absent). NAT rewrites its addresses and ports, not its IP ID or seq.
   */
  embeddedProtocol: number;
  embeddedSrc: string;
  embeddedDst: string;
  embeddedSrcPort: number;
  embeddedDstPort: number;
  embeddedIpId: number;
  embeddedSeq: number;
  /** The quoted IP packet's length and (UDP) payload hash: NAT leaves both alone. */
  embeddedIpLength: number;
  embeddedPayloadHash: number;
  /** Outermost tunnel the packet arrived in (TUNNEL_*), with the outer header. */
  tunnel: number;
  outerSrc: string;
  outerDst: string;
  outerSrcPort: number;
  outerDstPort: number;
  /** VXLAN VNI / Geneve VNI / GRE key; -1 if none. */
  vni: number;
}

/** A source can be iterated more than once: the clock-offset bootstrap reads a prefix first. */
export type PacketSource = () => Iterable<CorrelatePacket>;
export type AsyncPacketSource = () => AsyncIterable<CorrelatePacket> | Iterable<CorrelatePacket>;

export interface CorrelateCapture<S = PacketSource> {
  point: CapturePoint;
  packets: S;
  /** Packets in the capture, if known (e.g. from the decode stage): drives onProgress. */
  packetCount?: number;
}

/**
 * What correlate asks of the address book: libs/cluster's AddressBook fits. `serviceName` (a
 * Service matched on its port: namespace/name:port-name) is preferred over `name`.
 */
export interface AddressLookup {
  lookup(
    ip: string,
    port?: number,
    protocol?: 'tcp' | 'udp' | 'sctp',
  ): { kind: string; name: string; serviceName?: string } | null | undefined;
}

export interface CorrelateOptions {
  addressBook?: AddressLookup | null;
  /** How long after its first sighting a packet can still be seen elsewhere (default 1 s). */
  pairingWindowNs?: bigint;
  /** Packets read per capture to estimate clock offsets before the main pass (default 200 000). */
  bootstrapPackets?: number;
  /** Sightings kept per perspective as evidence (default 4: the handshake). */
  maxSightingsPerPerspective?: number;
  /**
   * Fraction of the packets correlated, 0..1: about a hundred times when the captures'
   * packetCount are given, and 1 at the end.
   */
  onProgress?: (fraction: number) => void;
  /**
   * Receives each flow once it is finished (closed, or quiet for a minute), in the order they
   * finish; result.flows then stays empty, so memory does not grow with the number of flows.
   */
  onFlow?: (flow: Flow, clock: FlowClock) => void;
}

/**
 * The clock offsets as known when a flow finished (they are refined as flows bracket them): a
 * capture id's clock minus the reference clock, in ns. What a streaming consumer orders a flow's
 * sightings by, since the final offsets are only known at the end.
 */
export type FlowClock = (capture: string) => bigint;

// ---- result (everything plain JSON; nanosecond quantities are decimal strings) ----

export type FlowProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp' | 'other';
export type FlowState = 'ESTABLISHED' | 'CLOSED' | 'RESET' | 'UNANSWERED' | 'ICMP_ERROR' | 'ANSWERED';
export type TranslationKind = 'DNAT' | 'SNAT' | 'DNAT_SNAT' | 'ENCAP' | 'DECAP' | 'NONE';
/** request: as the client sent it (client -> service); reply: the other way. */
export type FlowDirection = 'request' | 'reply';

export interface TupleView {
  src: string;
  dst: string;
}

export interface OuterHeader {
  tunnel: 'vxlan' | 'geneve' | 'ipip' | 'gre';
  src: string;
  dst: string;
  vni: number | null;
}

export interface Translation {
  kind: TranslationKind;
  direction: FlowDirection;
  before: TupleView;
  after: TupleView;
  /** Outer header added (ENCAP) or removed (DECAP). */
  outer: OuterHeader | null;
  /** Capture point where the `after` sighting was made; `fromCapture` for the `before` one. */
  capture: string;
  fromCapture: string;
  interfaces: { before: string | null; after: string | null };
  /** Latency between the two sightings of the first packet (clock offsets applied). */
  latencyNs: string;
  minLatencyNs: string;
  packets: number;
}

export interface InterfaceCount {
  name: string;
  /** tcpdump's direction letter: In, Out, P (otherhost), B, M, or '' when unknown. */
  type: string;
  packets: number;
}

export interface HandshakeTiming {
  /** SYN -> SYN-ACK and SYN-ACK -> ACK as seen at this capture point. */
  synToSynAckNs: string | null;
  synAckToAckNs: string | null;
}

export interface Perspective {
  capture: string;
  direction: FlowDirection;
  src: string;
  dst: string;
  /** Distinct packets (a packet seen on two interfaces of one capture counts once), sightings. */
  packets: number;
  sightingCount: number;
  bytes: number;
  firstNs: string;
  lastNs: string;
  interfaces: InterfaceCount[];
  outer: OuterHeader | null;
  retransmissions: number;
  duplicateAcks: number;
  syn: number;
  fin: number;
  rst: number;
  icmpErrors: number;
  /** Packets seen here and at no other capture point (for flows seen at several). */
  unpaired: number;
  /** The first sightings here, in capture order: evidence and pcapng export. */
  sightings: SightingRecord[];
}

/** One sighting kept as evidence (the first few per perspective and direction). */
export interface SightingRecord {
  /** Timestamp as recorded in that capture (no clock offset applied). */
  timestampNs: string;
  /** 0-based record number in the capture file (for pcapng export, `tcpdump -#` minus one). */
  frame: number;
  interface: string | null;
  type: string;
  tcpFlags: number;
}

export interface DirectionStats {
  packets: number;
  bytes: number;
}

export interface Flow {
  id: string;
  protocol: FlowProtocol;
  client: string;
  service: string;
  backend: string | null;
  clientSeenByBackend: string | null;
  serviceName: string | null;
  backendPod: string | null;
  state: FlowState;
  resetBy: 'client' | 'backend' | 'node' | 'service' | null;
  icmpError: { type: number; code: number; from: string } | null;
  firstNs: string;
  lastNs: string;
  translations: Translation[];
  perspectives: Perspective[];
  handshake: Record<string, HandshakeTiming>;
  /** Counted at the capture point closest to the client (the one the request was first seen at). */
  request: DirectionStats;
  reply: DirectionStats;
  retransmissions: number;
  duplicateAcks: number;
  communityIds: { client: string; backend: string | null };
  /** Packets paired on evidence that could not single out one candidate. */
  ambiguousPairings: number;
}

export interface ClockOffset {
  capture: string;
  clockDomain: string;
  /** This capture's clock minus the reference clock, in ns (decimal string). */
  offsetNs: string;
  /** Half the width of the interval the offset is known to lie in. */
  spreadNs: string;
  /** Flows whose handshake or exchange bounded the offset (0 for the reference domain). */
  pairs: number;
  reference: boolean;
}

export interface CaptureSummary {
  capture: string;
  packets: number;
  /** Not IP (ARP...) or not decodable to a tuple. */
  ignored: number;
  sightings: number;
  /** Packets of multi-capture flows seen only at this capture point. */
  unpaired: number;
  /**
   * Packets on interfaces whose link type natlens does not decode, by link type (decimal), e.g.
   * { "274": 18 }: not correlated (counted in `ignored` too). Absent when there are none.
   */
  unsupportedLinkTypes?: Record<string, number>;
  /**
   * Packets carrying an encapsulation natlens does not decode, by its name: "GTP-U", "ERSPAN",
   * "MPLS", "PPP in GRE", "GRE over UDP", "VN-Tag" (libs/decode's UNDECODED_NAMES), e.g.
   * { "GTP-U": 412 }. Their analysis stopped at the outer header: they are correlated as that
   * outer packet (MPLS and VN-Tag frames, with no IP header read, are ignored). Absent when there
   * are none.
   */
  undecoded?: Record<string, number>;
}

export interface CorrelationResult {
  /** Sorted by first packet; empty when options.onFlow took them. */
  flows: Flow[];
  flowCount: number;
  clockOffsets: ClockOffset[];
  captures: CaptureSummary[];
  unpaired: Record<string, number>;
  ambiguousPairings: number;
  /** Paired packets whose sightings contradicted a flow's earlier evidence (not linked). */
  conflicts: number;
  sightings: number;
  hops: number;
}
