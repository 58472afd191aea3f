// The service as a curl user drives it: upload captures and a snapshot over HTTP, start an
// analysis, and the real worker decodes, correlates and persists flows that match the
// fixture's ground truth.
import { openAsBlob } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, ResultsRepository } from '#persistence';
import { fixturesDir, groundTruth } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const scenario = 'single-node/clusterip';

async function uploadCapture(api: RunningApi, key: string, file: string, fields: Record<string, string>) {
  const form = new FormData();
  form.set('file', await openAsBlob(`${fixturesDir}${scenario}/${file}`), file);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const res = await fetch(`${api.url}/v1/captures`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as { id: string; packetCount: number | null } };
}

describe('upload, analyse, persist (clusterip fixture)', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  const captureIds: string[] = [];
  let snapshotId: string;

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'pipeline', 'write')).key;
    api = await stack.startApi();
    await stack.startWorker();
  });
  afterAll(async () => stack?.dispose());

  it('accepts the three captures and the kubectl snapshot', async () => {
    for (const [file, fields] of [
      ['client.pcap', { role: 'client', pod: 'network-test/client' }],
      ['node.pcap', { role: 'node', node: 'k8s-compute-02' }],
      ['backend.pcap', { role: 'backend', label: 'backends' }],
    ] as const) {
      const { status, body } = await uploadCapture(api, key, file, fields);
      expect(status).toBe(201);
      captureIds.push(body.id);
    }
    const snapshot = await fetch(`${api.url}/v1/snapshots?name=cluster.json`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: await openAsBlob(
        `${fixturesDir}${scenario}/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json`,
      ),
    });
    expect(snapshot.status).toBe(201);
    snapshotId = ((await snapshot.json()) as { id: string; kind: string }).id;
  });

  it('runs the analysis to SUCCEEDED and stores every ground-truth connection with its backend', async () => {
    const res = await fetch(`${api.url}/v1/analyses?wait=90`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ captures: captureIds, snapshots: [snapshotId], name: 'clusterip' }),
    });
    expect(res.status).toBe(201);
    const analysis = (await res.json()) as {
      id: string;
      status: string;
      error: string | null;
      counts: { flows: number };
    };
    expect(analysis.error).toBeNull();
    expect(analysis.status).toBe('SUCCEEDED');

    const prisma = createPrismaClient(stack.databaseUrl);
    try {
      const flows = await new ResultsRepository(prisma).flows(analysis.id);
      const truth = groundTruth(scenario).connections;
      expect(truth.length).toBeGreaterThan(0);
      for (const connection of truth) {
        const flow = flows.find((f) => f.client === connection.client && f.service === connection.service);
        expect(flow, `flow for ${connection.id}`).toBeDefined();
        expect(flow!.backend).toBe(connection.backend);
        expect(flow!.serviceName).toBe(connection.service_name);
        expect(flow!.translationKinds).toContain('DNAT');
        const dnat = flow!.translations.find((t) => t.kind === 'DNAT')!;
        expect(dnat.beforeDst).toBe(connection.service);
        expect(dnat.afterDst).toBe(connection.backend);
      }
      // The decode children recorded each capture's packet count.
      const captures = await prisma.capture.findMany({ where: { id: { in: captureIds } } });
      for (const capture of captures) expect(capture.packetCount).toBeGreaterThan(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});
