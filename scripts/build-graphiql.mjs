// Bundles GraphiQL for GET /graphql in a browser: apps/api/src/graphiql/client.js with the graphiql,
// react and react-dom packages (and their CSS and fonts, inlined) into
// dist/apps/api/src/graphiql/assets/graphiql.{js,css}, which the api serves itself: the page loads
// nothing from elsewhere and works offline. Skipped when nothing it depends on changed (about 1.5 s
// otherwise). Run by scripts/build.mjs; alone: node scripts/build-graphiql.mjs.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'apps/api/src/graphiql');
const out = join(root, 'dist/apps/api/src/graphiql/assets');
const require = createRequire(import.meta.url);

const inputs = [
  await readFile(join(source, 'client.js')),
  await readFile(join(source, 'client.css')),
  await readFile(fileURLToPath(import.meta.url)),
  ...['graphiql', '@graphiql/react', 'react', 'react-dom', 'graphql', 'esbuild'].map(
    (name) => `${name}@${require(`${name}/package.json`).version}`,
  ),
];
const stamp = createHash('sha256');
for (const input of inputs) stamp.update(input).update('\0');
const digest = stamp.digest('hex');
const stampFile = join(out, 'build.stamp');

const current = await readFile(stampFile, 'utf8').catch(() => '');
const built = await Promise.all(
  ['graphiql.js', 'graphiql.css'].map((f) =>
    readFile(join(out, f)).then(
      () => true,
      () => false,
    ),
  ),
);
if (current === digest && built.every(Boolean)) {
  console.log('graphiql: up to date');
} else {
  await mkdir(out, { recursive: true });
  const result = await build({
    entryPoints: { graphiql: join(source, 'client.js') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    outdir: out,
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: {
      '.woff2': 'dataurl',
      '.woff': 'dataurl',
      '.ttf': 'dataurl',
      '.svg': 'dataurl',
      '.png': 'dataurl',
    },
    legalComments: 'eof',
    logLevel: 'error',
    metafile: true,
  });
  await writeFile(stampFile, digest);
  const sizes = Object.entries(result.metafile.outputs).map(
    ([file, { bytes }]) => `${file.split('/').pop()} ${(bytes / 1024).toFixed(0)} KiB`,
  );
  console.log(`graphiql: bundled ${sizes.join(', ')}`);
}
