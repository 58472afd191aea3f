// Applies the committed migrations (prisma/migrations) with `prisma migrate deploy`, run through
// scripts/prisma.mjs so that the WebAssembly schema engine is used.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

import { ensureDatabase, parseDatabaseUrl, redactUrl } from './database.js';

/** The repository root: the nearest ancestor of this file holding scripts/prisma.mjs and prisma/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'prisma.mjs')) && existsSync(join(dir, 'prisma', 'schema.prisma')))
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`Cannot find the natlens repository root above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Names of the migration directories committed in prisma/migrations, in order. */
export function migrationNames(root = repoRoot()): string[] {
  const dir = join(root, 'prisma', 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort();
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs the Prisma CLI (through scripts/prisma.mjs) with `args`, capturing its output. */
export function runPrismaCli(
  args: string[],
  env: Record<string, string>,
  root = repoRoot(),
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'prisma.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The CLI's own error, without its banner lines ("Loaded Prisma config ...", "Datasource ...", ...). */
export function cliErrorMessage(output: string): string {
  const lines = output.replace(ANSI, '').split(/\r?\n/);
  const start = lines.findIndex((line) => /^(Error|error:|Error:)|^P\d{4}/.test(line.trim()));
  const relevant = (start >= 0 ? lines.slice(start) : lines)
    .filter((line) => !/^(Loaded Prisma config|Prisma schema loaded|Datasource ")/.test(line.trim()))
    // Stack frames would be noise: the message is what a user can act on.
    .filter((line) => !/^\s+at .+\(?.+:\d+:\d+\)?$/.test(line));
  const text = relevant
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return text || 'prisma migrate deploy failed without output';
}

async function appliedMigrations(databaseUrl: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    return new Set(rows.map((row) => row.migration_name));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return new Set(); // no _prisma_migrations yet
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates the database if it is missing, then applies the pending committed migrations with
 * `prisma migrate deploy`. Resolves to the names of the migrations this call applied (empty when the
 * database was up to date). Rejects with the CLI's own error message when deploy fails, and when the
 * database does not record every committed migration as applied afterwards.
 */
export async function applyMigrations(databaseUrl: string): Promise<{ applied: string[] }> {
  parseDatabaseUrl(databaseUrl);
  const root = repoRoot();
  await ensureDatabase(databaseUrl);
  const before = await appliedMigrations(databaseUrl);
  // Up to date: skip the CLI and its engine start (seconds), the common case at every start.
  if (migrationNames(root).every((name) => before.has(name))) return { applied: [] };
  const { code, output } = await runPrismaCli(['migrate', 'deploy'], { DATABASE_URL: databaseUrl }, root);
  if (code !== 0) {
    throw new Error(cliErrorMessage(output).split(databaseUrl).join(redactUrl(databaseUrl)));
  }
  // The CLI has exited 0 after an engine crash before; trust the database, not the exit code.
  const after = await appliedMigrations(databaseUrl);
  const missing = migrationNames(root).filter((name) => !after.has(name));
  if (missing.length > 0) {
    throw new Error(
      `prisma migrate deploy reported success but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not applied in ${redactUrl(databaseUrl)}:\n${cliErrorMessage(output)}`,
    );
  }
  // Which ones this call applied: the CLI lists them; concurrent callers serialise on the engine's
  // advisory lock, and only the one that ran a migration lists it.
  const listed = new Set(
    [...output.replace(ANSI, '').matchAll(/^\s*(?:└─|├─)\s+(.+?)\/\s*$/gm)].map((match) => match[1]),
  );
  const applied = [...after].filter((name) => !before.has(name) && listed.has(name)).sort();
  return { applied };
}

export interface DriftReport {
  /** True when applying prisma/migrations yields exactly the schema in schema.prisma. */
  inSync: boolean;
  /** The engine's human-readable summary of the differences (empty when in sync). */
  diff: string;
}

/**
 * Compares the schema that the committed migrations produce (replayed into a temporary shadow database
 * the schema engine creates next to `databaseUrl` and drops afterwards) with `schemaPath`, via
 * `prisma migrate diff --from-migrations ... --to-schema ... --exit-code`. `databaseUrl` only supplies
 * the server: nothing in that database is read or changed.
 */
export async function checkMigrationDrift(
  databaseUrl: string,
  options: { schemaPath?: string; migrationsPath?: string } = {},
): Promise<DriftReport> {
  const root = repoRoot();
  const schemaPath = options.schemaPath ?? join(root, 'prisma', 'schema.prisma');
  const migrationsPath = options.migrationsPath ?? join(root, 'prisma', 'migrations');
  const { code, output } = await runPrismaCli(
    ['migrate', 'diff', '--from-migrations', migrationsPath, '--to-schema', schemaPath, '--exit-code'],
    { DATABASE_URL: databaseUrl },
    root,
  );
  const diff = output
    .replace(ANSI, '')
    .split(/\r?\n/)
    .filter((line) => !/^Loaded Prisma config/.test(line))
    .join('\n')
    .trim();
  if (code === 0 && /No difference detected/.test(diff)) return { inSync: true, diff: '' };
  if (code === 2) return { inSync: false, diff };
  throw new Error(`prisma migrate diff failed (exit code ${code}): ${cliErrorMessage(output)}`);
}
