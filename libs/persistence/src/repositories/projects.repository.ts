import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, ApiKeyRole, PrismaClient, Project } from '../prisma.js';

/** API keys look like `nl_<43 base64url chars>`; only their sha256 is stored. */
export const API_KEY_PREFIX = 'nl_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface IssuedApiKey {
  /** The full key: shown once, never stored. */
  key: string;
  apiKey: ApiKey;
  project: Project;
}

/** Projects and their API keys. */
export class ProjectsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates the project if it does not exist, then a new key on it. */
  async issueKey(projectName: string, role: ApiKeyRole, keyName = `${role} key`): Promise<IssuedApiKey> {
    const project = await this.prisma.project.upsert({
      where: { name: projectName },
      create: { name: projectName },
      update: {},
    });
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const apiKey = await this.prisma.apiKey.create({
      data: { projectId: project.id, name: keyName, role, prefix: key.slice(0, 10), hash: hashApiKey(key) },
    });
    return { key, apiKey, project };
  }

  /** The live key with this secret and its project, or null (unknown or revoked). */
  async authenticate(key: string): Promise<(ApiKey & { project: Project }) | null> {
    if (!key.startsWith(API_KEY_PREFIX)) return null;
    const apiKey = await this.prisma.apiKey.findUnique({
      where: { hash: hashApiKey(key) },
      include: { project: true },
    });
    if (!apiKey || apiKey.revokedAt) return null;
    return apiKey;
  }

  /** Revokes a live key by id (or its shown prefix); false when there is no such live key. */
  async revokeKey(idOrPrefix: string): Promise<boolean> {
    const byId = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
    const { count } = await this.prisma.apiKey.updateMany({
      where: { ...(byId ? { id: idOrPrefix } : { prefix: idOrPrefix }), revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }

  /** Keys (never their secrets), newest first, optionally of one project. */
  listKeys(projectName?: string): Promise<(ApiKey & { project: Project })[]> {
    return this.prisma.apiKey.findMany({
      where: projectName ? { project: { name: projectName } } : {},
      include: { project: true },
      orderBy: { createdAt: 'desc' },
    });
  }
}
