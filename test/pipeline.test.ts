// The service as a curl user drives it: upload each fixture scenario's captures and its
// kubectl snapshot over HTTP, start an analysis, let the real worker run it, and read the
// report back: every ground-truth connection is there with the right backend, service name,
// source as the backend saw it, and the DNAT that took it there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir, groundTruth } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

interface Scenario {
  dir: string;
  captures: Array<{ file: string; role: string; node?: string; label?: string }>;
  /** The node's `ip addr`: names the interface indexes LINUX_SLL2 stores. */
  ipAddr?: { file: string; node: string };
}

const NODE = 'k8s-compute-02';
const single = (dir: string, extra: Scenario['captures'] = []): Scenario => ({
  dir: `single-node/${dir}`,
  captures: [
    { file: 'client.pcap', role: 'client', node: NODE },
    { file: 'node.pcap', role: 'node', node: NODE },
    { file: 'backend.pcap', role: 'backend', node: NODE },
    ...extra,
  ],
  ipAddr: { file: 'node-ip-addr.txt', node: NODE },
});
const SCENARIOS: Scenario[] = [
  single('clusterip'),
  single('clusterip-routed'),
  single('nodeport-masq'),
  single('diagnostics', [{ file: 'backend-dns.pcap', role: 'backend', node: NODE, label: 'backend dns' }]),
  {
    dir: 'multi-node/multinode-vxlan',
    captures: [
      { file: 'client.pcap', role: 'client', node: 'k8s-compute-01' },
      { file: 'node-k8s-compute-01.pcap', role: 'node', node: 'k8s-compute-01' },
      { file: 'node-k8s-compute-02-skewed.pcap', role: 'node', node: 'k8s-compute-02' },
      { file: 'backend-nginx-54c98b4f84-ftvlg.pcap', role: 'backend', node: 'k8s-compute-01' },
      { file: 'backend-nginx-54c98b4f84-7xk2m-skewed.pcap', role: 'backend', node: 'k8s-compute-02' },
    ],
  },
];

interface ReportFlow {
  id: string;
  client: string;
  service: string;
  backend: string | null;
  clientSeenByBackend: string | null;
  serviceName: string | null;
  backendPod: string | null;
  translations: Array<{ kind: string; before: { dst: string }; after: { dst: string } }>;
}

describe('upload, analyse, report: every fixture scenario through the real api and worker', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'pipeline', 'write')).key;
    api = await stack.startApi();
    await stack.startWorker();
  });
  afterAll(async () => stack?.dispose());

  const upload = (
    path: string,
    fields: Record<string, string>,
    route: 'captures' | 'snapshots' = 'captures',
  ) => uploadFile(api.url, key, path, fields, route);

  for (const scenario of SCENARIOS)
    it(`${scenario.dir}: each ground-truth connection with its backend and translation`, async () => {
      const base = `${fixturesDir}${scenario.dir}/`;
      const captures: string[] = [];
      for (const { file, ...fields } of scenario.captures)
        captures.push(await upload(`${base}${file}`, fields as Record<string, string>));
      const snapshots = [
        await upload(`${base}snapshot/kubectl-get-svc-pods-endpointslices-nodes.json`, {}, 'snapshots'),
      ];
      if (scenario.ipAddr)
        snapshots.push(
          await upload(
            `${base}snapshot/${scenario.ipAddr.file}`,
            { node: scenario.ipAddr.node },
            'snapshots',
          ),
        );

      const res = await fetch(`${api.url}/v1/analyses?wait=120`, {
        method: 'POST',
        headers: bearer(key),
        body: JSON.stringify({ captures, snapshots, name: scenario.dir }),
      });
      const analysis = (await res.json()) as { id: string; status: string; error: string | null };
      expect(analysis.error).toBeNull();
      expect(analysis.status).toBe('SUCCEEDED');

      const report = (await (
        await fetch(`${api.url}/v1/analyses/${analysis.id}/report?format=json`, { headers: bearer(key) })
      ).json()) as { analysis: { id: string; status: string }; flows: ReportFlow[] };
      expect(report.analysis).toMatchObject({ id: analysis.id, status: 'SUCCEEDED' });

      for (const truth of groundTruth(scenario.dir).connections) {
        const flow = report.flows.find((f) => f.client === truth.client && f.service === truth.service);
        expect(flow, `flow for ${truth.id}`).toBeDefined();
        if (!truth.backend) continue;
        expect(flow!.backend, truth.id).toBe(truth.backend);
        expect(flow!.serviceName, truth.id).toBe(truth.service_name);
        expect(flow!.backendPod, truth.id).toMatch(new RegExp(`/${truth.backend_pod}$`));
        if (truth.snat_as_seen_by_backend)
          expect(flow!.clientSeenByBackend, truth.id).toBe(truth.snat_as_seen_by_backend);
        const dnat = flow!.translations.find((t) => /DNAT/.test(t.kind));
        expect(dnat, `DNAT of ${truth.id}`).toBeDefined();
        expect(dnat!.before.dst).toBe(truth.service);
        expect(dnat!.after.dst).toBe(truth.backend);
      }

      const markdown = await (
        await fetch(`${api.url}/v1/analyses/${analysis.id}/report?format=md`, { headers: bearer(key) })
      ).text();
      const first = groundTruth(scenario.dir).connections.find((c) => c.backend)!;
      expect(markdown).toContain(first.client);
      expect(markdown).toContain(first.backend!);
      // With the node's `ip addr`, translations name the interfaces as tcpdump -i any does.
      if (scenario.ipAddr) expect(markdown).toMatch(/veth[0-9a-f]+/);
    });
});
