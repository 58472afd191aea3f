// Database lifecycle helpers on plain `pg` (no Prisma): create the database named in a URL if it is
// missing, drop it, and check that the server answers.
import pg from 'pg';

/** The parts of a postgresql:// URL these helpers need. */
export interface DatabaseTarget {
  /** Database name from the URL path. */
  database: string;
  /** host:port, for messages. */
  server: string;
  /** The same URL pointing at the `postgres` maintenance database. */
  maintenanceUrl: string;
}

export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`Invalid database URL: ${redactUrl(databaseUrl)}`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`Invalid database URL ${redactUrl(databaseUrl)}: expected postgresql://`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`Database URL ${redactUrl(databaseUrl)} names no database`);
  const maintenance = new URL(url.toString());
  maintenance.pathname = '/postgres';
  return {
    database,
    server: `${url.hostname || 'localhost'}:${url.port || '5432'}`,
    maintenanceUrl: maintenance.toString(),
  };
}

/** The URL with any password replaced by `***`, safe to print. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return databaseUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withClient<T>(
  connectionString: string,
  fn: (client: pg.Client) => Promise<T>,
  connectionTimeoutMillis = 10_000,
): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis });
  // An idle client can emit 'error' (server restart); without a listener that would crash the process.
  client.on('error', () => {});
  try {
    try {
      await client.connect();
    } catch (error) {
      const { server } = parseDatabaseUrl(connectionString);
      const err = error as { code?: string; message?: string };
      throw new Error(`PostgreSQL at ${server} is unreachable: ${err.code ?? err.message ?? String(error)}`, {
        cause: error,
      });
    }
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates the database named in `databaseUrl` if it does not exist, connecting to the `postgres`
 * maintenance database of the same server. Safe to call concurrently. Resolves to true when this call
 * created it.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { database, maintenanceUrl } = parseDatabaseUrl(databaseUrl);
  return withClient(maintenanceUrl, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
      return true;
    } catch (error) {
      // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index.
      const code = (error as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw error;
    }
  });
}

/** Terminates the connections to the database named in `databaseUrl` and drops it (if it exists). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { database, maintenanceUrl } = parseDatabaseUrl(databaseUrl);
  if (database === 'postgres' || database.startsWith('template')) {
    throw new Error(`Refusing to drop the ${database} database`);
  }
  await withClient(maintenanceUrl, async (client) => {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
  });
}

/**
 * Resolves when PostgreSQL at `databaseUrl` accepts a connection and answers `SELECT 1` within
 * `timeoutMs`; otherwise rejects with a one-line error naming the server (never the password).
 */
export async function pingDatabase(databaseUrl: string, timeoutMs = 2000): Promise<void> {
  const { database, server } = parseDatabaseUrl(databaseUrl);
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.query('SELECT 1');
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    const err = error as { code?: string; message?: string };
    const reason =
      err.code === '3D000'
        ? `database "${database}" does not exist`
        : (err.code ?? err.message ?? String(error));
    throw new Error(`PostgreSQL at ${server} is unreachable: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
    void client.end().catch(() => {});
  }
}
