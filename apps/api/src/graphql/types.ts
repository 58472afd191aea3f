// The GraphQL schema's object types, code first. Every type and field carries a description so the
// schema explains itself in Apollo Sandbox. Nanosecond quantities are decimal strings (they exceed 2^53).
import { Field, ID, InputType, Int, ObjectType, registerEnumType, Float } from '@nestjs/graphql';

export enum AnalysisStatusEnum {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(AnalysisStatusEnum, {
  name: 'AnalysisStatus',
  description: 'Lifecycle of an analysis: QUEUED → RUNNING → SUCCEEDED | FAILED',
});

export enum TranslationKindEnum {
  DNAT = 'DNAT',
  SNAT = 'SNAT',
  DNAT_SNAT = 'DNAT_SNAT',
  ENCAP = 'ENCAP',
  DECAP = 'DECAP',
  NONE = 'NONE',
}
registerEnumType(TranslationKindEnum, {
  name: 'TranslationKind',
  description:
    'What a hop changed: DNAT (destination, e.g. ClusterIP to pod), SNAT (source, e.g. the reply back to the ' +
    'ClusterIP), DNAT_SNAT (masquerade), ENCAP/DECAP (overlay header added/removed), NONE (routed unchanged)',
});

export enum FlowStateEnum {
  ESTABLISHED = 'ESTABLISHED',
  CLOSED = 'CLOSED',
  RESET = 'RESET',
  UNANSWERED = 'UNANSWERED',
  ICMP_ERROR = 'ICMP_ERROR',
  ANSWERED = 'ANSWERED',
}
registerEnumType(FlowStateEnum, {
  name: 'FlowState',
  description:
    'How a flow ended: ESTABLISHED (still open), CLOSED (FIN), RESET (RST), UNANSWERED (no reply), ' +
    'ICMP_ERROR (an ICMP error answered it), ANSWERED (UDP/ICMP got a reply)',
});

export enum FlowOrderEnum {
  FIRST_SEEN_ASC = 'FIRST_SEEN_ASC',
  FIRST_SEEN_DESC = 'FIRST_SEEN_DESC',
  LAST_SEEN_ASC = 'LAST_SEEN_ASC',
  LAST_SEEN_DESC = 'LAST_SEEN_DESC',
}
registerEnumType(FlowOrderEnum, {
  name: 'FlowOrder',
  description: 'Order of a flow listing: by first or last packet seen, ascending or descending',
});

@ObjectType({ description: 'Relay page information of a connection' })
export class PageInfo {
  @Field({ description: 'Whether more items follow the last one of this page' })
  hasNextPage!: boolean;
  @Field({ description: 'Always false: pages are read forwards with `after`' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page' })
  startCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'Cursor of the last item: pass it as `after`' })
  endCursor!: string | null;
}

/** The page info of a forward-only page: cursors of its first and last edges. */
export function forwardPageInfo(edges: { cursor: string }[], hasNextPage: boolean): PageInfo {
  return {
    hasNextPage,
    hasPreviousPage: false,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
}

@ObjectType({ description: 'A source and destination, each "ip:port" ("[v6]:port" for IPv6)' })
export class Tuple {
  @Field({ description: 'Source address as "ip:port"' })
  src!: string;
  @Field({ description: 'Destination address as "ip:port"' })
  dst!: string;
}

@ObjectType({ description: 'Where a capture was taken and what file it is' })
export class Capture {
  @Field(() => ID, { description: 'Capture id' })
  id!: string;
  @Field({ description: 'Capture point role: client, node, backend or other' })
  role!: string;
  @Field({ description: 'Capture point label (names the interface in pcapng exports)' })
  label!: string;
  @Field(() => String, { nullable: true, description: 'Node the capture was taken on' })
  node!: string | null;
  @Field(() => String, { nullable: true, description: 'Pod (namespace/name) the capture was taken in' })
  pod!: string | null;
  @Field({ description: 'Uploaded file name' })
  fileName!: string;
  @Field({ description: 'pcap or pcapng' })
  format!: string;
  @Field({ description: 'sha256 of the uploaded bytes (hex)' })
  sha256!: string;
  @Field({ description: 'Size of the upload in bytes (decimal string)' })
  sizeBytes!: string;
  @Field(() => Int, { nullable: true, description: 'Packets in the capture, once decoded' })
  packetCount!: number | null;
  @Field({ description: 'Upload time (ISO 8601)' })
  createdAt!: string;
}

@ObjectType({ description: 'One uploaded piece of cluster state (kubectl, ipvsadm, iptables-save, ...)' })
export class Snapshot {
  @Field(() => ID, { description: 'Snapshot id' })
  id!: string;
  @Field({
    description: 'Kind: kubectl-json, ipvsadm, iptables-save, nft, ip-addr, ip-route, conntrack, ...',
  })
  kind!: string;
  @Field(() => String, { nullable: true, description: 'Node the snapshot was taken on' })
  node!: string | null;
  @Field(() => String, { nullable: true, description: 'Uploaded file name' })
  fileName!: string | null;
  @Field({ description: 'Size of the upload in bytes (decimal string)' })
  sizeBytes!: string;
  @Field({ description: 'Upload time (ISO 8601)' })
  createdAt!: string;
}

@ObjectType({ description: "A capture's clock relative to the reference clock" })
export class ClockOffset {
  @Field({ description: 'Capture id' })
  capture!: string;
  @Field({ description: "This capture's clock minus the reference clock, ns (decimal string)" })
  offsetNs!: string;
  @Field({ description: 'Half the width of the interval the offset is known to lie in, ns' })
  spreadNs!: string;
  @Field({ description: 'Whether this capture is on the reference clock' })
  reference!: boolean;
}

@ObjectType({ description: 'What an analysis produced, counted' })
export class AnalysisCounts {
  @Field(() => Int, { nullable: true, description: 'Flows' })
  flows!: number | null;
  @Field(() => Int, { nullable: true, description: 'Translations over all flows' })
  translations!: number | null;
  @Field(() => Int, { nullable: true, description: 'Findings' })
  findings!: number | null;
  @Field(() => Int, { nullable: true, description: 'Findings of severity error' })
  errors!: number | null;
  @Field(() => Int, { nullable: true, description: 'Packets decoded over all captures' })
  packets!: number | null;
}

@ObjectType({ description: 'One job over a set of captures and snapshots; flows and findings belong to it' })
export class Analysis {
  @Field(() => ID, { description: 'Analysis id' })
  id!: string;
  @Field(() => String, { nullable: true, description: 'Name given at creation' })
  name!: string | null;
  @Field(() => AnalysisStatusEnum, { description: 'QUEUED, RUNNING, SUCCEEDED or FAILED' })
  status!: AnalysisStatusEnum;
  @Field(() => String, {
    nullable: true,
    description: 'Stage running now: decode, correlate, diagnose, persist',
  })
  stage!: string | null;
  @Field(() => Int, { description: 'Progress 0..100' })
  progress!: number;
  @Field(() => String, { nullable: true, description: 'Why it failed' })
  error!: string | null;
  @Field(() => AnalysisCounts, { nullable: true, description: 'Counts of results, once succeeded' })
  counts!: AnalysisCounts | null;
  @Field(() => [ClockOffset], {
    description: 'Estimated clock offset of each capture (empty until succeeded)',
  })
  clockOffsets!: ClockOffset[];
  @Field({ description: 'Creation time (ISO 8601)' })
  createdAt!: string;
  @Field(() => String, { nullable: true, description: 'When a worker started it (ISO 8601)' })
  startedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'When it finished (ISO 8601)' })
  finishedAt!: string | null;
}

