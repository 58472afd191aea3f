// A private natlens stack for one test file: a fresh PostgreSQL database with the
// migrations applied, a unique BullMQ prefix on the real Redis, and helpers to boot the
// real api and worker against them. `dispose()` drops the database and the queue keys.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { applyMigrations, dropDatabase } from '#persistence';
import { API_ENTRY, freePort, startProcess, WORKER_ENTRY, type RunningProcess } from './processes.js';

const PG_BASE = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Stack {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  storageDir: string;
  env(overrides?: Record<string, string>): Record<string, string>;
  startApi(overrides?: Record<string, string>): Promise<RunningApi>;
  startWorker(overrides?: Record<string, string>): Promise<RunningProcess>;
  dispose(): Promise<void>;
}

export interface RunningApi extends RunningProcess {
  url: string;
}

export async function createStack(): Promise<Stack> {
  const id = randomBytes(5).toString('hex');
  const databaseUrl = `${PG_BASE}/natlens_test_${id}`;
  const queuePrefix = `natlens-test-${id}`;
  const storageDir = await mkdtemp(join(tmpdir(), `natlens-test-${id}-`));
  await applyMigrations(databaseUrl);
  const processes: RunningProcess[] = [];

  const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_DIR: storageDir,
    MIGRATE_ON_START: 'false',
    ...overrides,
  });

  return {
    databaseUrl,
    redisUrl: REDIS_URL,
    queuePrefix,
    storageDir,
    env,
    async startApi(overrides = {}) {
      const port = await freePort();
      const api = startProcess(API_ENTRY, env({ PORT: String(port), ...overrides }));
      processes.push(api);
      await api.waitFor('natlens api: listening');
      return { ...api, url: `http://127.0.0.1:${port}` };
    },
    async startWorker(overrides = {}) {
      const worker = startProcess(WORKER_ENTRY, env(overrides));
      processes.push(worker);
      await worker.waitFor('natlens worker: ready');
      return worker;
    },
    async dispose() {
      await Promise.all(processes.map((p) => p.stop('SIGKILL')));
      await dropDatabase(databaseUrl);
      await deleteKeys(REDIS_URL, `${queuePrefix}:*`);
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
