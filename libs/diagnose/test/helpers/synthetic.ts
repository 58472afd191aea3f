// Small hand-built CorrelationResults for the cases the lab did not produce: one client, one node,
// one backend capture on node n1, Service 10.96.0.10:80 (network-test/web:http) DNATed to pods.
import type { AddressBook, DataplaneMismatch, DataplaneModel, Frontend } from '#cluster';
import type {
  CapturePoint,
  CaptureSummary,
  ClockOffset,
  CorrelationResult,
  Flow,
  Perspective,
} from '#correlate';

export const SYN = 2;
export const ACK = 16;
export const RST = 4;

export const CLIENT = '10.244.1.5';
export const VIP = '10.96.0.10';
export const SERVICE = `${VIP}:80`;
export const POD_A = '10.244.2.7';
export const POD_B = '10.244.2.8';
export const POD_C = '10.244.2.9';

export const POINTS: CapturePoint[] = [
  { id: 'client.pcap', role: 'client', node: 'n1', pod: 'client' },
  { id: 'node.pcap', role: 'node', node: 'n1' },
  { id: 'backend.pcap', role: 'backend', node: 'n1', pod: 'web-a' },
];

const T0 = 1_800_000_000_000_000_000n;

export interface PerspectiveSpec {
  capture: string;
  direction: 'request' | 'reply';
  src: string;
  dst: string;
  packets?: number;
  bytes?: number;
  syn?: number;
  rst?: number;
  fin?: number;
  retransmissions?: number;
  duplicateAcks?: number;
  icmpErrors?: number;
  unpaired?: number;
  /** Offset of the first sighting from the flow's start (µs). */
  atUs?: number;
  spanUs?: number;
  flags?: number;
}

/** A perspective in either shape correlate has used (sightings kept per perspective). */
export function perspective(s: PerspectiveSpec, start: bigint): Perspective {
  const first = start + BigInt(s.atUs ?? 0) * 1000n;
  const last = first + BigInt(s.spanUs ?? 0) * 1000n;
  const packets = s.packets ?? 1;
  return {
    capture: s.capture,
    direction: s.direction,
    src: s.src,
    dst: s.dst,
    packets,
    sightingCount: packets,
    bytes: s.bytes ?? packets * 60,
    firstNs: first.toString(),
    lastNs: last.toString(),
    interfaces: [],
    outer: null,
    retransmissions: s.retransmissions ?? 0,
    duplicateAcks: s.duplicateAcks ?? 0,
    syn: s.syn ?? 0,
    fin: s.fin ?? 0,
    rst: s.rst ?? 0,
    icmpErrors: s.icmpErrors ?? 0,
    unpaired: s.unpaired ?? 0,
    sightings: [
      { timestampNs: first.toString(), frame: 0, interface: 'eth0', type: 'Out', tcpFlags: s.flags ?? 0 },
    ],
  } as unknown as Perspective;
}

let seq = 0;

export interface FlowSpec extends Partial<Omit<Flow, 'perspectives'>> {
  perspectives: PerspectiveSpec[];
  /** Seconds after T0. */
  startS?: number;
}

export function flow(spec: FlowSpec): Flow {
  const n = ++seq;
  const start = T0 + BigInt(spec.startS ?? n) * 1_000_000_000n;
  const { perspectives, startS: _s, ...rest } = spec;
  const ps = perspectives.map((p) => perspective(p, start));
  const lastNs = ps.reduce((m, p) => (BigInt(p.lastNs) > m ? BigInt(p.lastNs) : m), start);
  return {
    id: `flow-${String(n).padStart(4, '0')}`,
    protocol: 'tcp',
    client: `${CLIENT}:${40000 + n}`,
    service: SERVICE,
    backend: null,
    clientSeenByBackend: null,
    serviceName: null,
    backendPod: null,
    state: 'CLOSED',
    resetBy: null,
    icmpError: null,
    firstNs: start.toString(),
    lastNs: lastNs.toString(),
    translations: [],
    handshake: {},
    request: { packets: 1, bytes: 60 },
    reply: { packets: 0, bytes: 0 },
    retransmissions: 0,
    duplicateAcks: 0,
    communityIds: { client: '1:x', backend: null },
    ambiguousPairings: 0,
    ...rest,
    perspectives: ps,
  } as Flow;
}

