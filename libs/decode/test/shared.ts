import { fileURLToPath } from 'node:url';

/** A path under `<repo>/../shared`, where the corpora and fixtures live beside every checkout. */
export function sharedPath(...parts: string[]): string {
  return fileURLToPath(new URL(`../../../../shared/${parts.join('/')}`, import.meta.url));
}
