import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const libs = [
  'config',
  'jobs',
  'platform',
  'capture',
  'decode',
  'correlate',
  'cluster',
  'diagnose',
  'report',
  'analysis',
  'persistence',
];

export default defineConfig({
  plugins: [swc.vite({ jsc: { transform: { legacyDecorator: true, decoratorMetadata: true } } })],
  resolve: {
    // Tests run the TypeScript sources; the package.json "imports" map points at dist/ for Node.
    alias: Object.fromEntries(
      libs.map((name) => [
        `#${name}`,
        fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url)),
      ]),
    ),
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
