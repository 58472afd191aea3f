// Fixture access for the cluster tests. The shared lab fixtures live beside the repository
// (`<repo>/../shared/fixtures`, also in CI); ours live in ./fixtures.
import { readFileSync } from 'node:fs';
import { parseSnapshot, type ParsedSnapshot, type SnapshotKind } from '../src/index.js';

const shared = new URL('../../../../shared/fixtures/', import.meta.url);
const local = new URL('./fixtures/', import.meta.url);

export const SCENARIOS = [
  'single-node/clusterip',
  'single-node/clusterip-routed',
  'single-node/nodeport-masq',
  'single-node/diagnostics',
  'multi-node/multinode-vxlan',
] as const;

export function sharedText(path: string): string {
  return readFileSync(new URL(path, shared), 'utf8');
}

export function localText(path: string): string {
  return readFileSync(new URL(path, local), 'utf8');
}

export function sharedJson<T = unknown>(path: string): T {
  return JSON.parse(sharedText(path)) as T;
}

export function shared_(path: string, opts: { node?: string; kind?: SnapshotKind } = {}): ParsedSnapshot {
  return parseSnapshot(sharedText(path), { name: path.split('/').pop()!, ...opts });
}

export function local_(path: string, opts: { node?: string; kind?: SnapshotKind } = {}): ParsedSnapshot {
  return parseSnapshot(localText(path), { name: path.split('/').pop()!, ...opts });
}

/** Narrow a parsed snapshot to its kind, failing the test if it is another. */
export function as<K extends SnapshotKind>(s: ParsedSnapshot, kind: K): Extract<ParsedSnapshot, { kind: K }> {
  if (s.kind !== kind) throw new Error(`expected ${kind}, parsed as ${s.kind}`);
  return s as Extract<ParsedSnapshot, { kind: K }>;
}

/** The snapshots of one shared scenario, as an operator would upload them (node named when known). */
export function scenarioSnapshots(scenario: string): ParsedSnapshot[] {
  const dir = `${scenario}/snapshot/`;
  if (scenario.startsWith('multi-node')) {
    return [
      shared_(`${dir}kubectl-get-svc-pods-endpointslices-nodes.json`),
      ...['k8s-compute-01', 'k8s-compute-02'].flatMap((node) => [
        shared_(`${dir}${node}-ip-addr.txt`),
        shared_(`${dir}${node}-iptables-save.txt`, { node }),
      ]),
    ];
  }
  return [
    shared_(`${dir}kubectl-get-svc-pods-endpointslices-nodes.json`),
    shared_(`${dir}node-ip-addr.txt`),
    shared_(`${dir}node-iptables-save.txt`, { node: 'k8s-compute-02' }),
  ];
}
