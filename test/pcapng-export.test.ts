// GET /v1/analyses/:id/flows/:flowId/pcapng against the real api and worker: one flow's packets from
// every capture point in one pcapng, on the reference clock, an interface per capture point, NAT
// noted on each translated packet. Read back with our reader, with tshark (installed by .ci/run;
// this test fails without it), and compared with `natlens export-flow` over the same captures.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureRecord, readCaptureFile } from '#capture';
import { fixturesDir, groundTruth } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLUSTERIP = 'single-node/clusterip';
const VXLAN = 'multi-node/multinode-vxlan';

interface Packet {
  iface: string | null;
  ts: bigint;
  origlen: number;
}

async function readBack(file: string): Promise<Packet[]> {
  const rec = new CaptureRecord();
  const packets: Packet[] = [];
  for await (const batch of readCaptureFile(file))
    for (let i = 0; i < batch.count; i++) {
      batch.record(i, rec);
      packets.push({ iface: rec.interface.name, ts: rec.timestampNs(), origlen: rec.origlen });
    }
  return packets;
}

/** tshark's view: one line per packet with its comment (empty when none). */
function tsharkComments(file: string): string[] {
  const version = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (version.error)
    throw new Error('tshark is not installed: apt-get install -y tshark (CI installs it in .ci/run)');
  let run = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.comment'], { encoding: 'utf8' });
  if (run.status !== 0 && /frame\.comment/.test(run.stderr))
    run = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'pkt_comment'], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.replace(/\n$/, '').split('\n');
}

