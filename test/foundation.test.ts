// The foundation's promises, checked against the real compiled api and worker, a fresh
// PostgreSQL database and the real Redis (through a proxy the test can cut).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ENTRY, freePort, startProcess } from './support/processes.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

describe('api and worker on real PostgreSQL and Redis', () => {
  let stack: Stack;
  let api: RunningApi;
  let redisProxy: TcpProxy;

  beforeAll(async () => {
    stack = await createStack();
    redisProxy = await startTcpProxy(Number(new URL(stack.redisUrl).port || 6379));
    api = await stack.startApi({ REDIS_URL: `redis://127.0.0.1:${redisProxy.port}` });
  });
  afterAll(async () => {
    await redisProxy?.close().catch(() => undefined);
    await stack?.dispose();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${api.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL and Redis answer', async () => {
    const res = await fetch(`${api.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: Array<{ name: string; ok: boolean }> };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['redis', true],
    ]);
  });

  it('serves GraphQL with a version query', async () => {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ version { natlens node } }' }),
    });
    const body = (await res.json()) as { data: { version: { natlens: string; node: string } } };
    expect(res.status).toBe(200);
    expect(body.data.version.node).toBe(process.versions.node);
    expect(body.data.version.natlens).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('publishes an OpenAPI document at /docs-json and a viewer at /docs', async () => {
    const json = (await (await fetch(`${api.url}/docs-json`)).json()) as { openapi: string; paths: object };
    expect(json.openapi).toMatch(/^3\./);
    expect(Object.keys(json.paths)).toContain('/readyz');
    const html = await fetch(`${api.url}/docs`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('swagger');
  });

  it('answers unknown routes with the JSON error shape', async () => {
    const res = await fetch(`${api.url}/no/such/route`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('/no/such/route');
  });

  it('returns 503 naming Redis once Redis becomes unreachable', async () => {
    await redisProxy.close();
    const res = await fetch(`${api.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string }; checks: unknown[] };
    expect(body.error.code).toBe('DEPENDENCY_DOWN');
    expect(body.error.message).toMatch(/^redis is unreachable/);
    expect(body.error.message).not.toContain('postgres');
  });
});

describe('start-up checks', () => {
  it('refuses to start with one line naming an unreachable Redis', async () => {
    const closed = await freePort();
    const api = startProcess(API_ENTRY, {
      PORT: String(await freePort()),
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres',
      MIGRATE_ON_START: 'false',
    });
    const code = await api.exited;
    expect(code).not.toBe(0);
    const lines = api.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`cannot reach Redis at redis://127.0.0.1:${closed}`);
    expect(lines[0]).toContain('(ECONNREFUSED)');
    expect(lines[0]).toContain('docker compose up -d redis');
  });

  it('lists every bad configuration value', async () => {
    const api = startProcess(API_ENTRY, { PORT: 'eighty', WORKER_CONCURRENCY: '0', REDIS_URL: 'nope' });
    expect(await api.exited).not.toBe(0);
    const output = api.output();
    expect(output).toContain('PORT=eighty: expected a whole number from 0 to 65535');
    expect(output).toContain('WORKER_CONCURRENCY=0: expected a whole number from 1 to 256');
    expect(output).toContain('REDIS_URL=nope: not a URL');
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });
});
