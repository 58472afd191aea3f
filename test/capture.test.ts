// `natlens capture` end to end against a cluster made of network namespaces (test/support/
// netns-cluster.ts) and a kubectl stand-in that maps `kubectl debug` onto `ip netns exec`: every
// connection of the --run traffic is found with the backend pod that answered it, the capture
// points carry their pod and node, the nodes' state is in DIR/snapshot, nothing is left running,
// and a capture point that cannot start is named while the others still capture.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type Stack } from './support/stack.js';
import {
  buildNetnsCluster,
  canBuildNetnsCluster,
  STANDIN,
  type NetnsCluster,
} from './support/netns-cluster.js';

const CLI = new URL('../bin/natlens.js', import.meta.url).pathname;
const REQUESTS = 12;

interface ReportFlow {
  client: string;
  service: string;
  backend: string | null;
  backendPod: string | null;
}
interface Report {
  analysis: { captures: { label: string; role: string; node: string | null; pod: string | null }[] };
  flows: ReportFlow[];
}
interface ManifestCapture {
  file: string;
  role: string;
  node: string | null;
  pod: string | null;
  status: string;
  error: string | null;
  packets: { captured: number | null; droppedByKernel: number | null };
}

function natlens(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `--run`: REQUESTS curls from the client pod's namespace; each prints the body, then its port. */
function curls(cluster: NetnsCluster): string {
  return (
    `for i in $(seq ${REQUESTS}); do ip netns exec ${cluster.client.netns} ` +
    `curl -s -m 5 -w 'PORT %{local_port}\\n' http://${cluster.vip}/; sleep 0.1; done`
  );
}

/** Client port -> the pod named in the answer, from DIR/run.log. */
function answers(dir: string): Map<number, string> {
  const out = new Map<number, string>();
  let body: string | null = null;
  for (const line of readFileSync(join(dir, 'run.log'), 'utf8').split('\n')) {
    const port = /^PORT (\d+)$/.exec(line);
    if (port && body) out.set(Number(port[1]), body);
    else if (line.startsWith('Backend ')) body = /^Backend (\S+)/.exec(line)![1];
  }
  return out;
}

/** What runs in the lab's namespaces besides the backends' HTTP servers, and stand-ins still alive. */
function leftovers(cluster: NetnsCluster): string[] {
  const found: string[] = [];
  for (const ns of cluster.netnsNames()) {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const pid of pids) {
      let cmd: string;
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      } catch {
        continue; // ended meanwhile
      }
      if (!cmd.includes('servers.py http')) found.push(`${ns}: ${cmd}`);
    }
  }
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  for (const line of ps.split('\n')) if (line.includes(cluster.standinDir)) found.push(line);
  return found;
}

async function waitNoLeftovers(cluster: NetnsCluster): Promise<string[]> {
  let left = leftovers(cluster);
  for (let i = 0; i < 20 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 250));
    left = leftovers(cluster);
  }
  return left;
}

function checkReport(
  cluster: NetnsCluster,
  dir: string,
  backends = cluster.backends,
  report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report,
): void {
  const answered = answers(dir);
  expect(answered.size).toBe(REQUESTS);
  for (const [port, pod] of answered) {
    const flow = report.flows.find(
      (f) => f.client === `${cluster.client.ip}:${port}` && f.service === `${cluster.vip}:80`,
    );
    expect(flow, `connection from port ${port}`).toBeDefined();
    const backend = cluster.backends.find((b) => b.name === pod)!;
    expect(flow!.backend, `connection from port ${port}`).toBe(`${backend.ip}:80`);
    expect(flow!.backendPod, `connection from port ${port}`).toBe(`${cluster.namespace}/${pod}`);
  }
  const client = report.analysis.captures.find((c) => c.role === 'client')!;
  expect(client).toMatchObject({
    node: cluster.client.node,
    pod: `${cluster.namespace}/${cluster.client.name}`,
  });
  for (const node of cluster.nodes)
    expect(
      report.analysis.captures.find((c) => c.role === 'node' && c.node === node.name),
      node.name,
    ).toBeDefined();
  for (const b of backends)
    expect(
      report.analysis.captures.find(
        (c) => c.role === 'backend' && c.pod === `${cluster.namespace}/${b.name}`,
      ),
    ).toMatchObject({
      node: b.node,
    });
  for (const node of cluster.nodes) {
    expect(readFileSync(join(dir, 'snapshot', node.name, 'iptables-save.txt'), 'utf8')).toContain(
      'KUBE-SERVICES',
    );
    // The client's node DNATs the ClusterIP; another node sees the connections after the DNAT.
    expect(readFileSync(join(dir, 'snapshot', node.name, 'conntrack-L-extended.txt'), 'utf8')).toContain(
      node.name === cluster.client.node ? `dst=${cluster.vip}` : `src=${cluster.client.ip}`,
    );
  }
  const list = JSON.parse(
    readFileSync(join(dir, 'snapshot', 'kubectl-get-pods-services-endpointslices-nodes.json'), 'utf8'),
  ) as { kind: string; items: unknown[] };
  expect(list.kind).toBe('List');
}

