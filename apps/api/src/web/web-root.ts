// Where the web UI's files are: apps/web in the checkout, found from the compiled module
// (dist/apps/api/src/web/) or from the source (apps/api/src/web/) when tests run it directly.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function webRoot(): string {
  const candidates = ['../../../../../apps/web/', '../../../web/'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  const found = candidates.find((dir) => existsSync(`${dir}index.html`));
  if (!found) throw new Error(`natlens api: the web UI is missing (looked in ${candidates.join(', ')})`);
  return found;
}
