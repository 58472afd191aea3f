// Fails when prisma/schema.prisma and prisma/migrations disagree: after changing the schema, create a
// migration with `npm run prisma -- migrate dev --name <what-changed>`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  applyMigrations,
  checkMigrationDrift,
  createPrismaClient,
  dropDatabase,
  repoRoot,
} from '../src/index.js';
import { runPrismaCli } from '../src/migrate.js';
import { randomDatabaseUrl, SERVER_URL } from './helpers.js';

const databaseUrl = randomDatabaseUrl('drift');

async function shadowDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'prisma\\_shadow\\_%' OR datname LIKE 'prisma_migrate_shadow_db_%'",
    );
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await applyMigrations(databaseUrl);
  const prisma = createPrismaClient(databaseUrl);
  await prisma.project.create({ data: { name: 'must-survive' } });
  await prisma.$disconnect();
}, 120_000);

afterAll(async () => {
  await dropDatabase(databaseUrl);
}, 120_000);

describe('schema.prisma and prisma/migrations', { timeout: 120_000 }, () => {
  it('agree: replaying the migrations yields exactly the schema', async () => {
    const before = await shadowDatabases();
    const report = await checkMigrationDrift(databaseUrl);
    expect(
      report.diff,
      'schema.prisma changed without a migration: run `npm run prisma -- migrate dev`',
    ).toBe('');
    expect(report.inSync).toBe(true);
    // The shadow database was a separate, temporary one: the main database kept its data, and no
    // shadow database is left behind.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query('SELECT name FROM projects');
    await client.end();
    expect(rows).toEqual([{ name: 'must-survive' }]);
    // Other test runs on this server may hold shadow databases of their own for a moment; one that does
    // not go away was leaked.
    const deadline = Date.now() + 15_000;
    let leaked = (await shadowDatabases()).filter((name) => !before.includes(name));
    while (leaked.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await shadowDatabases();
      leaked = leaked.filter((name) => now.includes(name));
    }
    expect(leaked).toEqual([]);
  });

  it('agree: a database migrated with prisma/migrations matches the schema', async () => {
    const { code, output } = await runPrismaCli(
      [
        'migrate',
        'diff',
        '--from-config-datasource',
        '--to-schema',
        join(repoRoot(), 'prisma', 'schema.prisma'),
        '--exit-code',
      ],
      { DATABASE_URL: databaseUrl },
    );
    expect(output).toContain('No difference detected');
    expect(code).toBe(0);
  });

  describe('the check detects drift', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'natlens-drift-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a column added to the schema without a migration', async () => {
      const schema = readFileSync(join(repoRoot(), 'prisma', 'schema.prisma'), 'utf8');
      const edited = schema.replace(/(model Capture \{\n)/, '$1  driftProbe String? @map("drift_probe")\n');
      expect(edited).not.toBe(schema);
      const schemaPath = join(dir, 'schema.prisma');
      writeFileSync(schemaPath, edited);
      const report = await checkMigrationDrift(databaseUrl, { schemaPath });
      expect(report.inSync).toBe(false);
      expect(report.diff).toMatch(/captures[\s\S]*drift_probe/);
    });
  });
});
