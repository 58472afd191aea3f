// A job enqueued by the api is processed by the worker, over the real Redis and PostgreSQL.
import { openAsBlob } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

describe('analysis queue round trip', () => {
  let stack: Stack;
  let api: RunningApi;
  let writeKey: string;
  let readKey: string;
  let captureId: string;

  beforeAll(async () => {
    stack = await createStack();
    writeKey = (await issueKey(stack.databaseUrl, 'queue-test', 'write')).key;
    readKey = (await issueKey(stack.databaseUrl, 'queue-test', 'read')).key;
    api = await stack.startApi();
    const upload = await fetch(`${api.url}/v1/captures?role=client&name=client.pcap`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writeKey}` },
      body: await openAsBlob(`${fixturesDir}single-node/clusterip/client.pcap`),
    });
    expect(upload.status).toBe(201);
    captureId = ((await upload.json()) as { id: string }).id;
  });
  afterAll(async () => stack?.dispose());

  it('rejects a request without a key (401) and a read key (403), with JSON bodies', async () => {
    const anonymous = await fetch(`${api.url}/v1/analyses`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toMatch(/Bearer/);
    const reader = await fetch(`${api.url}/v1/analyses`, {
      method: 'POST',
      headers: bearer(readKey),
      body: JSON.stringify({ captures: [captureId] }),
    });
    expect(reader.status).toBe(403);
    expect(((await reader.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  it('queues the analysis; the worker runs it to SUCCEEDED', async () => {
    const created = await fetch(`${api.url}/v1/analyses`, {
      method: 'POST',
      headers: bearer(writeKey),
      body: JSON.stringify({ captures: [captureId], name: 'round trip' }),
    });
    expect(created.status).toBe(201);
    const analysis = (await created.json()) as { id: string; status: string };
    expect(analysis.status).toBe('QUEUED');

    // Nothing consumes the queue yet: the job waits in Redis until a worker starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stillQueued = (await (
      await fetch(`${api.url}/v1/analyses/${analysis.id}`, { headers: bearer(readKey) })
    ).json()) as { status: string };
    expect(stillQueued.status).toBe('QUEUED');

    const worker = await stack.startWorker();
    const deadline = Date.now() + 20_000;
    let status = 'QUEUED';
    while (status !== 'SUCCEEDED' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const res = await fetch(`${api.url}/v1/analyses/${analysis.id}`, { headers: bearer(readKey) });
      status = ((await res.json()) as { status: string }).status;
    }
    expect(status).toBe('SUCCEEDED');

    // SIGTERM drains: the worker closes its queue consumer and exits cleanly.
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output()).toContain('natlens worker: SIGTERM: finishing running work, then exiting');
  });

  it('404s an unknown capture id without creating anything', async () => {
    const res = await fetch(`${api.url}/v1/analyses`, {
      method: 'POST',
      headers: bearer(writeKey),
      body: JSON.stringify({ captures: ['00000000-0000-4000-8000-000000000000'] }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'no capture 00000000-0000-4000-8000-000000000000',
    );
  });
});
