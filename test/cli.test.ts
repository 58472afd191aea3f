// The built `natlens` CLI as a user runs it (node bin/natlens.js, dist/ built by `npm test`): the
// JSON report of every fixture scenario against its ground truth, the exit codes for bad input and
// for error findings, and export-flow's pcapng read back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureRecord, readCaptureFile } from '#capture';
import type { ReportDocument } from '#report';
import { natlens, type CliRun as Run } from './support/cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../shared/fixtures/', import.meta.url));

interface Connection {
  id: string;
  proto: string;
  client: string;
  service: string;
  service_name: string;
  backend: string | null;
  backend_pod: string | null;
  snat_as_seen_by_backend: string | null;
}

const truth = (dir: string): Connection[] =>
  JSON.parse(readFileSync(`${FIXTURES}${dir}/ground-truth.json`, 'utf8')).connections;

interface Scenario {
  dir: string;
  args: (d: string) => string[];
  exitCode: number;
}

const single = (dir: string, extra: string[] = []): Scenario => ({
  dir: `single-node/${dir}`,
  args: (d) => [
    ...['--client', `${d}/client.pcap`, '--node', `${d}/node.pcap`, '--backend', `${d}/backend.pcap`],
    ...extra.flatMap((f) => ['--backend', `${d}/${f}`]),
    ...['--snapshot', `${d}/snapshot`],
  ],
  exitCode: 0,
});

const SCENARIOS: Scenario[] = [
  single('clusterip'),
  single('nodeport-masq'),
  { ...single('diagnostics', ['backend-dns.pcap']), exitCode: 1 },
  {
    dir: 'multi-node/multinode-vxlan',
    args: (d) => [
      ...['--client', `${d}/client.pcap`],
      ...['--capture', `node:k8s-compute-01:${d}/node-k8s-compute-01.pcap`],
      ...['--capture', `node:k8s-compute-02:${d}/node-k8s-compute-02-skewed.pcap`],
      ...['--backend', `${d}/backend-nginx-54c98b4f84-ftvlg.pcap`],
      ...['--backend', `${d}/backend-nginx-54c98b4f84-7xk2m-skewed.pcap`],
      ...['--snapshot', `${d}/snapshot`],
    ],
    exitCode: 0,
  },
];

describe.each(SCENARIOS)('natlens analyze $dir --format json', ({ dir, args, exitCode }) => {
  let run: Run;
  let doc: ReportDocument;

  beforeAll(async () => {
    run = await natlens('analyze', ...args(`${FIXTURES}${dir}`), '--format', 'json');
    doc = JSON.parse(run.stdout);
  });

  it(`exits ${exitCode}${exitCode ? ': findings of severity error' : ''}`, () => {
    expect(run.code, run.stderr).toBe(exitCode);
    expect(doc.findings.some((f) => f.severity === 'error')).toBe(exitCode === 1);
  });

  it('reports every connection of the ground truth: service, backend, pod and SNAT', () => {
    const connections = truth(dir);
    const flows = doc.flows.filter((f) => f.protocol === 'tcp' || f.protocol === 'udp');
    expect(flows.length).toBe(connections.length);
    for (const c of connections) {
      const f = doc.flows.find(
        (x) => x.protocol === c.proto && x.client === c.client && x.service === c.service,
      );
      expect(f, c.id).toBeDefined();
      expect(f!.serviceName, c.id).toBe(c.service_name);
      expect(f!.backend, c.id).toBe(c.backend);
      expect(f!.backendPod, c.id).toBe(c.backend_pod ? `network-test/${c.backend_pod}` : null);
      if (c.backend !== null)
        expect(f!.clientSeenByBackend, c.id).toBe(c.snat_as_seen_by_backend ?? c.client);
    }
  });

  it('follows the JSON contract', () => {
    expect(doc.analysis.status).toBe('SUCCEEDED');
    for (const c of doc.analysis.captures) expect(c.packets, c.label).toBeGreaterThan(0);
    for (const o of doc.clockOffsets) expect(o.offsetNs).toMatch(/^-?\d+$/);
    for (const f of doc.flows) {
      for (const t of f.translations) expect(t.latencyNs).toMatch(/^-?\d+$/);
      expect(f.perspectives.length).toBeGreaterThan(0);
    }
  });
});

