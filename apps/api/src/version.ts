import { readFileSync } from 'node:fs';

/** The package version, read once from the repository's package.json. */
export const NATLENS_VERSION: string = (() => {
  for (const path of ['../../../package.json', '../../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string })
        .version;
    } catch {
      // src/ and dist/ sit at different depths; try the next.
    }
  }
  return '0.0.0';
})();
