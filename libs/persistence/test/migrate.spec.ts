import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { applyMigrations, dropDatabase, ensureDatabase, migrationNames, pingDatabase } from '../src/index.js';
import { cliErrorMessage } from '../src/migrate.js';
import { randomDatabaseUrl } from './helpers.js';

const databaseUrl = randomDatabaseUrl('migrate');

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await dropDatabase(databaseUrl);
}, 120_000);

describe('database helpers', { timeout: 120_000 }, () => {
  it('ensureDatabase creates a missing database once, even when called concurrently', async () => {
    const url = randomDatabaseUrl('ensure');
    try {
      const created = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
      expect(created.filter(Boolean)).toHaveLength(1);
      await expect(pingDatabase(url)).resolves.toBeUndefined();
      expect(await ensureDatabase(url)).toBe(false);
    } finally {
      await dropDatabase(url);
    }
    await expect(pingDatabase(url)).rejects.toThrow(/does not exist/);
  });

  it('pingDatabase fails fast with a short message when the server is unreachable', async () => {
    const started = Date.now();
    const error = await pingDatabase('postgresql://postgres:secret@127.0.0.1:1/natlens', 1000).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^PostgreSQL at 127\.0\.0\.1:1 is unreachable: /);
    expect((error as Error).message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(1900);
  });

  it('dropDatabase drops a database that has open connections', async () => {
    const url = randomDatabaseUrl('drop');
    await ensureDatabase(url);
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    await dropDatabase(url);
    await expect(pingDatabase(url)).rejects.toThrow(/does not exist/);
    await client.end().catch(() => {});
  });
});

describe('applyMigrations', { timeout: 120_000 }, () => {
  it('creates the database and applies every committed migration', async () => {
    const { applied } = await applyMigrations(databaseUrl);
    expect(applied).toEqual(migrationNames());
    expect(applied.length).toBeGreaterThan(0);

    const rows = await query<{ migration_name: string; finished_at: Date | null }>(
      databaseUrl,
      'SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames());
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);

    const tables = await query<{ table_name: string }>(
      databaseUrl,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'projects',
        'api_keys',
        'captures',
        'snapshots',
        'analyses',
        'analysis_captures',
        'analysis_snapshots',
      ]),
    );
  });

  it('is a no-op the second time', async () => {
    expect(await applyMigrations(databaseUrl)).toEqual({ applied: [] });
    const rows = await query(databaseUrl, 'SELECT 1 FROM _prisma_migrations');
    expect(rows).toHaveLength(migrationNames().length);
  });

  it('applies each migration once when several processes start together', async () => {
    const url = randomDatabaseUrl('race');
    try {
      const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
      expect(results.flatMap((r) => r.applied)).toEqual(migrationNames());
      const rows = await query(url, 'SELECT 1 FROM _prisma_migrations');
      expect(rows).toHaveLength(migrationNames().length);
    } finally {
      await dropDatabase(url);
    }
  });

  it("fails with the CLI's own message when deploy fails", async () => {
    const url = randomDatabaseUrl('notempty');
    try {
      await ensureDatabase(url);
      await query(url, 'CREATE TABLE projects (x int)');
      const error = await applyMigrations(url).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^Error: The database schema is not empty/);
      expect((error as Error).message).not.toMatch(/Loaded Prisma config|\n\s+at /);
    } finally {
      await dropDatabase(url);
    }
  });

  it('fails with a short message when the server is unreachable', async () => {
    const error = await applyMigrations('postgresql://postgres@127.0.0.1:1/natlens').catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message.split('\n').length).toBeLessThan(8);
  });

  it('extracts the error paragraph from CLI output', () => {
    const output = [
      'Loaded Prisma config from prisma.config.ts.',
      '',
      'Prisma schema loaded from prisma/schema.prisma.',
      'Datasource "db": PostgreSQL database "x", schema "public" at "127.0.0.1:5432"',
      '',
      'Error: P3009',
      '',
      'migrate found failed migrations in the target database.',
      '',
    ].join('\n');
    expect(cliErrorMessage(output)).toBe(
      'Error: P3009\n\nmigrate found failed migrations in the target database.',
    );
  });
});
