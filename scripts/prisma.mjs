// Runs the installed Prisma CLI with the WebAssembly schema engine (scripts/prisma-schema-engine.mjs) in
// place of the native binary, which cannot be downloaded here. Usage: node scripts/prisma.mjs <args>
// (or npm run prisma -- <args>). It runs from the repository root, where prisma.config.ts is; paths in
// arguments are relative to it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: join(root, 'scripts', 'prisma-schema-engine.mjs'),
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
