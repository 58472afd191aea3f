// The REST contract around uploads and projects, against the real api, PostgreSQL and disk:
// scoping (another project's objects are 404s), roles (401/403), upload limits (413/415) and
// aborted uploads leave nothing behind, and re-uploads are deduplicated.
import { createHash } from 'node:crypto';
import { openAsBlob, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { issueKey, withPrisma } from './support/projects.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const NODE_PCAP = `${fixturesDir}single-node/clusterip/node.pcap`; // 83 KB
const CLIENT_PCAP = `${fixturesDir}single-node/clusterip/client.pcap`; // 27 KB
const SNAPSHOT = `${fixturesDir}single-node/clusterip/snapshot/kubectl-get-svc.json`;
const MAX_UPLOAD = 64 * 1024;

describe('REST contract', () => {
  let stack: Stack;
  let api: RunningApi;
  const keys = { a: '', aRead: '', b: '' };
  const ids = { capture: '', snapshot: '', analysis: '' };

  const call = (method: string, path: string, key?: string, body?: RequestInit['body']) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
      },
      body,
    });

  beforeAll(async () => {
    stack = await createStack();
    keys.a = (await issueKey(stack.databaseUrl, 'alpha', 'write')).key;
    keys.aRead = (await issueKey(stack.databaseUrl, 'alpha', 'read')).key;
    keys.b = (await issueKey(stack.databaseUrl, 'bravo', 'admin')).key;
    api = await stack.startApi({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
    // No worker: the analysis stays QUEUED, which the 409 case needs.
    const capture = await call(
      'POST',
      '/v1/captures?role=client&name=client.pcap',
      keys.a,
      await openAsBlob(CLIENT_PCAP),
    );
    ids.capture = ((await capture.json()) as { id: string }).id;
    const snapshot = await call('POST', '/v1/snapshots?name=svc.json', keys.a, await openAsBlob(SNAPSHOT));
    ids.snapshot = ((await snapshot.json()) as { id: string }).id;
    const analysis = await call('POST', '/v1/analyses', keys.a, JSON.stringify({ captures: [ids.capture] }));
    ids.analysis = ((await analysis.json()) as { id: string }).id;
  });
  afterAll(async () => stack?.dispose());

  const routes = (): Array<[string, string, 'read' | 'write']> => [
    ['GET', `/v1/captures/${ids.capture}`, 'read'],
    ['GET', `/v1/captures/${ids.capture}/download`, 'read'],
    ['DELETE', `/v1/captures/${ids.capture}`, 'write'],
    ['GET', `/v1/snapshots/${ids.snapshot}`, 'read'],
    ['DELETE', `/v1/snapshots/${ids.snapshot}`, 'write'],
    ['GET', `/v1/analyses/${ids.analysis}`, 'read'],
    ['POST', `/v1/analyses/${ids.analysis}/rerun`, 'write'],
    ['DELETE', `/v1/analyses/${ids.analysis}`, 'write'],
  ];

  it('answers 401 with a JSON body on every route without a key or with an unknown one', async () => {
    for (const [method, path] of [...routes(), ['POST', '/v1/captures'], ['GET', '/v1/analyses']] as const) {
      for (const key of [undefined, 'nl_not-a-real-key']) {
        const res = await call(method, path, key);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('answers 403 to a read key on every writing route', async () => {
    for (const [method, path, role] of routes()) {
      if (role !== 'write') continue;
      const res = await call(method, path, keys.aRead);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    expect((await call('POST', '/v1/captures', keys.aRead, 'x')).status).toBe(403);
    expect((await call('POST', '/v1/snapshots', keys.aRead, 'x')).status).toBe(403);
  });

  it("answers 404 for another project's capture, snapshot and analysis, on every route", async () => {
    for (const [method, path] of routes()) {
      const res = await call(method, path, keys.b);
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('NOT_FOUND');
    }
    const analysis = await call('POST', '/v1/analyses', keys.b, JSON.stringify({ captures: [ids.capture] }));
    expect(analysis.status).toBe(404);
    for (const list of ['/v1/captures', '/v1/snapshots', '/v1/analyses']) {
      const body = (await (await call('GET', list, keys.b)).json()) as Record<string, unknown[]>;
      expect(Object.values(body)[0], list).toEqual([]);
    }
    // And the owner still has all three.
    for (const [method, path] of routes().filter(([m]) => m === 'GET'))
      expect((await call(method, path, keys.aRead)).status, path).toBe(200);
  });

  it('returns the existing capture for the same bytes, and streams the original back', async () => {
    const again = await call('POST', '/v1/captures?role=node', keys.a, await openAsBlob(CLIENT_PCAP));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(ids.capture);
    const download = await call('GET', `/v1/captures/${ids.capture}/download`, keys.aRead);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(sha256(bytes)).toBe(sha256(readFileSync(CLIENT_PCAP)));
  });

  it('refuses to delete a capture a live analysis uses (409)', async () => {
    const res = await call('DELETE', `/v1/captures/${ids.capture}`, keys.a);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(ids.analysis);
  });

  it('answers 413 over MAX_UPLOAD_BYTES and keeps nothing', async () => {
    const res = await call('POST', '/v1/captures?role=node', keys.a, await openAsBlob(NODE_PCAP));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      String(MAX_UPLOAD),
    );
    await expectNothingLeft();
  });

  it('answers 415 naming what it saw for a file that is no capture, and keeps nothing', async () => {
    const res = await call('POST', '/v1/captures', keys.a, '<html>not a capture</html>');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/3c 68 74 6d 6c/);
    await expectNothingLeft();
  });

  it('keeps no row and no file when the client disconnects mid-upload', async () => {
    const url = new URL(`${api.url}/v1/captures?role=node`);
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.a}`, 'content-length': String(50_000) },
      });
      req.on('error', () => resolve());
      req.write(readFileSync(NODE_PCAP).subarray(0, 20_000), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectNothingLeft();
  });

  it('rejects a snapshot it cannot parse with 422 naming the line', async () => {
    const res = await call('POST', '/v1/snapshots?name=broken.json', keys.a, '{"kind": "List", "items": [');
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^broken\.json:1/);
  });

  async function expectNothingLeft(): Promise<void> {
    const tmp = await readdir(join(stack.storageDir, 'tmp')).catch(() => []);
    expect(tmp).toEqual([]);
    const stored = await withPrisma(stack.databaseUrl, (prisma) => prisma.capture.count());
    expect(stored).toBe(1);
  }
});

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