// Namespaces need root and the lab's tools; .ci/run installs them. Without them these tests fail
// with this message rather than being skipped.
if (!canBuildNetnsCluster())
  throw new Error(
    'natlens capture tests need root and ip, iptables-restore, conntrack, tcpdump, jq, curl, python3 ' +
      '(.ci/run installs them) and ../shared/lab/lib/lab.py',
  );
const outDirs: string[] = [];
afterAll(() => {
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});
const outDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'natlens-capture-out-'));
  outDirs.push(d);
  return join(d, 'out');
};

describe('natlens capture on one node (network namespaces, kubectl stand-in)', () => {
  let cluster: NetnsCluster;
  beforeAll(() => {
    cluster = buildNetnsCluster(1);
  }, 120_000);
  afterAll(() => cluster?.dispose());

  const args = (dir: string) => [
    'capture',
    '--kubectl',
    STANDIN,
    '--namespace',
    cluster.namespace,
    '--client',
    cluster.client.name,
    '--service',
    'nginx',
    '--run',
    curls(cluster),
    '--grace',
    '1s',
    '--out',
    dir,
    '--analyze',
  ];

  it('finds every connection with the backend pod that answered it', async () => {
    const dir = outDir();
    const res = await natlens(args(dir), { NATLENS_STANDIN_DIR: cluster.standinDir });
    expect(res.code, res.stderr).toBe(0);
    checkReport(cluster, dir);
    expect(res.stdout).toContain(cluster.vip);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      captures: ManifestCapture[];
    };
    expect(manifest.captures.map((c) => c.role)).toEqual(['client', 'node', 'backend', 'backend', 'backend']);
    for (const c of manifest.captures) {
      expect(c.status).toBe('captured');
      expect(c.packets.captured).toBeGreaterThan(0);
      expect(c.packets.droppedByKernel).toBe(0);
    }
    // Only the kubectl forms a real cluster needs.
    for (const call of readFileSync(join(cluster.standinDir, 'calls.log'), 'utf8')
      .split('\n')
      .filter(Boolean))
      expect(call).toMatch(
        /^(get \S+ .*-o json|debug node\/\S+ --profile=sysadmin --image=\S+ -q --attach .*-- |debug pod\/\S+ -n \S+ --profile=netadmin --image=\S+ -q --attach .*-- )/,
      );
    expect(await waitNoLeftovers(cluster)).toEqual([]);
  }, 180_000);

  it('stops and keeps every capture on Ctrl-C, leaving nothing running', async () => {
    const dir = outDir();
    const args = [
      'capture',
      '--kubectl',
      STANDIN,
      '--namespace',
      cluster.namespace,
      '--client',
      cluster.client.name,
    ];
    const child = spawn(
      process.execPath,
      [CLI, ...args, '--service', 'nginx', '--duration', '120s', '--out', dir],
      {
        env: { ...process.env, NATLENS_STANDIN_DIR: cluster.standinDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const listening = new Promise<void>((resolve) =>
      child.stderr.setEncoding('utf8').on('data', (t: string) => {
        stderr += t;
        if (stderr.includes('captures listening')) resolve();
      }),
    );
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await listening;
    const t0 = Date.now();
    child.kill('SIGINT');
    expect(await closed, stderr).toBe(130);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      captures: ManifestCapture[];
    };
    expect(manifest.captures.map((c) => c.status)).toEqual(Array(5).fill('captured'));
    expect(await waitNoLeftovers(cluster)).toEqual([]);
  }, 180_000);

  it('names a capture point that cannot start and still captures at the others', async () => {
    const dir = outDir();
    const failing = cluster.backends[2];
    const res = await natlens(args(dir), {
      NATLENS_STANDIN_DIR: cluster.standinDir,
      NATLENS_STANDIN_FAIL: `pod/${failing.name}`,
    });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(new RegExp(`FAILED to start backend ${failing.name}: .*ErrImagePull`));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      captures: ManifestCapture[];
    };
    const failed = manifest.captures.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.pod)).toEqual([`${cluster.namespace}/${failing.name}`]);
    expect(failed[0].error).toContain('ErrImagePull');
    expect(existsSync(join(dir, 'report.json'))).toBe(true);
    checkReport(cluster, dir, cluster.backends.slice(0, 2));
    expect(await waitNoLeftovers(cluster)).toEqual([]);
  }, 180_000);
});

