// Transpiles apps/ and libs/ to dist/ with SWC (decorator metadata on, no type check:
// `npm run typecheck` does that). Seconds instead of tsc's tens of seconds, so `npm start`
// and `npm test` can always rebuild.
import { transformFile } from '@swc/core';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts'))
      yield path;
  }
}

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: true,
};

// Files are replaced one by one through a rename (never by emptying dist/ first), so a
// process running from dist/ while another build runs never sees a missing module.
async function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

let count = 0;
for (const top of ['apps', 'libs']) {
  const files = [];
  for await (const file of tsFiles(join(root, top))) files.push(file);
  await Promise.all(
    files.map(async (file) => {
      const { code, map } = await transformFile(file, { ...options, filename: file });
      const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
      await mkdir(dirname(target), { recursive: true });
      await writeAtomic(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
      if (map) await writeAtomic(`${target}.map`, map);
      count++;
    }),
  );
}
console.log(`built ${count} files into dist/`);

// GraphiQL for /graphql in a browser: bundled from node_modules, served by the api (no CDN).
await import('./build-graphiql.mjs');
