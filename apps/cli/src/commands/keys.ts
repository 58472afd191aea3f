// `natlens keys create --project NAME [--role admin|write|read] [--name TEXT]`: server-side
// admin. Talks to the database in DATABASE_URL directly (applying migrations first), so the
// very first key can be made before anyone can authenticate.
import { parseArgs } from 'node:util';
import { loadConfig } from '#config';
import { applyMigrations, createPrismaClient, ProjectsRepository, type ApiKeyRole } from '#persistence';
import { UsageError } from '../usage-error.js';

const ROLES = ['admin', 'write', 'read'];
const USAGE = 'usage: natlens keys create --project NAME [--role admin|write|read] [--name TEXT]';

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'create') throw new UsageError(USAGE);
  let values: { project?: string; role?: string; name?: string };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        project: { type: 'string' },
        role: { type: 'string', default: 'admin' },
        name: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!values.project) throw new UsageError(`--project is required\n${USAGE}`);
  if (!ROLES.includes(values.role!)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);

  const config = loadConfig();
  await applyMigrations(config.databaseUrl);
  const prisma = createPrismaClient(config.databaseUrl);
  try {
    const issued = await new ProjectsRepository(prisma).issueKey(
      values.project,
      values.role as ApiKeyRole,
      values.name,
    );
    process.stderr.write(
      `created ${issued.apiKey.role} key ${issued.apiKey.id} for project ${issued.project.name}; ` +
        `it is shown once, store it now:\n`,
    );
    process.stdout.write(`${issued.key}\n`);
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}
