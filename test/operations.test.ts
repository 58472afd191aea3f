// Operating natlens: Prometheus metrics, per-key rate limits, structured logs with the analysis id.
import { openAsBlob } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import type { RunningProcess } from './support/processes.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

describe('operations', () => {
  let stack: Stack;
  let api: RunningApi;
  let worker: RunningProcess;
  let key: string;

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'ops', 'write')).key;
    api = await stack.startApi({ RATE_LIMIT_UPLOADS_PER_MINUTE: '2' });
    worker = await stack.startWorker();
  });
  afterAll(async () => stack?.dispose());

  const upload = async (file: string) =>
    fetch(`${api.url}/v1/captures?role=client&name=${file}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: await openAsBlob(`${fixturesDir}single-node/${file}`),
    });

  it('limits uploads per key with 429 and Retry-After', async () => {
    const first = await upload('clusterip/client.pcap');
    const second = await upload('clusterip-routed/client.pcap');
    const third = await upload('nodeport-masq/client.pcap');
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(third.status).toBe(429);
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_REQUESTS');

    const captureId = ((await first.json()) as { id: string }).id;
    const analysis = (await (
      await fetch(`${api.url}/v1/analyses?wait=60`, {
        method: 'POST',
        headers: bearer(key),
        body: JSON.stringify({ captures: [captureId] }),
      })
    ).json()) as { id: string; status: string; error: string | null };
    expect(analysis.error).toBeNull();
    expect(analysis.status).toBe('SUCCEEDED');

    // Every log line the worker wrote about this analysis is JSON naming it. The analysis is
    // SUCCEEDED in the database a moment before the worker's last lines reach the pipe: wait
    // until two lines name it (both stages have spoken).
    await worker.waitFor(new RegExp(`${analysis.id}[^\\n]*\\n[\\s\\S]*${analysis.id}`), 10_000);
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.includes(analysis.id));
    expect(lines.length).toBeGreaterThanOrEqual(2); // the decode child and the analyze parent
    for (const line of lines)
      expect((JSON.parse(line) as { message: { analysisId: string } }).message.analysisId).toBe(analysis.id);
  });

  it('exposes Prometheus metrics: analyses by status, queue, job durations, packets, upload bytes', async () => {
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}"|+.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('natlens_analyses{status="SUCCEEDED"}')).toBe(1);
    expect(value('natlens_upload_bytes_total{kind="capture"}')).toBeGreaterThan(0);
    expect(value('natlens_packets_decoded_total')).toBeGreaterThan(0);
    expect(value('natlens_job_duration_seconds_count{stage="decode"}')).toBe(1);
    expect(value('natlens_job_duration_seconds_count{stage="analyze"}')).toBe(1);
    expect(value('natlens_jobs_total{stage="analyze",outcome="completed"}')).toBe(1);
    expect(text).toMatch(/^natlens_queue_jobs\{state="waiting"\} \d+$/m);
  });
});
