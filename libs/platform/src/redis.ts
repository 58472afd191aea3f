import { Redis } from 'ioredis';

/**
 * A Redis connection for BullMQ (which requires `maxRetriesPerRequest: null`) that
 * keeps reconnecting with a capped back-off.
 */
export function createRedis(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `natlens-${name}`,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
}

/**
 * Pings Redis on a throwaway connection that neither queues commands nor retries,
 * so an unreachable server answers "down" at once instead of hanging.
 */
export async function pingRedis(url: string, timeoutMs = 2000): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the 'error' event has the cause.
  let cause: Error | undefined;
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await withTimeout(
      (async () => {
        await redis.connect();
        await redis.ping();
      })(),
      timeoutMs,
      'Redis ping',
    );
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
