#!/usr/bin/env node
// The `natlens` command (package.json "bin"). The CLI is compiled into dist/ by
// `npm ci` (the prepare script); this shim only finds it.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('natlens: not built yet; run `npm ci` (or `npm run build`) in the natlens checkout\n');
  process.exit(2);
}
await import(entry.href);