describe('natlens analyze, multi-node with node 02 skewed by +1.734 s', () => {
  it('recovers the clock offset and names the overlay hops', async () => {
    const d = `${FIXTURES}multi-node/multinode-vxlan`;
    const run = await natlens('analyze', ...SCENARIOS[3].args(d), '--format', 'json');
    const doc = JSON.parse(run.stdout) as ReportDocument;
    for (const label of ['k8s-compute-02', 'backend-nginx-54c98b4f84-7xk2m-skewed']) {
      const o = doc.clockOffsets.find((x) => x.capture === label)!;
      expect(Math.abs(Number(BigInt(o.offsetNs) - 1_734_000_000n)), label).toBeLessThan(1_000_000);
    }
    expect(doc.summary.translations).toMatchObject({ ENCAP: expect.any(Number), DECAP: expect.any(Number) });
  });
});

describe('natlens analyze, node captures whose file names name no node', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'natlens-nodes-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds each node from the addresses its tunnelled traffic comes from', async () => {
    const d = `${FIXTURES}multi-node/multinode-vxlan`;
    const neutral = ['a', 'b'].map((x) => join(dir, `capture-${x}.pcap`));
    writeFileSync(neutral[0], readFileSync(`${d}/node-k8s-compute-01.pcap`));
    writeFileSync(neutral[1], readFileSync(`${d}/node-k8s-compute-02.pcap`));
    const run = await natlens(
      'analyze',
      ...['--client', `${d}/client.pcap`, '--node', neutral[0], '--node', neutral[1]],
      ...['--backend', `${d}/backend-nginx-54c98b4f84-ftvlg.pcap`],
      ...['--backend', `${d}/backend-nginx-54c98b4f84-7xk2m.pcap`],
      ...['--snapshot', `${d}/snapshot`, '--format', 'json'],
    );
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as ReportDocument;
    const nodes = doc.analysis.captures.filter((c) => c.role === 'node').map((c) => c.node);
    expect(nodes).toEqual(['k8s-compute-01', 'k8s-compute-02']);
    const dnatted = truth('multi-node/multinode-vxlan').filter((c) => c.backend !== null).length;
    expect(doc.summary.translations).toMatchObject({ DNAT: dnatted, SNAT: dnatted });
    for (const f of doc.flows)
      for (const t of f.translations) expect(BigInt(t.latencyNs)).toBeGreaterThanOrEqual(0n);
  });
});

describe('natlens analyze --format txt', () => {
  it('prints the three-perspective table a person reads off tcpdump', async () => {
    const run = await natlens('analyze', ...SCENARIOS[0].args(`${FIXTURES}single-node/clusterip`));
    expect(run.code, run.stderr).toBe(0);
    // clusterip-001 in node.pcap.txt: "veth9a1c3e07 P IP 10.233.66.94.33146 > 10.233.9.232.80" and
    // "vethc05e8b19 Out IP 10.233.66.94.33146 > 10.233.67.86.80".
    expect(run.stdout).toMatch(
      /request\s+client\s+eth0 Out\s+10\.233\.66\.94:33146 > 10\.233\.9\.232:80\s+6/,
    );
    expect(run.stdout).toMatch(
      /request\s+node pre-DNAT\s+veth9a1c3e07 P\s+10\.233\.66\.94:33146 > 10\.233\.9\.232:80/,
    );
    expect(run.stdout).toMatch(
      /request\s+node post-DNAT\s+vethc05e8b19 Out\s+10\.233\.66\.94:33146 > 10\.233\.67\.86:80/,
    );
    expect(run.stdout).toMatch(/10\.233\.67\.86:80\s+network-test\/nginx-54c98b4f84-p9w4d\s+7\s+35\.0%/);
    expect(run.stderr).toBe('');
  });
});

describe('natlens analyze and export-flow load no services', () => {
  it('import nothing of Nest, Prisma, Redis or BullMQ (the import graph of dist/)', () => {
    const libs = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).imports as Record<
      string,
      { default: string }
    >;
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      const specs = [
        ...code.matchAll(/^\s*(?:import|export)\b[^;]*?from\s*'([^']+)'/gm),
        ...code.matchAll(/\bimport\('([^']+)'\)/g),
      ];
      for (const [, spec] of specs) {
        if (spec.startsWith('.')) visit(join(dirname(file), spec));
        else if (spec.startsWith('#')) visit(join(ROOT, libs[spec].default));
        else if (!spec.startsWith('node:')) packages.add(spec);
      }
    };
    visit(join(ROOT, 'dist/apps/cli/src/commands/analyze.js'));
    visit(join(ROOT, 'dist/apps/cli/src/commands/export-flow.js'));
    expect(seen.size).toBeGreaterThan(50);
    expect([...packages]).toEqual(['yaml']);
    expect([...seen].filter((f) => /persistence|platform|@nestjs|prisma/.test(f))).toEqual([]);
  });
});