@ObjectType({ description: 'An analysis in a listing' })
export class AnalysisEdge {
  @Field({ description: 'Cursor of this analysis: pass as `after` to continue after it' })
  cursor!: string;
  @Field(() => Analysis, { description: 'The analysis' })
  node!: Analysis;
}

@ObjectType({ description: "The project's analyses, newest first (Relay connection)" })
export class AnalysisConnection {
  @Field(() => [AnalysisEdge], { description: 'This page of analyses' })
  edges!: AnalysisEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits' })
  pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Analyses matching the filter, over all pages' })
  totalCount!: number;
}

@InputType({ description: 'Which analyses to list' })
export class AnalysisFilter {
  @Field(() => AnalysisStatusEnum, { nullable: true, description: 'Only analyses in this status' })
  status?: AnalysisStatusEnum | null;
  @Field(() => String, { nullable: true, description: 'Only analyses whose name contains this (any case)' })
  name?: string | null;
}

@InputType({ description: 'Start an analysis of captures and snapshots of this project' })
export class CreateAnalysisInput {
  @Field(() => [ID], { description: 'Capture ids (at least one)' })
  captures!: string[];
  @Field(() => [ID], {
    nullable: true,
    description: 'Snapshot ids (they name addresses and give the dataplane)',
  })
  snapshots?: string[] | null;
  @Field(() => String, { nullable: true, description: 'A name to find it by' })
  name?: string | null;
}

