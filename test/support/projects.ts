// Seeds projects, keys and rows straight through the repositories, for tests that need
// them before the route that makes them is under test.
import { createPrismaClient, ProjectsRepository, type ApiKeyRole, type PrismaClient } from '#persistence';

export async function withPrisma<T>(
  databaseUrl: string,
  fn: (prisma: PrismaClient) => Promise<T>,
): Promise<T> {
  const prisma = createPrismaClient(databaseUrl);
  try {
    return await fn(prisma);
  } finally {
    await prisma.$disconnect();
  }
}

export async function issueKey(
  databaseUrl: string,
  project: string,
  role: ApiKeyRole,
): Promise<{ key: string; projectId: string }> {
  return withPrisma(databaseUrl, async (prisma) => {
    const issued = await new ProjectsRepository(prisma).issueKey(project, role);
    return { key: issued.key, projectId: issued.project.id };
  });
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
}
