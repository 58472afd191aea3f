// The shared fixtures (../shared beside the repository) correlated the way the CLI does it, and the
// tcpdump text a person reads beside them.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAddressBook, parseSnapshot } from '#cluster';
import { correlateAsync, fileSource, type CapturePoint, type CorrelationResult } from '#correlate';
import type { ReportInput } from '../../src/index.js';

export const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));

export interface GroundTruthConnection {
  id: string;
  proto: string;
  client: string;
  service: string;
  service_name: string;
  backend: string | null;
  backend_pod: string | null;
  snat_as_seen_by_backend: string | null;
  outcome: string;
}

export function groundTruth(dir: string): GroundTruthConnection[] {
  return JSON.parse(readFileSync(`${FIXTURES}${dir}/ground-truth.json`, 'utf8')).connections;
}

export function readText(dir: string, file: string): string {
  return readFileSync(`${FIXTURES}${dir}/${file}`, 'utf8');
}

/** ifindex -> name from an `ip addr` listing ("4: veth9a1c3e07@if2: <...>"). */
function interfaceNames(file: string): Record<number, string> {
  const names: Record<number, string> = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/^(\d+): ([^:@\s]+)/gm)) names[Number(m[1])] = m[2];
  return names;
}

export interface FixtureCapture extends Omit<CapturePoint, 'interfaces'> {
  file: string;
  netns: string;
}

/** Correlates a scenario's captures with its kubectl snapshot naming services and pods. */
export async function correlateFixture(dir: string, captures: FixtureCapture[]): Promise<ReportInput> {
  const kubectl = readdirSync(`${FIXTURES}${dir}/snapshot`).filter((f) => f.startsWith('kubectl-get-svc-'));
  const book = buildAddressBook(
    kubectl.map((f) => parseSnapshot(readText(dir, `snapshot/${f}`), { name: f })),
  );
  const points = captures.map(({ file, netns, ...point }) => ({
    point: { ...point, interfaces: interfaceNames(`${FIXTURES}${dir}/snapshot/netns-${netns}-ip.txt`) },
    file,
  }));
  const correlation: CorrelationResult = await correlateAsync(
    points.map(({ point, file }) => ({ point, packets: fileSource(`${FIXTURES}${dir}/${file}`, point) })),
    { addressBook: book },
  );
  const packets = new Map(correlation.captures.map((c) => [c.capture, c.packets]));
  return {
    analysis: {
      id: 'fixture',
      status: 'SUCCEEDED',
      captures: points.map(({ point }) => ({ ...point, packets: packets.get(point.id) ?? 0 })),
    },
    correlation,
    findings: [],
  };
}

export interface TcpdumpRow {
  iface: string;
  type: string;
  src: string;
  dst: string;
}

/** The distinct (interface, direction, src > dst) rows tcpdump printed for one connection. */
export function tcpdumpRows(text: string, endpoints: Set<string>): TcpdumpRow[] {
  const rows = new Map<string, TcpdumpRow>();
  const line = /^\S+ (\S+)\s+(In|Out|P|B|M)\s+IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+):/;
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const row = { iface: m[1], type: m[2], src: `${m[3]}:${m[4]}`, dst: `${m[5]}:${m[6]}` };
    if (!endpoints.has(row.src) && !endpoints.has(row.dst)) continue;
    rows.set(`${row.iface} ${row.type} ${row.src} ${row.dst}`, row);
  }
  return [...rows.values()];
}
