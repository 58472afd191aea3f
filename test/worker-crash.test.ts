// A worker killed (SIGKILL) in the middle of an analysis: once its job lock lapses another
// worker runs the job again, and the results are stored exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey, withPrisma } from './support/projects.js';
import { writeReplayedCapture } from './support/replay.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const REPLAYS = 800;

describe('a worker killed mid-analysis', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  let dir: string;

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'crash', 'write')).key;
    api = await stack.startApi();
    dir = await mkdtemp(join(tmpdir(), 'natlens-replay-'));
  });
  afterAll(async () => {
    await stack?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('completes after a restart with no duplicate rows', async () => {
    const file = join(dir, 'client-replayed.pcap.gz');
    await writeReplayedCapture(`${fixturesDir}single-node/clusterip/client.pcap`, file, REPLAYS);
    const upload = await fetch(`${api.url}/v1/captures?role=client&name=client-replayed.pcap.gz`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: await openAsBlob(file),
    });
    expect(upload.status).toBe(201);
    const captureId = ((await upload.json()) as { id: string }).id;

    const env = { WORKER_LOCK_MS: '2000', WORKER_CONCURRENCY: '1' };
    const doomed = await stack.startWorker(env);
    const created = await fetch(`${api.url}/v1/analyses`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ captures: [captureId] }),
    });
    const { id } = (await created.json()) as { id: string };
    const status = async () =>
      (await (await fetch(`${api.url}/v1/analyses/${id}`, { headers: bearer(key) })).json()) as {
        status: string;
        stage: string | null;
        error: string | null;
        counts: { flows: number } | null;
      };

    // Kill it while it correlates: the decode child has finished, the parent is under way.
    for (let i = 0; i < 600; i++) {
      const s = await status();
      if (s.status === 'RUNNING' && s.stage === 'correlate') break;
      expect(s.status).not.toBe('SUCCEEDED');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await doomed.stop('SIGKILL');
    expect((await status()).status).toBe('RUNNING');

    await stack.startWorker(env);
    let final = await status();
    for (let i = 0; i < 240 && !['SUCCEEDED', 'FAILED'].includes(final.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      final = await status();
    }
    expect(final.error).toBeNull();
    expect(final.status).toBe('SUCCEEDED');

    const rows = await withPrisma(stack.databaseUrl, async (prisma) => ({
      flows: await prisma.flow.count({ where: { analysisId: id } }),
      distinct: (await prisma.flow.groupBy({ by: ['key'], where: { analysisId: id } })).length,
    }));
    // One flow per replayed connection (20 in the fixture), each stored once.
    expect(final.counts?.flows).toBe(REPLAYS * 20);
    expect(rows.flows).toBe(REPLAYS * 20);
    expect(rows.distinct).toBe(rows.flows);
  }, 240_000);
});