/** A request DNATed on node n1 from the VIP to `backend` (ip:port). */
export function dnat(client: string, backend: string, service = SERVICE): Flow['translations'][number] {
  return {
    kind: 'DNAT',
    direction: 'request',
    before: { src: client, dst: service },
    after: { src: client, dst: backend },
    outer: null,
    capture: 'node.pcap',
    fromCapture: 'node.pcap',
    interfaces: { before: 'veth1', after: 'veth2' },
    latencyNs: '20000',
    minLatencyNs: '20000',
    packets: 1,
  };
}

/** A complete healthy HTTP exchange through the Service to `backendIp`, seen at all three points. */
export function healthy(backendIp: string, extra: Partial<FlowSpec> = {}): Flow {
  const n = seq + 1;
  const client = `${CLIENT}:${40000 + n}`;
  const backend = `${backendIp}:80`;
  return flow({
    client,
    backend,
    clientSeenByBackend: client,
    state: 'CLOSED',
    translations: [dnat(client, backend)],
    request: { packets: 5, bytes: 400 },
    reply: { packets: 4, bytes: 600 },
    perspectives: [
      {
        capture: 'client.pcap',
        direction: 'request',
        src: client,
        dst: SERVICE,
        packets: 5,
        syn: 1,
        flags: SYN,
      },
      { capture: 'node.pcap', direction: 'request', src: client, dst: SERVICE, packets: 5, syn: 1, atUs: 5 },
      { capture: 'node.pcap', direction: 'request', src: client, dst: backend, packets: 5, syn: 1, atUs: 20 },
      { capture: 'client.pcap', direction: 'reply', src: SERVICE, dst: client, packets: 4, syn: 1, atUs: 80 },
      { capture: 'node.pcap', direction: 'reply', src: backend, dst: client, packets: 4, syn: 1, atUs: 70 },
    ],
    ...extra,
  } as FlowSpec);
}

export function captureSummaries(flows: Flow[]): CaptureSummary[] {
  return POINTS.map((p) => {
    const sightings = flows.flatMap((f) => f.perspectives).filter((x) => x.capture === p.id);
    return {
      capture: p.id,
      packets: sightings.reduce((n, x) => n + x.packets, 0),
      ignored: 0,
      sightings: sightings.reduce((n, x) => n + x.packets, 0),
      unpaired: sightings.reduce((n, x) => n + x.unpaired, 0),
    };
  });
}

export function result(
  flows: Flow[],
  more: { clockOffsets?: ClockOffset[]; captures?: CaptureSummary[] } = {},
): CorrelationResult {
  const captures = more.captures ?? captureSummaries(flows);
  // Cast: correlate's result gains fields while its authors polish it; these are the ones diagnose reads.
  return {
    flowCount: flows.length,
    flows,
    clockOffsets:
      more.clockOffsets ??
      POINTS.map((p) => ({
        capture: p.id,
        clockDomain: 'n1',
        offsetNs: '0',
        spreadNs: '0',
        pairs: 0,
        reference: true,
      })),
    captures,
    unpaired: Object.fromEntries(captures.map((c) => [c.capture, c.unpaired])),
    ambiguousPairings: 0,
    conflicts: 0,
    sightings: 0,
    hops: 0,
  } as unknown as CorrelationResult;
}

const PODS: Record<string, string> = { [POD_A]: 'web-a', [POD_B]: 'web-b', [POD_C]: 'web-c' };

