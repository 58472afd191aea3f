// Reads the shared fixtures (../shared beside the repository) into correlate's input.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeFile } from '#decode';
import { decodedSource } from '../../src/decode-adapter.js';
import type { CapturePoint, CorrelateCapture, PacketSource } from '../../src/types.js';

export const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/', import.meta.url));

export interface GroundTruthConnection {
  id: string;
  case: string;
  proto: string;
  client: string;
  service: string;
  backend: string | null;
  backend_pod: string | null;
  snat_as_seen_by_backend: string | null;
  outcome: string;
}

export function groundTruth(dir: string): { connections: GroundTruthConnection[]; [k: string]: unknown } {
  return JSON.parse(readFileSync(`${FIXTURES}${dir}/ground-truth.json`, 'utf8'));
}

/** ifindex -> name from an `ip addr` listing ("4: veth9a1c3e07@if2: <...>"). */
export function interfaceNames(file: string): Record<number, string> {
  const names: Record<number, string> = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/^(\d+): ([^:@\s]+)/gm)) names[Number(m[1])] = m[2];
  return names;
}

export interface FixtureCapture extends Omit<CapturePoint, 'interfaces'> {
  file: string;
  /** netns whose `ip addr` names the capture's interfaces (snapshot/netns-<name>-ip.txt). */
  netns: string;
}

export async function loadCaptures(
  dir: string,
  list: FixtureCapture[],
): Promise<CorrelateCapture<PacketSource>[]> {
  return Promise.all(
    list.map(async ({ file, netns, ...point }) => {
      const interfaces = interfaceNames(`${FIXTURES}${dir}/snapshot/netns-${netns}-ip.txt`);
      const packets = await decodeFile(`${FIXTURES}${dir}/${file}`);
      const full: CapturePoint = { ...point, interfaces };
      return { point: full, packets: decodedSource(packets, full) };
    }),
  );
}

export function readText(dir: string, file: string): string {
  return readFileSync(`${FIXTURES}${dir}/${file}`, 'utf8');
}

export interface Scenario {
  dir: string;
  captures: FixtureCapture[];
  /** Known offset of each capture's clock (ns): only the skewed copies have one. */
  offsets?: Record<string, bigint>;
}

/**
 * The two-node VXLAN scenario: client, both nodes, a backend pod on each; `skewed`: node 2 and
 * its pod captured with their clock 1.734 s ahead. libs/diagnose's fixtures use it too.
 */
export const multiNode = (skewed: boolean): Scenario => {
  const s = skewed ? '-skewed' : '';
  return {
    dir: 'multi-node/multinode-vxlan',
    captures: [
      { id: 'client.pcap', file: 'client.pcap', netns: 'client', role: 'client', node: 'k8s-compute-01' },
      {
        id: 'node-01',
        file: 'node-k8s-compute-01.pcap',
        netns: 'k8s-compute-01',
        role: 'node',
        node: 'k8s-compute-01',
      },
      {
        id: 'node-02',
        file: `node-k8s-compute-02${s}.pcap`,
        netns: 'k8s-compute-02',
        role: 'node',
        node: 'k8s-compute-02',
      },
      {
        id: 'pod1',
        file: 'backend-nginx-54c98b4f84-ftvlg.pcap',
        netns: 'pod1',
        role: 'backend',
        node: 'k8s-compute-01',
        pod: 'nginx-54c98b4f84-ftvlg',
      },
      {
        id: 'pod2',
        file: `backend-nginx-54c98b4f84-7xk2m${s}.pcap`,
        netns: 'pod2',
        role: 'backend',
        node: 'k8s-compute-02',
        pod: 'nginx-54c98b4f84-7xk2m',
      },
    ],
    offsets: skewed ? { 'node-02': 1_734_000_000n, pod2: 1_734_000_000n } : {},
  };
};
