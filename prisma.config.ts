// Prisma CLI configuration (Prisma 7 reads the datasource from here, not from schema.prisma).
// Run the CLI through `npm run prisma -- <command>` (scripts/prisma.mjs), which supplies the WebAssembly
// schema engine. The shadow database that `migrate dev` and `migrate diff --from-migrations` need is a
// temporary database that the engine creates next to DATABASE_URL and drops afterwards.
import { defineConfig } from 'prisma/config';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/natlens';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    ...(process.env.SHADOW_DATABASE_URL ? { shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL } : {}),
  },
});
