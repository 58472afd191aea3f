// `natlens keys create|list|revoke`: server-side admin. Talks to the database in
// DATABASE_URL directly (applying migrations first), so the very first key can be made
// before anyone can authenticate.
import { parseArgs } from 'node:util';
import { loadConfig } from '#config';
import { applyMigrations, createPrismaClient, ProjectsRepository, type ApiKeyRole } from '#persistence';
import { UsageError } from '../usage-error.js';

const ROLES = ['admin', 'write', 'read'];
const USAGE = [
  'usage: natlens keys create --project NAME [--role admin|write|read] [--name TEXT]',
  '       natlens keys list [--project NAME]',
  '       natlens keys revoke ID|PREFIX',
].join('\n');

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  let parsed: { values: { project?: string; role?: string; name?: string }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        role: { type: 'string', default: 'admin' },
        name: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (action === 'create') {
    if (!values.project) throw new UsageError(`--project is required\n${USAGE}`);
    if (!ROLES.includes(values.role!)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  } else if (action === 'revoke') {
    if (positionals.length !== 1) throw new UsageError(`revoke takes one key id or prefix\n${USAGE}`);
  } else if (action !== 'list') throw new UsageError(USAGE);

  const config = loadConfig();
  await applyMigrations(config.databaseUrl);
  const prisma = createPrismaClient(config.databaseUrl);
  const projects = new ProjectsRepository(prisma);
  try {
    if (action === 'create') {
      const issued = await projects.issueKey(values.project!, values.role as ApiKeyRole, values.name);
      process.stderr.write(
        `created ${issued.apiKey.role} key ${issued.apiKey.id} for project ${issued.project.name}; ` +
          `it is shown once, store it now:\n`,
      );
      process.stdout.write(`${issued.key}\n`);
      return 0;
    }
    if (action === 'revoke') {
      if (await projects.revokeKey(positionals[0])) {
        process.stderr.write(`revoked key ${positionals[0]}\n`);
        return 0;
      }
      process.stderr.write(`natlens: no live key ${positionals[0]}\n`);
      return 2;
    }
    for (const key of await projects.listKeys(values.project))
      process.stdout.write(
        `${key.id}  ${key.prefix}…  ${key.role.padEnd(5)}  ${key.project.name}  ${key.name}` +
          `${key.revokedAt ? `  revoked ${key.revokedAt.toISOString()}` : ''}\n`,
      );
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}