@ObjectType({ description: "An analysis' progress, pushed while it runs" })
export class AnalysisProgress {
  @Field(() => ID, { description: 'Analysis id' })
  id!: string;
  @Field(() => AnalysisStatusEnum, { description: 'QUEUED, RUNNING, SUCCEEDED or FAILED' })
  status!: AnalysisStatusEnum;
  @Field(() => String, {
    nullable: true,
    description: 'Stage running now: decode, correlate, diagnose, persist',
  })
  stage!: string | null;
  @Field(() => Int, { description: 'Progress 0..100' })
  progress!: number;
  @Field(() => String, { nullable: true, description: 'Why it failed' })
  error!: string | null;
}

@InputType({ description: 'Which flows: every filter given must hold' })
export class FlowFilterInput {
  @Field(() => String, {
    nullable: true,
    description: 'Service as namespace/name (any port) or namespace/name:port-name, or its "ip:port"',
  })
  service?: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'A pod, namespace/name or just name: flows it served (backend) or sent (its address, from the snapshots, on any side)',
  })
  pod?: string | null;
  @Field(() => String, { nullable: true, description: 'Node: flows seen by a capture taken on this node' })
  node?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'An IP address on any side, original or translated (client, VIP, backend, SNAT address)',
  })
  ip?: string | null;
  @Field(() => Int, { nullable: true, description: 'A port on any side, original or translated' })
  port?: number | null;
  @Field(() => String, { nullable: true, description: 'tcp, udp, icmp, icmpv6 or sctp' })
  protocol?: string | null;
  @Field(() => TranslationKindEnum, { nullable: true, description: 'Flows with a translation of this kind' })
  translationKind?: TranslationKindEnum | null;
  @Field(() => [FlowStateEnum], { nullable: true, description: 'Flows in any of these states' })
  states?: FlowStateEnum[] | null;
  @Field(() => String, { nullable: true, description: 'Flows a finding with this code is about' })
  findingCode?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Flows still active at or after this time (ns since the epoch, decimal string)',
  })
  fromNs?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Flows that started at or before this time (ns since the epoch, decimal string)',
  })
  toNs?: string | null;
}

@ObjectType({ description: 'An interface a perspective was seen on (tcpdump -i any captures name several)' })
export class PerspectiveInterface {
  @Field({ description: 'Interface name (ifN when the snapshots do not name index N)' })
  name!: string;
  @Field({ description: "tcpdump's direction letter: In, Out, P, B, M, or empty when unknown" })
  type!: string;
  @Field(() => Int, { description: 'Sightings on this interface' })
  packets!: number;
}

