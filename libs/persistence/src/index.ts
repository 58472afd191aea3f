// libs/persistence: PostgreSQL through Prisma (the only place Prisma is imported), database lifecycle
// helpers and migrations.
export { ensureDatabase, dropDatabase, pingDatabase, parseDatabaseUrl, redactUrl } from './database.js';
export type { DatabaseTarget } from './database.js';
export { applyMigrations, checkMigrationDrift, migrationNames, repoRoot } from './migrate.js';
export type { DriftReport } from './migrate.js';
export {
  createPrismaClient,
  Prisma,
  PrismaClient,
  ApiKeyRole,
  CaptureRole,
  AnalysisStatus,
} from './prisma.js';
export type {
  PrismaClientOptions,
  Project,
  ApiKey,
  Capture,
  Snapshot,
  Analysis,
  AnalysisCapture,
  AnalysisSnapshot,
} from './prisma.js';
export * from './repositories/index.js';
