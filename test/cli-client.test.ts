// The CLI as a client of a real server: upload, analyses, report (NATLENS_URL, NATLENS_TOKEN).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { repoRoot } from './support/processes.js';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const run = promisify(execFile);
const dir = `${fixturesDir}single-node/clusterip/`;

describe('natlens upload / analyses / report against a server', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  const natlens = (...args: string[]) =>
    run(process.execPath, ['bin/natlens.js', ...args], {
      cwd: repoRoot,
      env: { ...process.env, NATLENS_URL: api.url, NATLENS_TOKEN: key },
    });

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'cli', 'write')).key;
    api = await stack.startApi();
    await stack.startWorker();
  });
  afterAll(async () => stack?.dispose());

  it('uploads captures and a snapshot, lists the analysis and prints its report', async () => {
    const ids: string[] = [];
    for (const [file, role] of [
      ['client.pcap', 'client'],
      ['node.pcap', 'node'],
      ['backend.pcap', 'backend'],
    ])
      ids.push(
        (await natlens('upload', `${dir}${file}`, '--role', role, '--node', 'k8s-compute-02')).stdout.trim(),
      );
    expect(new Set(ids).size).toBe(3);
    const again = await natlens('upload', `${dir}client.pcap`, '--role', 'client');
    expect(again.stdout.trim()).toBe(ids[0]);
    expect(again.stderr).toContain('already uploaded');
    const snapshot = await natlens(
      'upload',
      `${dir}snapshot/kubectl-get-svc-pods-endpointslices-nodes.json`,
      '--snapshot',
    );
    expect(snapshot.stderr).toContain('(kubectl)');

    const analysis = (await (
      await fetch(`${api.url}/v1/analyses?wait=60`, {
        method: 'POST',
        headers: bearer(key),
        body: JSON.stringify({ captures: ids, snapshots: [snapshot.stdout.trim()], name: 'from the cli' }),
      })
    ).json()) as { id: string; status: string };
    expect(analysis.status).toBe('SUCCEEDED');

    const listed = (await natlens('analyses')).stdout;
    expect(listed).toMatch(new RegExp(`^${analysis.id}\\s+SUCCEEDED\\s+20 flows.*from the cli$`, 'm'));
    const report = JSON.parse((await natlens('report', analysis.id, '--format', 'json')).stdout) as {
      analysis: { id: string };
      flows: unknown[];
    };
    expect(report.analysis.id).toBe(analysis.id);
    expect(report.flows).toHaveLength(20);
  });

  it('exits 1 naming the status for a server error, 2 for a missing file', async () => {
    await expect(natlens('report', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('404 no analysis 00000000-0000-4000-8000-000000000000'),
    });
    await expect(natlens('upload', '/no/such.pcap')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('/no/such.pcap: cannot read (no such file)'),
    });
  });
});