/** Just enough address book: the Service, its pods, the node n1 (192.168.0.11). */
export function addressBook(extra: { externalTrafficPolicy?: string } = {}): AddressBook {
  const service = {
    kind: 'Service' as const,
    namespace: 'network-test',
    name: 'web',
    type: 'ClusterIP',
    clusterIPs: [VIP],
    externalIPs: [],
    loadBalancerIngress: [],
    ports: [],
    externalTrafficPolicy: extra.externalTrafficPolicy,
    sources: ['synthetic'],
  };
  const lookup: AddressBook['lookup'] = (ip, port) => {
    if (ip === VIP && (port === undefined || port === 80))
      return {
        ip,
        port,
        kind: 'Service',
        role: 'cluster-ip',
        name: 'network-test/web',
        namespace: 'network-test',
        serviceName: 'network-test/web:http',
        sources: ['synthetic'],
        entity: service,
      };
    if (PODS[ip]) {
      const pod = {
        kind: 'Pod' as const,
        namespace: 'network-test',
        name: PODS[ip]!,
        node: 'n1',
        ips: [ip],
        sources: [],
      };
      return {
        ip,
        kind: 'Pod',
        role: 'pod-ip',
        name: `network-test/${PODS[ip]}`,
        node: 'n1',
        sources: [],
        entity: pod,
      };
    }
    if (ip === '192.168.0.11') {
      const node = {
        kind: 'Node' as const,
        name: 'n1',
        internalIPs: [ip],
        externalIPs: [],
        podCIDRs: [],
        interfaces: [],
        sources: [],
      };
      return {
        ip,
        kind: 'Node',
        role: 'node-internal-ip',
        name: 'n1',
        node: 'n1',
        sources: [],
        entity: node,
      };
    }
    return undefined;
  };
  return {
    services: [service],
    addresses: [],
    pods: [],
    nodes: [],
    loadBalancers: [],
    conflicts: [],
    notes: [],
    lookup,
    lookupAll: (...args: Parameters<AddressBook['lookup']>) => {
      const m = lookup(...args);
      return m ? [m] : [];
    },
    toJSON: () => ({ services: [service], pods: [], nodes: [], loadBalancers: [], conflicts: [], notes: [] }),
  } as unknown as AddressBook;
}

/** A dataplane model with the Service's frontend on n1 (three backends) and the given mismatches. */
export function dataplane(
  mismatches: Partial<DataplaneMismatch>[] = [],
  frontend: Partial<Frontend> = {},
): DataplaneModel {
  const backends = [POD_A, POD_B, POD_C];
  return {
    frontends: [
      <Frontend>{
        id: `tcp/${SERVICE}`,
        kind: 'ClusterIP',
        ip: VIP,
        port: 80,
        protocol: 'tcp',
        service: 'network-test/web:http',
        trafficPolicy: 'Cluster',
        declaredBy: ['synthetic'],
        intended: backends.map((ip) => ({
          ip,
          port: 80,
          pod: `network-test/${PODS[ip]}`,
          node: 'n1',
          ready: true,
          serving: true,
          terminating: false,
          source: 'synthetic',
        })),
        expectedShares: backends.map((ip) => ({ ip, port: 80, share: 1 / 3 })),
        programmed: [
          {
            node: 'n1',
            form: 'iptables',
            family: 4,
            source: 'synthetic',
            line: 1,
            backends: backends.map((ip, i) => ({ ip, port: 80, share: 1 / 3, line: 10 + i })),
          },
        ],
        ...frontend,
      },
    ],
    nodes: ['n1'],
    mismatches: mismatches.map((m) => ({
      kind: 'STALE_BACKEND',
      frontend: `tcp/${SERVICE}`,
      service: 'network-test/web:http',
      node: 'n1',
      form: 'iptables',
      sources: ['synthetic-iptables-save.txt'],
      line: 42,
      message: `n1: ${m.kind ?? 'STALE_BACKEND'} for ${m.backend ?? SERVICE}`,
      ...m,
    })),
  } as unknown as DataplaneModel;
}
