// The server and `natlens analyze` run the same analysis (libs/analysis' runner) and write the same
// report (libs/report's ReportWriter), so for the same captures and snapshots they must say the same
// thing. Each fixture scenario goes through both: over HTTP to the real api and worker (captures
// uploaded with only their role, and a label equal to it: no node, no pod; every file of the
// scenario's snapshot/ folder uploaded, the ones the server refuses as no snapshot format left out,
// which must be the ones the CLI skips), and through the built CLI with `--capture role:role:FILE`
// and `--snapshot DIR`. The two JSON reports must agree flow by flow, on the capture table, the
// findings, the summary and the services, once each capture reference is replaced by the capture's
// place in the scenario's (upload and command-line) order (the server's ids are uuids, the CLI's
// are labels made unique).
// Both must also have resolved the capture points themselves: each node capture's node, the pods of
// the client and backend captures, and the node's interface names from its `ip addr`.
// Last, a capture whose last record is cut off (a killed tcpdump) is a warning on both sides, not a
// failure.
import { openAsBlob, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReportDocument } from '#report';
import { natlens } from './support/cli.js';
import { fixturesDir, groundTruth } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type RunningApi } from './support/stack.js';
import { uploadFile } from './support/uploads.js';

const TIMEOUT = 120_000;

interface ScenarioCapture {
  file: string;
  role: 'client' | 'node' | 'backend';
  /** Where it was taken (ground-truth.json, the kubectl snapshot): what both must work out. */
  node: string;
  pod: string | null;
}

interface Scenario {
  dir: string;
  captures: ScenarioCapture[];
}

const NS = 'network-test';
const SCENARIOS: Scenario[] = [
  {
    // One node: its node capture's node is the only node of the kubectl snapshot.
    dir: 'single-node/clusterip',
    captures: [
      { file: 'client.pcap', role: 'client', node: 'k8s-compute-02', pod: `${NS}/client-pod` },
      { file: 'node.pcap', role: 'node', node: 'k8s-compute-02', pod: null },
      // backend.pcap is the capture in the netns of nginx-54c98b4f84-ftvlg (10.233.65.212).
      { file: 'backend.pcap', role: 'backend', node: 'k8s-compute-02', pod: `${NS}/nginx-54c98b4f84-ftvlg` },
    ],
  },
  {
    // Two nodes: each node capture's node is named in its file name; node 02's files are skewed.
    dir: 'multi-node/multinode-vxlan',
    captures: [
      { file: 'client.pcap', role: 'client', node: 'k8s-compute-01', pod: `${NS}/client-pod` },
      { file: 'node-k8s-compute-01.pcap', role: 'node', node: 'k8s-compute-01', pod: null },
      { file: 'node-k8s-compute-02-skewed.pcap', role: 'node', node: 'k8s-compute-02', pod: null },
      {
        file: 'backend-nginx-54c98b4f84-ftvlg.pcap',
        role: 'backend',
        node: 'k8s-compute-01',
        pod: `${NS}/nginx-54c98b4f84-ftvlg`,
      },
      {
        file: 'backend-nginx-54c98b4f84-7xk2m-skewed.pcap',
        role: 'backend',
        node: 'k8s-compute-02',
        pod: `${NS}/nginx-54c98b4f84-7xk2m`,
      },
    ],
  },
];

/** Every file of a snapshot folder, as `--snapshot DIR` walks it (sorted, dot files left out). */
function snapshotFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** POST /v1/snapshots, answering the status and body whatever they are (uploadFile throws on 4xx). */
async function postSnapshot(
  api: RunningApi,
  key: string,
  path: string,
): Promise<{ status: number; body: { id?: string; error?: { code: string; message: string } } }> {
  const form = new FormData();
  form.set('file', await openAsBlob(path), path.split('/').pop());
  const res = await fetch(`${api.url}/v1/snapshots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` }, // FormData sets the multipart content type
    body: form,
  });
  return { status: res.status, body: (await res.json()) as never };
}

/**
 * Uploads every snapshot file; a file the server refuses as no snapshot format (422
 * SNAPSHOT_PARSE_ERROR "not a recognised snapshot") is left out and listed. Any other refusal fails.
 */
async function uploadSnapshots(
  api: RunningApi,
  key: string,
  dir: string,
): Promise<{ ids: string[]; refused: string[] }> {
  const ids: string[] = [];
  const refused: string[] = [];
  for (const file of snapshotFiles(dir)) {
    const { status, body } = await postSnapshot(api, key, file);
    if (status === 201 || status === 200) {
      ids.push(body.id!);
      continue;
    }
    expect({ file, status, code: body.error?.code }).toEqual({
      file,
      status: 422,
      code: 'SNAPSHOT_PARSE_ERROR',
    });
    expect(body.error!.message, file).toMatch(/not a recognised snapshot/);
    refused.push(file);
  }
  return { ids, refused };
}