@ObjectType({ description: 'The overlay header around a tunnelled packet (VXLAN, Geneve, IPIP, GRE)' })
export class OuterHeader {
  @Field({ description: 'vxlan, geneve, ipip or gre' })
  tunnel!: string;
  @Field({ description: 'Outer source address (the sending node)' })
  src!: string;
  @Field({ description: 'Outer destination address (the receiving node)' })
  dst!: string;
  @Field(() => Int, { nullable: true, description: 'VXLAN/Geneve network identifier' })
  vni!: number | null;
}

@ObjectType({
  description: "How one capture point saw a flow: a row of the seed article's perspective table",
})
export class Perspective {
  @Field(() => Int, {
    description:
      'Place in the flow’s path order (requests client → backend, then replies back); `Sighting.perspective` refers to it',
  })
  position!: number;
  @Field({ description: 'Capture id of the capture point' })
  captureId!: string;
  @Field(() => Capture, { nullable: true, description: 'The capture point' })
  capture?: Capture | null;
  @Field({ description: 'request (as the client sent it) or reply' })
  direction!: string;
  @Field({ description: 'Source as seen here' })
  src!: string;
  @Field({ description: 'Destination as seen here' })
  dst!: string;
  @Field(() => Int, { description: 'Distinct packets seen here in this direction' })
  packets!: number;
  @Field({ description: 'First packet here, ns since the epoch on this capture’s clock' })
  firstNs!: string;
  @Field({ description: 'Last packet here, ns since the epoch on this capture’s clock' })
  lastNs!: string;
  @Field(() => [PerspectiveInterface], {
    description: 'Interfaces it was seen on, with their direction letter',
  })
  interfaces!: PerspectiveInterface[];
  @Field(() => OuterHeader, {
    nullable: true,
    description: 'The overlay header, when seen here encapsulated (the outer tuple on the underlay)',
  })
  outer!: OuterHeader | null;
}

@ObjectType({ description: 'What one hop changed, where, and how long it took' })
export class Translation {
  @Field(() => TranslationKindEnum, { description: 'DNAT, SNAT, DNAT_SNAT, ENCAP, DECAP or NONE' })
  kind!: TranslationKindEnum;
  @Field(() => Tuple, { description: 'The tuple before the hop' })
  before!: Tuple;
  @Field(() => Tuple, { description: 'The tuple after the hop' })
  after!: Tuple;
  @Field({ description: 'Capture id where the translated packet was seen' })
  captureId!: string;
  @Field(() => Capture, { nullable: true, description: 'The capture point where it was seen translated' })
  capture?: Capture | null;
  @Field(() => [String], { description: 'Interfaces before and after (e.g. eth0, cali…), when known' })
  interfaces!: string[];
  @Field(() => String, { nullable: true, description: 'Latency between the two sightings, ns' })
  latencyNs!: string | null;
  @Field({ description: 'One line, as in packet comments: `DNAT 10.233.9.232:80 -> 10.233.65.212:80`' })
  description!: string;
}

@ObjectType({ description: 'SYN → SYN-ACK → ACK timing at one capture point' })
export class HandshakeTiming {
  @Field({ description: 'Capture id' })
  captureId!: string;
  @Field(() => String, { nullable: true, description: 'SYN to SYN-ACK, ns (the RTT seen from here)' })
  synToSynAckNs!: string | null;
  @Field(() => String, { nullable: true, description: 'SYN-ACK to ACK, ns' })
  synAckToAckNs!: string | null;
}

@ObjectType({ description: 'A diagnosis with evidence and the next commands to run' })
export class Finding {
  @Field(() => ID, { description: 'Finding id' })
  id!: string;
  @Field({ description: 'Machine-readable code, e.g. SYN_UNANSWERED, RESET_BY_BACKEND' })
  code!: string;
  @Field({ description: 'error, warning or info' })
  severity!: string;
  @Field({ description: 'One line' })
  title!: string;
  @Field({ description: 'What was seen and where' })
  detail!: string;
  @Field(() => [String], { description: 'Keys of the flows it is about' })
  flowKeys!: string[];
  @Field({ description: 'Evidence (packet and snapshot references) as JSON text' })
  evidenceJson!: string;
  @Field(() => [String], { description: 'Commands to run next' })
  next!: string[];
  /** Not exposed: scopes the `flows` field. */
  analysisId!: string;
}

