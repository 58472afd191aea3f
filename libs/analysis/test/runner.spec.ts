// The analysis runner on real fixture captures, given what a user uploading with roles only gives:
// it names each capture point itself (the node capture's node, the pods of the client and backend
// captures, interface names from ip addr), streams every flow to the sink in path order, and
// takes a capture whose last record was cut off with a warning.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshot, sniffSnapshotKind, type ParsedSnapshot } from '#cluster';
import type { Flow } from '#correlate';
import { readDecodable } from '#decode';
import { runAnalysis, type AnalysisCapture, type AnalysisResult } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const DIR = `${FIXTURES}single-node/clusterip/`;
const tmp = mkdtempSync(join(tmpdir(), 'natlens-runner-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function snapshots(dir: string): ParsedSnapshot[] {
  return readdirSync(dir)
    .map((f) => ({ f, text: readFileSync(join(dir, f), 'utf8') }))
    .filter(({ text }) => sniffSnapshotKind(text))
    .map(({ f, text }) => parseSnapshot(text, { name: f }));
}

/** A capture as uploaded with its role only (label = role). */
function capture(role: AnalysisCapture['role'], path: string): AnalysisCapture {
  return { id: role, role, label: role, fileName: path.split('/').pop()!, read: () => readDecodable(path) };
}

async function run(captures: AnalysisCapture[]): Promise<{ result: AnalysisResult; flows: Flow[] }> {
  const flows: Flow[] = [];
  const result = await runAnalysis({
    captures,
    snapshots: snapshots(`${DIR}snapshot`),
    sink: { flow: (f) => flows.push(f), finish: () => undefined },
  });
  return { result, flows };
}

describe('runAnalysis: single-node/clusterip uploaded with roles only', () => {
  let result: AnalysisResult;
  let flows: Flow[];
  const truth = JSON.parse(readFileSync(`${DIR}ground-truth.json`, 'utf8')).connections as {
    client: string;
    backend: string;
    backend_pod: string;
  }[];

  beforeAll(async () => {
    ({ result, flows } = await run([
      capture('client', `${DIR}client.pcap`),
      capture('node', `${DIR}node.pcap`),
      capture('backend', `${DIR}backend.pcap`),
    ]));
  });

  it('names the node and the pods of the capture points from the packets and snapshots', () => {
    const [client, node, backend] = result.points;
    expect(node.node).toBe('k8s-compute-02');
    expect(client.pod).toBe('network-test/client-pod');
    expect(client.node).toBe('k8s-compute-02');
    const backends = new Set(truth.map((c) => `network-test/${c.backend_pod}`));
    expect(backends.has(backend.pod!)).toBe(true);
  });

  it('names the node capture’s interfaces from its ip addr snapshot', () => {
    const names = flows.flatMap((f) => f.perspectives.flatMap((p) => p.interfaces.map((i) => i.name)));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => /^if\d+$/.test(n))).toEqual([]);
  });

  it('hands every connection to the sink with its backend, perspectives in path order', () => {
    expect(result.flowCount).toBe(flows.length);
    for (const c of truth) expect(flows.find((f) => f.client === c.client)?.backend).toBe(c.backend);
    for (const f of flows) {
      const directions = f.perspectives.map((p) => p.direction);
      expect(directions).toEqual([...directions].sort((a, b) => (a === b ? 0 : a === 'request' ? -1 : 1)));
      expect(f.perspectives[0].capture).toBe('client');
    }
  });

  it('uses a capture whose last record was cut off, with a warning on that capture', async () => {
    const bytes = readFileSync(`${DIR}client.pcap`);
    const cut = join(tmp, 'client-cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const { result: r, flows: f } = await run([
      capture('client', cut),
      capture('node', `${DIR}node.pcap`),
      capture('backend', `${DIR}backend.pcap`),
    ]);
    expect(r.warnings.client).toHaveLength(1);
    expect(r.warnings.client[0]).toMatch(/TRUNCATED_RECORD.*using the records before it/);
    expect(r.warnings.node).toBeUndefined();
    expect(f.length).toBe(flows.length);
  });
});