/** The files the CLI says it skipped ("skipped N file(s) that are no snapshot format: a, b"). */
function cliSkipped(stderr: string): string[] {
  const m = /skipped (\d+) file\(s\) that are no snapshot format: (.*)$/m.exec(stderr);
  if (!m) return [];
  const files = m[2].split(', ');
  expect(files.length).toBe(Number(m[1]));
  return files.sort();
}

/** Starts an analysis and waits for it to finish, as pipeline.test.ts does (`?wait=`). */
async function analyse(
  api: RunningApi,
  key: string,
  captures: string[],
  snapshots: string[],
  name: string,
): Promise<{ id: string; status: string; error: string | null; warnings: Record<string, string[]> }> {
  const res = await fetch(`${api.url}/v1/analyses?wait=120`, {
    method: 'POST',
    headers: bearer(key),
    body: JSON.stringify({ captures, snapshots, name }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as never;
}

async function serverReport(api: RunningApi, key: string, id: string): Promise<ReportDocument> {
  const res = await fetch(`${api.url}/v1/analyses/${id}/report?format=json`, { headers: bearer(key) });
  expect(res.status).toBe(200);
  return JSON.parse(await res.text()) as ReportDocument;
}

/**
 * A report with every capture reference replaced by `#i`, the capture's place in `order` (the
 * scenario's capture order, as uploaded and as given on the command line): the `capture` and
 * `fromCapture` members (perspectives, translations, clock offsets, services' translation groups,
 * evidence sightings and references), evidence's `captures` lists, and capture ids written into a
 * finding's title, detail and next commands (CLOCK_SKEW's "The captures A, B (node) run ... ahead
 * of ... (C)"; a CLI label that is also a word of the prose would be replaced there too, which the
 * fixtures' findings do not have). What differs by nature is left out: the analysis' id and name,
 * capture ids and labels. Flows are keyed by their id (a stable hash of the flow): the server lists
 * them by first packet, the CLI as they finish. Everything else, timestamps of flows included, is
 * compared as is: both read the same packets.
 */
function comparable(doc: ReportDocument, order: string[]) {
  const index = new Map(order.map((id, i) => [id, `#${i}`]));
  const ref = (v: string) => index.get(v) ?? `unknown capture ${v}`;
  // Prose names captures by their labels (node, node-2: made unique the same way on both sides).
  const labels = new Map(
    order.map((id, i) => [doc.analysis.captures.find((c) => c.id === id)?.label ?? id, `#${i}`]),
  );
  // Longest first, so that "node-2" is not read as "node" followed by "-2".
  const ids = [...labels.keys()].sort((a, b) => b.length - a.length);
  const prose = (text: string) =>
    ids.reduce(
      (t, id) =>
        t.replace(
          new RegExp(`(?<![\\w.-])${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'),
          labels.get(id)!,
        ),
      text,
    );
  const refs = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(refs);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if ((k === 'capture' || k === 'fromCapture') && typeof v === 'string') return [k, ref(v)];
        if (k === 'captures' && Array.isArray(v) && v.every((x) => typeof x === 'string'))
          return [k, v.map(ref)];
        return [k, refs(v)];
      }),
    );
  };
  return {
    captures: order.map((id) => {
      const c = doc.analysis.captures.find((x) => x.id === id);
      return c
        ? { label: c.label, role: c.role, node: c.node, pod: c.pod, packets: c.packets }
        : `no capture ${id}`;
    }),
    flows: Object.fromEntries(
      [...doc.flows].sort((a, b) => a.id.localeCompare(b.id)).map((f) => [f.id, refs(f)]),
    ),
    clockOffsets: refs(doc.clockOffsets),
    summary: doc.summary,
    services: refs(doc.services),
    findings: doc.findings.map((f) =>
      refs({
        ...f,
        title: prose(f.title),
        detail: f.detail === null ? null : prose(f.detail),
        next: f.next.map(prose),
      }),
    ),
  };
}

/** The first `max` paths where `a` and `b` differ, with both values: a readable failure. */
function differences(a: unknown, b: unknown, path = '$', out: string[] = [], max = 10): string[] {
  if (out.length >= max) return out;
  if (Object.is(a, b)) return out;
  const show = (v: unknown) => JSON.stringify(v)?.slice(0, 200);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    out.push(`${path}: server ${show(a)} / cli ${show(b)}`);
    return out;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path}: server ${show(a)} / cli ${show(b)}`);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length)
    out.push(`${path}.length: server ${a.length} / cli ${b.length}`);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (!(k in a) || !(k in b)) {
      if (out.length < max) out.push(`${path}.${k}: server ${show(x)} / cli ${show(y)}`);
      continue;
    }
    differences(x, y, `${path}.${k}`, out, max);
  }
  return out;
}

/** The interface names of every perspective seen at `capture` (one per perspective interface). */
function interfaceNames(doc: ReportDocument, capture: string): string[] {
  return doc.flows.flatMap((f) =>
    f.perspectives.filter((p) => p.capture === capture).flatMap((p) => p.interfaces.map((i) => i.name)),
  );
}

describe('the server and natlens analyze: the same analysis of the same inputs', () => {
  for (const scenario of SCENARIOS)
    it(
      `${scenario.dir}: the same report, capture points resolved from the snapshots on both sides`,
      async () => {
        const base = `${fixturesDir}${scenario.dir}/`;
        const snapshotDir = `${base}snapshot`;
        const stack = await createStack();
        try {
          const key = (await issueKey(stack.databaseUrl, 'same-analysis', 'write')).key;
          const api = await stack.startApi();
          await stack.startWorker();

          // --- the server: only the role and a label equal to it; every snapshot it accepts.
          const captures: string[] = [];
          for (const { file, role } of scenario.captures)
            captures.push(await uploadFile(api.url, key, `${base}${file}`, { role, label: role }));
          const { ids: snapshots, refused } = await uploadSnapshots(api, key, snapshotDir);
          const fdb = snapshotFiles(snapshotDir).filter((f) => /bridge-fdb/.test(f));
          // A bridge fdb listing is no snapshot format: the server refuses it (422).
          for (const f of fdb) expect(refused).toContain(f);

          const analysis = await analyse(api, key, captures, snapshots, scenario.dir);
          expect(analysis.error).toBeNull();
          expect(analysis.status).toBe('SUCCEEDED');
          const server = await serverReport(api, key, analysis.id);
          expect(server.analysis.status).toBe('SUCCEEDED');
          // The capture table in upload order (the order the analysis was given them), each referred
          // to by its uuid. Soft: the comparison below goes by id, and says more when this fails.
          expect
            .soft(
              server.analysis.captures.map((c) => c.id),
              'capture table order',
            )
            .toEqual(captures);

          // --- the CLI: the same captures in the same order, the whole snapshot folder.
          const run = await natlens(
            'analyze',
            ...scenario.captures.flatMap(({ file, role }) => ['--capture', `${role}:${role}:${base}${file}`]),
            ...['--snapshot', snapshotDir, '--format', 'json'],
          );
          expect(run.code, run.stderr).toBe(0);
          const cli = JSON.parse(run.stdout) as ReportDocument;
          // The CLI skips (with a warning) exactly the files the server refuses.
          expect(cliSkipped(run.stderr)).toEqual([...refused].sort());
          // Duplicate labels made unique (node, node-2), used as capture ids, in command-line order.
          const seen = new Map<string, number>();
          const labels = scenario.captures.map(({ role }) => {
            const n = (seen.get(role) ?? 0) + 1;
            seen.set(role, n);
            return n === 1 ? role : `${role}-${n}`;
          });
          expect(cli.analysis.captures.map((c) => c.id)).toEqual(labels);

          // --- both resolved every capture point from the snapshots and the packets.
          const truth = groundTruth(scenario.dir).connections;
          const backendPods = new Set(truth.map((c) => c.backend_pod && `${NS}/${c.backend_pod}`));
          const pods = JSON.parse(readFileSync(`${snapshotDir}/kubectl-get-pods.json`, 'utf8')) as {
            items: { metadata: { namespace: string; name: string } }[];
          };
          const podNames = new Set(pods.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
          for (const [side, doc, ids] of [
            ['server', server, captures],
            ['cli', cli, labels],
          ] as const) {
            scenario.captures.forEach((expected, i) => {
              const got = doc.analysis.captures.find((c) => c.id === ids[i])!;
              const where = `${side}: ${expected.file}`;
              expect(got, where).toBeDefined();
              expect({ role: got.role, node: got.node, pod: got.pod }, where).toEqual({
                role: expected.role,
                node: expected.node,
                pod: expected.pod,
              });
              if (expected.pod) expect(podNames.has(expected.pod), where).toBe(true);
              if (expected.role === 'backend') expect(backendPods.has(expected.pod), where).toBe(true);
              // Interfaces are named: a LINUX_SLL2 capture stores ifindexes, the `ip addr` snapshots
              // (the node's, the pod netns') name them.
              const names = interfaceNames(doc, got.id);
              expect(names.length, `${where}: interfaces`).toBeGreaterThan(0);
              expect(
                names.filter((n) => /^if\d+$/.test(n)),
                `${where}: unnamed interfaces`,
              ).toEqual([]);
              if (expected.role === 'node') {
                expect(names, where).toContain('cni0');
                expect(
                  names.some((n) => /^veth[0-9a-f]+$/.test(n)),
                  where,
                ).toBe(true);
              }
            });
            expect(doc.flows.length, side).toBe(truth.length);
          }

          // --- and said the same thing, capture references aside.
          const a = comparable(server, captures);
          const b = comparable(cli, labels);
          expect(Object.keys(a.flows)).toEqual(Object.keys(b.flows));
          // Every part compared before failing, so that one failure lists all that differs.
          const parts = ['captures', 'flows', 'clockOffsets', 'summary', 'services', 'findings'] as const;
          expect(parts.flatMap((part) => differences(a[part], b[part], part))).toEqual([]);
        } finally {
          await stack.dispose();
        }
      },
      TIMEOUT,
    );

  it(
    'single-node/clusterip with the client capture cut short: a warning on both sides, not a failure',
    async () => {
      const base = `${fixturesDir}single-node/clusterip/`;
      const dir = await mkdtemp(join(tmpdir(), 'natlens-cut-'));
      const stack = await createStack();
      try {
        // What a killed tcpdump leaves: the last record's bytes end early.
        const whole = readFileSync(`${base}client.pcap`);
        const cut = join(dir, 'client.pcap');
        writeFileSync(cut, whole.subarray(0, whole.length - 10));

        const key = (await issueKey(stack.databaseUrl, 'same-analysis-cut', 'write')).key;
        const api = await stack.startApi();
        await stack.startWorker();
        const client = await uploadFile(api.url, key, cut, { role: 'client', label: 'client' });
        const node = await uploadFile(api.url, key, `${base}node.pcap`, { role: 'node', label: 'node' });
        const backend = await uploadFile(api.url, key, `${base}backend.pcap`, {
          role: 'backend',
          label: 'backend',
        });
        const { ids: snapshots } = await uploadSnapshots(api, key, `${base}snapshot`);
        const created = await analyse(api, key, [client, node, backend], snapshots, 'cut client');
        expect(created.error).toBeNull();
        expect(created.status).toBe('SUCCEEDED');

        // GET /v1/analyses/:id names the cut capture's warning, and only that capture's.
        const res = await fetch(`${api.url}/v1/analyses/${created.id}`, { headers: bearer(key) });
        const analysis = (await res.json()) as { status: string; warnings: Record<string, string[]> };
        expect(analysis.status).toBe('SUCCEEDED');
        expect(Object.keys(analysis.warnings)).toEqual([client]);
        const warnings = analysis.warnings[client];
        expect(warnings.length).toBeGreaterThan(0);
        // "client.pcap: byte N: file ends M bytes into a record (TRUNCATED_RECORD); using the records
        // before it": the file, where, and what was kept; said once, not once per reader.
        expect(warnings[0]).toMatch(/^client\.pcap: byte \d+: .*TRUNCATED_RECORD.*records before it$/);
        // Soft: the CLI's side below is checked even when this fails.
        expect.soft(warnings, 'each warning once').toEqual([...new Set(warnings)]);

        // The CLI reads the same cut file: exit 0, the report, and a warning on stderr.
        const run = await natlens(
          'analyze',
          ...['--capture', `client:client:${cut}`, '--capture', `node:node:${base}node.pcap`],
          ...['--capture', `backend:backend:${base}backend.pcap`],
          ...['--snapshot', `${base}snapshot`, '--format', 'json'],
        );
        expect(run.code, run.stderr).toBe(0);
        // The same words as the server's, the file named by its path.
        expect(run.stderr).toContain(`natlens: warning: ${dir}/${warnings[0]}\n`);
        const cli = JSON.parse(run.stdout) as ReportDocument;
        expect(cli.analysis.status).toBe('SUCCEEDED');
        expect(cli.flows.length).toBeGreaterThan(0);
      } finally {
        await stack.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    },
    TIMEOUT,
  );
});