@ObjectType({ description: 'One packet of a flow seen at one capture point' })
export class Sighting {
  @Field({ description: 'Capture id' })
  captureId!: string;
  @Field(() => Int, {
    description: 'Position of the perspective it belongs to in `Flow.perspectives` (its tuple and stage)',
  })
  perspective!: number;
  @Field({ description: 'Timestamp as recorded in that capture, ns since the epoch' })
  timestampNs!: string;
  @Field({ description: 'Timestamp on the reference clock (clock offset removed), ns since the epoch' })
  referenceTimestampNs!: string;
  @Field(() => Int, { description: '0-based record number in the capture file (tcpdump -# minus one)' })
  frame!: number;
  @Field(() => String, { nullable: true, description: 'Interface it was seen on (-i any captures)' })
  interface!: string | null;
  @Field({ description: "tcpdump's direction letter: In, Out, P, B, M, or empty when unknown" })
  type!: string;
  @Field({ description: 'request or reply' })
  direction!: string;
  @Field({ description: 'Source as seen there' })
  src!: string;
  @Field({ description: 'Destination as seen there' })
  dst!: string;
  @Field(() => Int, { description: 'TCP flags byte (0 for other protocols)' })
  tcpFlags!: number;
}

@ObjectType({ description: 'A sighting in a listing' })
export class SightingEdge {
  @Field({ description: 'Cursor of this sighting' })
  cursor!: string;
  @Field(() => Sighting, { description: 'The sighting' })
  node!: Sighting;
}

@ObjectType({ description: "A flow's stored sightings in reference-clock order (Relay connection)" })
export class SightingConnection {
  @Field(() => [SightingEdge], { description: 'This page of sightings' })
  edges!: SightingEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits' })
  pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Stored sightings of the flow' })
  totalCount!: number;
}

@ObjectType({ description: 'One connection (TCP) or exchange (UDP/ICMP) end to end' })
export class Flow {
  @Field(() => ID, { description: 'Flow id (stable within the analysis)' })
  id!: string;
  @Field({ description: 'Correlator key (client tuple + first timestamp), as reports print it' })
  key!: string;
  @Field({ description: 'Analysis id' })
  analysisId!: string;
  @Field({ description: 'tcp, udp, icmp, icmpv6 or sctp' })
  protocol!: string;
  @Field({ description: 'Client "ip:port" as the client sent it' })
  client!: string;
  @Field({ description: 'Original destination "ip:port" (the VIP for a Service)' })
  service!: string;
  @Field(() => String, { nullable: true, description: 'Who answered / was DNATed to; null if unknown' })
  backend!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Client address as the backend saw it (differs under SNAT)',
  })
  clientSeenByBackend!: string | null;
  @Field(() => String, { nullable: true, description: 'Service namespace/name:port-name, from snapshots' })
  serviceName!: string | null;
  @Field(() => String, { nullable: true, description: 'Backend pod namespace/name, from snapshots' })
  backendPod!: string | null;
  @Field(() => Tuple, { description: 'The original tuple: client → service' })
  original!: Tuple;
  @Field(() => Tuple, {
    nullable: true,
    description: 'The tuple as the backend saw it: client-as-seen-by-backend → backend (null if unknown)',
  })
  translated!: Tuple | null;
  @Field(() => FlowStateEnum, { description: 'How it ended' })
  state!: FlowStateEnum;
  @Field(() => String, { nullable: true, description: 'Who reset it: client, backend, node or service' })
  resetBy!: string | null;
  @Field({ description: 'First packet, ns since the epoch (reference clock)' })
  firstNs!: string;
  @Field({ description: 'Last packet, ns since the epoch (reference clock)' })
  lastNs!: string;
  @Field({ description: 'lastNs - firstNs' })
  durationNs!: string;
  @Field(() => Int, { description: 'Packets client → service' })
  packetsForward!: number;
  @Field(() => Int, { description: 'Packets in reply' })
  packetsReverse!: number;
  @Field({ description: 'Bytes client → service (decimal string)' })
  bytesForward!: string;
  @Field({ description: 'Bytes in reply (decimal string)' })
  bytesReverse!: string;
  @Field(() => Int, { description: 'TCP retransmissions' })
  retransmissions!: number;
  @Field(() => [HandshakeTiming], { description: 'Handshake RTT per capture point (TCP)' })
  handshake!: HandshakeTiming[];
  @Field(() => [TranslationKindEnum], { description: 'Kinds of translation the flow went through' })
  translationKinds!: TranslationKindEnum[];
  @Field(() => [String], { description: 'Codes of the findings about this flow' })
  findingCodes!: string[];
  @Field(() => String, { nullable: true, description: 'Community ID of the original tuple (Zeek, Suricata)' })
  communityIdClient!: string | null;
  @Field(() => String, { nullable: true, description: 'Community ID of the tuple the backend saw' })
  communityIdBackend!: string | null;
  @Field({ description: 'Path of this flow as a pcapng (every sighting from every capture point)' })
  pcapngUrl!: string;
  /** Not exposed: the correlator's detail (perspectives with sightings...). */
  detail!: unknown;
}