describe('natlens analyze exit code 2 for bad input, naming the file', () => {
  let dir: string;
  const client = `${FIXTURES}single-node/clusterip/client.pcap`;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'natlens-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing capture', async () => {
    const run = await natlens('analyze', '--client', `${dir}/missing.pcap`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${dir}/missing.pcap: cannot read capture (no such file)`);
  });

  it('a file that is no capture', async () => {
    const file = `${FIXTURES}single-node/clusterip/ground-truth.json`;
    const run = await natlens('analyze', '--client', client, '--node', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}: not a pcap, pcapng or gzip-compressed capture`);
  });

  it('a capture cut in its header', async () => {
    const file = join(dir, 'cut.pcap');
    writeFileSync(file, readFileSync(client).subarray(0, 12));
    const run = await natlens('analyze', '--client', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(file);
  });

  it('but a capture cut short by a killed tcpdump is used up to the cut, with a warning', async () => {
    const file = join(dir, 'killed.pcap');
    const node = readFileSync(`${FIXTURES}single-node/clusterip/node.pcap`);
    writeFileSync(file, node.subarray(0, node.length - 30));
    const run = await natlens('analyze', '--client', client, '--node', file, '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`^natlens: warning: ${file}: byte \\d+: .*using the records before it\n$`),
    );
    expect(JSON.parse(run.stdout).flows.length).toBe(20);
  });

  it('a broken snapshot', async () => {
    const file = join(dir, 'kubectl.json');
    writeFileSync(file, '{"kind": "List", "items": [{"kind": "Service",\n');
    const run = await natlens('analyze', '--client', client, '--snapshot', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^natlens: ${file}:\\d+`));
  });

  it('bad usage', async () => {
    expect((await natlens('analyze')).code).toBe(2);
    expect((await natlens('analyze', '--client', client, '--format', 'xml')).code).toBe(2);
    expect((await natlens('analyze', '--capture', 'router:x.pcap')).code).toBe(2);
  });
});

describe('natlens export-flow', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'natlens-export-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every sighting of one flow, on the reference clock, one interface per capture point', async () => {
    const args = SCENARIOS[0].args(`${FIXTURES}single-node/clusterip`);
    const doc = JSON.parse((await natlens('analyze', ...args, '--format', 'json')).stdout) as ReportDocument;
    // clusterip-002 reached the backend captured in backend.pcap: seen at all three capture points.
    const flow = doc.flows.find((f) => f.client === '10.233.66.94:33148')!;
    const out = join(dir, 'flow.pcapng');
    const run = await natlens('export-flow', ...args, '--flow', flow.id, '--out', out);
    expect(run.code, run.stderr).toBe(0);

    const rec = new CaptureRecord();
    const packets: { iface: string | null; ts: bigint }[] = [];
    for await (const batch of readCaptureFile(out)) {
      for (let i = 0; i < batch.count; i++) {
        batch.record(i, rec);
        packets.push({ iface: rec.interface.name, ts: rec.timestampNs() });
      }
    }
    const expected = flow.perspectives.reduce(
      (n, p) => n + p.interfaces.reduce((m, i) => m + i.packets, 0),
      0,
    );
    expect(packets.length).toBe(expected);
    expect(new Set(packets.map((p) => p.iface))).toEqual(new Set(['client', 'node', 'backend']));
    for (let i = 1; i < packets.length; i++) expect(packets[i].ts >= packets[i - 1].ts).toBe(true);
    const bytes = readFileSync(out);
    expect(bytes.includes(`DNAT 10.233.9.232:80 -> ${flow.backend}`)).toBe(true);
    expect(bytes.includes(`SNAT ${flow.backend} -> 10.233.9.232:80`)).toBe(true);
    // Wireshark's and tcpdump's readers, where installed, read the file too.
    for (const reader of ['tshark', 'tcpdump']) {
      if (spawnSync(reader, ['--version']).error) continue;
      const read = spawnSync(reader, ['-n', '-r', out], { encoding: 'utf8' });
      expect(read.status, `${reader}: ${read.stderr}`).toBe(0);
      expect(read.stdout.trim().split('\n').length).toBe(expected);
    }
  });

  it('exits 2 for an unknown flow', async () => {
    const run = await natlens(
      'export-flow',
      '--client',
      `${FIXTURES}single-node/clusterip/client.pcap`,
      '--flow',
      'ffffffff',
      '--out',
      join(dir, 'none.pcapng'),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("no flow 'ffffffff'");
  });
});
