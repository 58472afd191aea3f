// The shared lab fixtures (<repo>/../shared/fixtures) as diagnose's input: each scenario's captures
// correlated, plus its snapshots as an address book and a dataplane model.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildAddressBook,
  buildDataplaneModel,
  parseSnapshot,
  type AddressBook,
  type DataplaneModel,
  type ParsedSnapshot,
} from '#cluster';
import {
  correlate,
  decodedSource,
  type CapturePoint,
  type CorrelatePacket,
  type CorrelationResult,
  type PacketSource,
} from '#correlate';
import { decodeFile } from '#decode';
import { multiNode } from '../../../correlate/test/helpers/fixtures.js';

export const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));

const NODE = 'k8s-compute-02';

export interface FixtureCapture extends Omit<CapturePoint, 'interfaces'> {
  file: string;
  /** netns whose `ip addr` names the capture's interfaces (snapshot/netns-<name>-ip.txt). */
  netns: string;
}

export interface Scenario {
  dir: string;
  captures: FixtureCapture[];
}

const client = (netns = 'client', node = NODE): FixtureCapture => ({
  id: 'client.pcap',
  file: 'client.pcap',
  netns,
  role: 'client',
  node,
});
const node = (): FixtureCapture => ({
  id: 'node.pcap',
  file: 'node.pcap',
  netns: 'node',
  role: 'node',
  node: NODE,
});
const backend = (file: string, netns: string, pod: string): FixtureCapture => ({
  id: file,
  file,
  netns,
  role: 'backend',
  node: NODE,
  pod,
});

const nginxPod = 'nginx-54c98b4f84-ftvlg';

export const SCENARIOS = {
  clusterip: {
    dir: 'single-node/clusterip',
    captures: [client(), node(), backend('backend.pcap', 'pod1', nginxPod)],
  },
  'clusterip-routed': {
    dir: 'single-node/clusterip-routed',
    captures: [client(), node(), backend('backend.pcap', 'pod1', nginxPod)],
  },
  // The external client is another host: its clock is estimated, not assumed.
  'nodeport-masq': {
    dir: 'single-node/nodeport-masq',
    captures: [client('ext', 'ext-client'), node(), backend('backend.pcap', 'pod1', nginxPod)],
  },
  diagnostics: {
    dir: 'single-node/diagnostics',
    captures: [
      client(),
      node(),
      backend('backend.pcap', 'hung', 'nginx-hung-6d5f7b9c8d-r2v4n'),
      backend('backend-dns.pcap', 'dns', 'dns-echo-5b7c9d6f4-k8s2q'),
    ],
  },
  'multinode-vxlan': multiNode(false),
  'multinode-vxlan-skewed': multiNode(true),
} satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

export function readText(path: string): string {
  return readFileSync(`${FIXTURES}${path}`, 'utf8');
}

/** ifindex -> name from an `ip addr` listing ("4: veth9a1c3e07@if2: <...>"). */
function interfaceNames(path: string): Record<number, string> {
  const names: Record<number, string> = {};
  for (const m of readText(path).matchAll(/^(\d+): ([^:@\s]+)/gm)) names[Number(m[1])] = m[2];
  return names;
}

export function capturePoints(scenario: Scenario): CapturePoint[] {
  return scenario.captures.map(({ file: _file, netns, ...point }) => ({
    ...point,
    interfaces: interfaceNames(`${scenario.dir}/snapshot/netns-${netns}-ip.txt`),
  }));
}

/** The snapshots of one scenario, as an operator would upload them (node named when known). */
export function snapshots(scenario: Scenario): ParsedSnapshot[] {
  const dir = `${scenario.dir}/snapshot/`;
  const parse = (file: string, node?: string) =>
    parseSnapshot(readText(dir + file), { name: file, ...(node ? { node } : {}) });
  if (scenario.dir.startsWith('multi-node')) {
    return [
      parse('kubectl-get-svc-pods-endpointslices-nodes.json'),
      ...['k8s-compute-01', 'k8s-compute-02'].flatMap((n) => [
        parse(`${n}-ip-addr.txt`),
        parse(`${n}-iptables-save.txt`, n),
        parse(`${n}-ip-neigh.txt`, n),
      ]),
    ];
  }
  return [
    parse('kubectl-get-svc-pods-endpointslices-nodes.json'),
    parse('node-ip-addr.txt'),
    parse('node-iptables-save.txt', NODE),
    parse('node-ip-neigh.txt', NODE),
  ];
}

export interface LoadedScenario {
  scenario: Scenario;
  points: CapturePoint[];
  addressBook: AddressBook;
  dataplane: DataplaneModel;
  correlation: CorrelationResult;
}

/** Drops packets from a capture before correlation: a lab capture turned into the one the lab did not make. */
export type PacketFilter = (capture: string, packet: CorrelatePacket) => boolean;

export async function loadScenario(name: ScenarioName, keep?: PacketFilter): Promise<LoadedScenario> {
  const scenario: Scenario = SCENARIOS[name];
  const snaps = snapshots(scenario);
  const addressBook = buildAddressBook(snaps);
  const dataplane = buildDataplaneModel(snaps);
  const points = capturePoints(scenario);
  const captures = await Promise.all(
    scenario.captures.map(async (c, i) => {
      const source = decodedSource(await decodeFile(`${FIXTURES}${scenario.dir}/${c.file}`), points[i]!);
      return { point: points[i]!, packets: keep ? filtered(source, (p) => keep(c.id, p)) : source };
    }),
  );
  const correlation = correlate(captures, { addressBook });
  return { scenario, points, addressBook, dataplane, correlation };
}

export interface GroundTruthConnection {
  id: string;
  case: string;
  proto: string;
  client: string;
  service: string;
  service_name: string;
  backend: string | null;
  backend_pod: string | null;
  snat_as_seen_by_backend: string | null;
  outcome: string;
  /** Seconds since the epoch (the client's clock). */
  start_time: number;
}

export interface GroundTruth {
  connections: GroundTruthConnection[];
  clock_offsets_applied?: Record<string, number>;
  capture_points?: { file: string; role: string; node: string }[];
  lb_mode: string;
}

export function groundTruth(scenario: Scenario): GroundTruth {
  return JSON.parse(readText(`${scenario.dir}/ground-truth.json`)) as GroundTruth;
}

function filtered(source: PacketSource, keep: (p: CorrelatePacket) => boolean): PacketSource {
  return function* () {
    for (const p of source()) if (keep(p)) yield p;
  };
}

/** A packet's timestamp in ns. */
export function packetNs(p: CorrelatePacket): bigint {
  return BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
}