@ObjectType({ description: 'A flow in a listing' })
export class FlowEdge {
  @Field({ description: 'Cursor of this flow: pass as `after` to continue after it' })
  cursor!: string;
  @Field(() => Flow, { description: 'The flow' })
  node!: Flow;
}

@ObjectType({ description: "An analysis' flows matching a filter (Relay connection)" })
export class FlowConnection {
  @Field(() => [FlowEdge], { description: 'This page of flows' })
  edges!: FlowEdge[];
  @Field(() => PageInfo, { description: 'Where this page sits' })
  pageInfo!: PageInfo;
  @Field(() => Int, { description: 'Flows matching the filter, over all pages' })
  totalCount!: number;
  /** Not exposed: counts only when asked. */
  countFn!: () => Promise<number>;
}

@ObjectType({ description: 'One backend of a service frontend: observed against expected share' })
export class ServiceBackend {
  @Field(() => String, {
    nullable: true,
    description: 'Backend "ip:port" (null: flows that reached no backend)',
  })
  backend!: string | null;
  @Field(() => String, { nullable: true, description: 'Backend pod namespace/name' })
  pod!: string | null;
  @Field(() => Int, { description: 'Flows that went to this backend' })
  flows!: number;
  @Field(() => Float, { description: 'Fraction (0..1) of the frontend’s flows that went here' })
  observedShare!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'Fraction the dataplane model expects here (null: no snapshot tells)',
  })
  expectedShare!: number | null;
}

@ObjectType({ description: 'A service frontend (VIP:port) with its backends and how the load was spread' })
export class Service {
  @Field({ description: 'Frontend "ip:port" the clients used' })
  frontend!: string;
  @Field({ description: 'tcp, udp, ...' })
  protocol!: string;
  @Field(() => String, { nullable: true, description: 'namespace/name:port-name, from snapshots' })
  serviceName!: string | null;
  @Field(() => Int, { description: 'Flows to this frontend' })
  flows!: number;
  @Field(() => [ServiceBackend], {
    description: 'Backends: observed ones, and expected ones that got no flow (flows 0)',
  })
  backends!: ServiceBackend[];
  @Field(() => String, {
    nullable: true,
    description:
      'Why expected shares are null (no snapshots, or the frontend is not in them); null when known',
  })
  expectedUnavailable!: string | null;
}
