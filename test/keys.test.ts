// `natlens keys`: the server-side admin commands, run as a user would, against a real database;
// a revoked key stops working at once.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/processes.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const run = promisify(execFile);

describe('natlens keys', () => {
  let stack: Stack;
  let api: RunningApi;
  const natlens = (...args: string[]) =>
    run(process.execPath, ['bin/natlens.js', 'keys', ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...stack.env() },
    });

  beforeAll(async () => {
    stack = await createStack();
    api = await stack.startApi();
  });
  afterAll(async () => stack?.dispose());

  it('creates a key shown once, lists it without its secret, and revokes it', async () => {
    const created = await natlens('create', '--project', 'demo', '--role', 'read');
    const key = created.stdout.trim();
    expect(key).toMatch(/^nl_[A-Za-z0-9_-]{43}$/);
    const keyId = /key ([0-9a-f-]{36})/.exec(created.stderr)![1];

    const ok = await fetch(`${api.url}/v1/captures`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);

    const listed = (await natlens('list', '--project', 'demo')).stdout;
    expect(listed).toContain(keyId);
    expect(listed).toContain(key.slice(0, 10));
    expect(listed).not.toContain(key);

    await natlens('revoke', keyId);
    const revoked = await fetch(`${api.url}/v1/captures`, { headers: { authorization: `Bearer ${key}` } });
    expect(revoked.status).toBe(401);
    expect((await natlens('list')).stdout).toMatch(new RegExp(`${keyId}.*revoked`));
  });

  it('exits 2 with usage for a bad invocation', async () => {
    await expect(natlens('create')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--project is required'),
    });
    await expect(natlens('revoke', '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 2,
    });
  });
});
