import { ConfigError, loadConfig, redactUrl, type Config } from '#config';
import { ensureDatabase, pingDatabase } from '#persistence';
import { pingRedis } from './redis.js';

/**
 * What every process checks before Nest boots: the configuration is valid and
 * PostgreSQL and Redis answer. On failure it prints one line per problem saying
 * how to fix it and exits non-zero, instead of a wall of stack traces.
 */
export async function preflight(
  process_: string,
  needs: { postgres: 'ping' | 'create' | false; redis: boolean },
): Promise<Config> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`natlens ${process_}: ${error.message}`);
    throw error;
  }
  const problems: string[] = [];
  const checks: Promise<void>[] = [];
  if (needs.postgres)
    checks.push(
      (needs.postgres === 'create' && config.migrateOnStart
        ? ensureDatabase(config.databaseUrl).then(() => undefined)
        : pingDatabase(config.databaseUrl)
      ).catch((error: Error) => {
        problems.push(
          `cannot reach PostgreSQL at ${redactUrl(config.databaseUrl)} (${reason(error)}); ` +
            `start it (docker compose up -d postgres) or set DATABASE_URL`,
        );
      }),
    );
  if (needs.redis)
    checks.push(
      pingRedis(config.redisUrl).catch((error: Error) => {
        problems.push(
          `cannot reach Redis at ${redactUrl(config.redisUrl)} (${reason(error)}); ` +
            `start it (docker compose up -d redis) or set REDIS_URL`,
        );
      }),
    );
  await Promise.all(checks);
  if (problems.length) fail(problems.map((p) => `natlens ${process_}: ${p}`).join('\n'));
  return config;
}

/** The short cause: a system error code (ECONNREFUSED, ...) or the server's own words. */
function reason(error: Error & { code?: string }): string {
  const cause = (error.cause ?? error) as Error & { code?: string; errors?: Array<{ code?: string }> };
  const code = cause.code ?? cause.errors?.[0]?.code;
  if (code && /^E[A-Z]+$/.test(code)) return code;
  return (cause.message || error.message).split('\n')[0];
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
