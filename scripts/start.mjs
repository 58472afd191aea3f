// `npm start`: the api and the worker as two processes (decoding is CPU-bound and must
// not stall HTTP). The api applies migrations before it listens. If either exits, the
// other is stopped and npm start exits with its code; SIGINT/SIGTERM are passed on so
// the worker can finish its running jobs.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const children = new Map();
let stopping = false;

function run(name, entry) {
  const child = spawn(process.execPath, ['--enable-source-maps', join(root, entry)], { stdio: 'inherit' });
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
