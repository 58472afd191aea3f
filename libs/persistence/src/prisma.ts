// The Prisma client on @prisma/adapter-pg (no native query engine). Prisma is used only inside this lib.
import { PrismaPg } from '@prisma/adapter-pg';

import { PrismaClient } from './generated/client.js';

export { Prisma, PrismaClient, ApiKeyRole, CaptureRole, AnalysisStatus } from './generated/client.js';
export type {
  Project,
  ApiKey,
  Capture,
  Snapshot,
  Analysis,
  AnalysisCapture,
  AnalysisSnapshot,
} from './generated/client.js';

export interface PrismaClientOptions {
  /** Pool size of the underlying pg.Pool (pg's default is 10). */
  maxConnections?: number;
}

/**
 * A PrismaClient connected to `databaseUrl` through a pg pool. Call `$disconnect()` when done.
 * A `?schema=` parameter in the URL selects the PostgreSQL schema.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const adapter = new PrismaPg(
    { connectionString: url.toString(), ...(options.maxConnections ? { max: options.maxConnections } : {}) },
    schema ? { schema } : undefined,
  );
  return new PrismaClient({ adapter });
}
