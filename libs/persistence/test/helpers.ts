import { randomBytes } from 'node:crypto';

export const SERVER_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';

/** A URL naming a fresh, random database on the test server (not created yet). */
export function randomDatabaseUrl(prefix: string): string {
  return `${SERVER_URL.replace(/\/+$/, '')}/natlens_test_${prefix}_${randomBytes(5).toString('hex')}`;
}