describe('per-flow pcapng export', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  let dir: string;
  const analyses: Record<string, string> = {};

  const upload = (
    path: string,
    fields: Record<string, string>,
    route: 'captures' | 'snapshots' = 'captures',
  ) => uploadFile(api.url, key, path, fields, route);

  async function analyse(
    scenario: string,
    captures: Array<[string, Record<string, string>]>,
  ): Promise<string> {
    const base = `${fixturesDir}${scenario}/`;
    const ids: string[] = [];
    for (const [file, fields] of captures) ids.push(await upload(`${base}${file}`, fields));
    const snapshot = await upload(
      `${base}snapshot/kubectl-get-svc-pods-endpointslices-nodes.json`,
      {},
      'snapshots',
    );
    const res = await fetch(`${api.url}/v1/analyses?wait=90`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ captures: ids, snapshots: [snapshot], name: scenario }),
    });
    const analysis = (await res.json()) as { id: string; status: string; error: string | null };
    expect(analysis.error).toBeNull();
    expect(analysis.status).toBe('SUCCEEDED');
    return analysis.id;
  }

  async function flowsOf(
    analysisId: string,
    filter: object,
  ): Promise<
    Array<{
      id: string;
      key: string;
      client: string;
      backend: string | null;
      pcapngUrl: string;
      translations: Array<{ kind: string; description: string }>;
    }>
  > {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({
        query: `query($id: ID!, $filter: FlowFilterInput) { flows(analysisId: $id, filter: $filter, first: 500) {
          edges { node { id key client backend pcapngUrl translations { kind description } } } } }`,
        variables: { id: analysisId, filter },
      }),
    });
    const body = (await res.json()) as {
      data: { flows: { edges: Array<{ node: Awaited<ReturnType<typeof flowsOf>>[number] }> } };
    };
    return body.data.flows.edges.map((e) => e.node);
  }

  async function download(path: string, name: string): Promise<string> {
    const res = await fetch(`${api.url}${path}`, { headers: bearer(key) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.tcpdump.pcapng');
    const file = join(dir, name);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'natlens-pcapng-'));
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'pcapng', 'write')).key;
    api = await stack.startApi();
    await stack.startWorker();
    const node = 'k8s-compute-02';
    analyses[CLUSTERIP] = await analyse(CLUSTERIP, [
      ['client.pcap', { role: 'client', node, label: 'client-pod' }],
      ['node.pcap', { role: 'node', node, label: `node ${node}` }],
      ['backend.pcap', { role: 'backend', node, label: 'backend nginx-54c98b4f84-ftvlg' }],
    ]);
    analyses[VXLAN] = await analyse(VXLAN, [
      ['client.pcap', { role: 'client', node: 'k8s-compute-01', label: 'client-pod' }],
      ['node-k8s-compute-01.pcap', { role: 'node', node: 'k8s-compute-01', label: 'node k8s-compute-01' }],
      [
        'node-k8s-compute-02-skewed.pcap',
        { role: 'node', node: 'k8s-compute-02', label: 'node k8s-compute-02' },
      ],
      [
        'backend-nginx-54c98b4f84-ftvlg.pcap',
        { role: 'backend', node: 'k8s-compute-01', label: 'backend nginx-54c98b4f84-ftvlg' },
      ],
      [
        'backend-nginx-54c98b4f84-7xk2m-skewed.pcap',
        { role: 'backend', node: 'k8s-compute-02', label: 'backend nginx-54c98b4f84-7xk2m' },
      ],
    ]);
  }, 150_000);
  afterAll(async () => {
    await stack?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('one flow through ClusterIP DNAT: every packet at every capture point, NAT in the comments, as the CLI exports it', async () => {
    // clusterip-002 went to the backend captured in backend.pcap: seen at all three capture points.
    const truth = groundTruth(CLUSTERIP).connections.find((c) => c.id === 'clusterip-002')!;
    const [ip, port] = truth.client.split(':');
    const [flow] = await flowsOf(analyses[CLUSTERIP], { ip, port: Number(port) });
    expect(flow.backend).toBe(truth.backend);
    const file = await download(flow.pcapngUrl, 'clusterip.pcapng');

    const packets = await readBack(file);
    expect(new Set(packets.map((p) => p.iface))).toEqual(
      new Set(['client-pod', 'node k8s-compute-02', 'backend nginx-54c98b4f84-ftvlg']),
    );
    for (let i = 1; i < packets.length; i++) expect(packets[i].ts >= packets[i - 1].ts).toBe(true);

    const comments = tsharkComments(file);
    expect(comments).toHaveLength(packets.length);
    expect(comments).toContain(`DNAT ${truth.service} -> ${truth.backend}`);
    expect(comments).toContain(`SNAT ${truth.backend} -> ${truth.service}`);

    // The offline CLI keeps every sighting in memory: the server's export holds the same packets.
    const base = `${fixturesDir}${CLUSTERIP}`;
    const cliFile = join(dir, 'cli.pcapng');
    await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'bin/natlens.js'),
        'export-flow',
        ...[
          '--client',
          `${base}/client.pcap`,
          '--node',
          `${base}/node.pcap`,
          '--backend',
          `${base}/backend.pcap`,
        ],
        ...['--flow', flow.key, '--out', cliFile],
      ],
      { cwd: ROOT },
    );
    // The CLI, given no node names, estimates tiny offsets between the three captures; the server
    // knows they share k8s-compute-02's clock. Same packets per capture point.
    const offline = await readBack(cliFile);
    const perPoint = (list: Packet[], names: Record<string, string>) => {
      const out: Record<string, number[]> = {};
      for (const p of list) (out[names[p.iface!] ?? p.iface!] ??= []).push(p.origlen);
      for (const lengths of Object.values(out)) lengths.sort((a, b) => a - b);
      return out;
    };
    expect(offline.length).toBeGreaterThan(20);
    expect(perPoint(packets, {})).toEqual(
      perPoint(offline, {
        client: 'client-pod',
        node: 'node k8s-compute-02',
        backend: 'backend nginx-54c98b4f84-ftvlg',
      }),
    );
    // Every comment is one of the flow's translations, and NAT'd packets carry one at each point it was seen.
    const described = new Set(flow.translations.filter((t) => t.kind !== 'NONE').map((t) => t.description));
    for (const comment of comments) if (comment) expect(described).toContain(comment);
    expect(comments.filter((c) => c.startsWith('DNAT')).length).toBeGreaterThanOrEqual(6);
    expect(readFileSync(file).length).toBeGreaterThan(0);

    // By flow key too; unknown flows and analyses are 404s.
    expect(
      (
        await fetch(`${api.url}/v1/analyses/${analyses[CLUSTERIP]}/flows/${flow.key}/pcapng`, {
          headers: bearer(key),
        })
      ).status,
    ).toBe(200);
    const missing = await fetch(`${api.url}/v1/analyses/${analyses[CLUSTERIP]}/flows/nope/pcapng`, {
      headers: bearer(key),
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const otherAnalysis = await fetch(`${api.url}/v1/analyses/${analyses[VXLAN]}/flows/${flow.id}/pcapng`, {
      headers: bearer(key),
    });
    expect(otherAnalysis.status).toBe(404);
  });

  it('across nodes with skewed clocks: the overlay hop in the comments, packets in corrected time order', async () => {
    const encapsulated = await flowsOf(analyses[VXLAN], { translationKind: 'ENCAP' });
    expect(encapsulated.length).toBeGreaterThan(0);
    const flow = encapsulated[0];
    const file = await download(flow.pcapngUrl, 'vxlan.pcapng');
    const packets = await readBack(file);
    const ifaces = new Set(packets.map((p) => p.iface));
    expect(ifaces).toContain('node k8s-compute-01');
    expect(ifaces).toContain('node k8s-compute-02');
    for (let i = 1; i < packets.length; i++) expect(packets[i].ts >= packets[i - 1].ts).toBe(true);
    // node 02's captures run 1.734 s ahead: uncorrected, the flow would span more than that.
    expect(packets.at(-1)!.ts - packets[0].ts).toBeLessThan(1_000_000_000n);
    const comments = tsharkComments(file);
    expect(comments).toHaveLength(packets.length);
    expect(comments.some((c) => /^ENCAP vxlan /.test(c))).toBe(true);
    const described = new Set(flow.translations.filter((t) => t.kind !== 'NONE').map((t) => t.description));
    for (const comment of comments) if (comment) expect(described).toContain(comment);
    expect(comments.some((c) => /^DNAT /.test(c))).toBe(true);
  });
});