describe('natlens capture on two nodes (flannel-style VXLAN between them)', () => {
  let cluster: NetnsCluster;
  beforeAll(() => {
    cluster = buildNetnsCluster(2);
  }, 120_000);
  afterAll(() => cluster?.dispose());

  it('captures both nodes and finds the cross-node connections', async () => {
    const dir = outDir();
    const res = await natlens(
      [
        'capture',
        '--kubectl',
        STANDIN,
        '--namespace',
        cluster.namespace,
        '--client',
        cluster.client.name,
        '--service',
        'nginx',
        '--run',
        curls(cluster),
        '--grace',
        '1s',
        '--out',
        dir,
        '--analyze',
      ],
      { NATLENS_STANDIN_DIR: cluster.standinDir },
    );
    expect(res.code, res.stderr).toBe(0);
    checkReport(cluster, dir);
    const remote = cluster.backends.filter((b) => b.node !== cluster.client.node).map((b) => b.name);
    expect(remote.length).toBeGreaterThan(0);
    expect([...answers(dir).values()].some((pod) => remote.includes(pod))).toBe(true);
    expect(await waitNoLeftovers(cluster)).toEqual([]);
  }, 180_000);
});

describe('natlens capture --upload to a real api and worker', () => {
  let cluster: NetnsCluster;
  let stack: Stack;
  let key: string;
  let apiUrl: string;
  beforeAll(async () => {
    cluster = buildNetnsCluster(1);
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'capture', 'write')).key;
    apiUrl = (await stack.startApi()).url;
    await stack.startWorker();
  }, 180_000);
  afterAll(async () => {
    cluster?.dispose();
    await stack?.dispose();
  });

  it('uploads every capture point and snapshot and the analysis finds the same', async () => {
    const dir = outDir();
    const res = await natlens(
      [
        'capture',
        '--kubectl',
        STANDIN,
        '--namespace',
        cluster.namespace,
        '--client',
        cluster.client.name,
        '--service',
        'nginx',
        '--run',
        curls(cluster),
        '--grace',
        '1s',
        '--out',
        dir,
        '--upload',
      ],
      { NATLENS_STANDIN_DIR: cluster.standinDir, NATLENS_URL: apiUrl, NATLENS_TOKEN: key },
    );
    expect(res.code, res.stderr).toBe(0);
    const [id, link] = res.stdout.trim().split('\n');
    expect(link).toBe(`${apiUrl}/v1/analyses/${id}/report?format=txt`);
    let status = '';
    for (let i = 0; i < 240 && !['SUCCEEDED', 'FAILED'].includes(status); i++) {
      if (i) await new Promise((r) => setTimeout(r, 500));
      status = (
        (await (await fetch(`${apiUrl}/v1/analyses/${id}`, { headers: bearer(key) })).json()) as {
          status: string;
        }
      ).status;
    }
    expect(status).toBe('SUCCEEDED');
    const report = (await (
      await fetch(`${apiUrl}/v1/analyses/${id}/report?format=json`, { headers: bearer(key) })
    ).json()) as Report;
    checkReport(cluster, dir, cluster.backends, report);
    expect(await waitNoLeftovers(cluster)).toEqual([]);
  }, 240_000);
});
