// `npm start`: the api and the worker as two processes (decoding is CPU-bound and must
// not stall HTTP). Checks and migrations run first, here, so neither child races the
// other to a database that does not exist yet. If either child exits, the
// other is stopped and npm start exits with its code; SIGINT/SIGTERM are passed on so
// the worker can finish its running jobs.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { preflight } = await import(join(root, 'dist/libs/platform/src/preflight.js'));
const { applyMigrations } = await import(join(root, 'dist/libs/persistence/src/migrate.js'));

const config = await preflight('start', { postgres: 'create', redis: true });
if (config.migrateOnStart) {
  try {
    const { applied } = await applyMigrations(config.databaseUrl);
    if (applied.length) process.stdout.write(`natlens: applied migrations ${applied.join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`natlens: migrations failed: ${error.message}\n`);
    process.exit(1);
  }
}
const children = new Map();
let stopping = false;

function run(name, entry) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, entry)], {
    stdio: 'inherit',
    env: { ...process.env, MIGRATE_ON_START: 'false' },
  });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      stopping = true;
      process.stderr.write(`natlens: ${name} exited (${signal ?? code}); stopping the rest\n`);
      process.exitCode = code || 1;
      for (const other of children.values()) other.kill('SIGTERM');
    }
    if (children.size === 0) process.exit(process.exitCode ?? 0);
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true;
    for (const child of children.values()) child.kill(signal);
  });
}

run('api', 'dist/apps/api/src/main.js');
run('worker', 'dist/apps/worker/src/main.js');
