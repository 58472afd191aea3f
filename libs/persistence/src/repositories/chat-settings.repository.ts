import { createHash } from 'node:crypto';
import type { ChatSettings, PrismaClient, Project } from '../generated/client.js';

export type { ChatSettings };

export interface ChatSettingsUpdate {
  /** undefined: keep; null: remove. */
  slackSigningSecret?: string | null;
  /** The Mattermost slash command token; only its sha256 is stored. undefined: keep; null: remove. */
  mattermostToken?: string | null;
  teamIds?: string[];
}

export function hashChatToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A project's chat settings; a team id maps to at most one project. */
export class ChatSettingsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  find(projectId: string): Promise<ChatSettings | null> {
    return this.prisma.chatSettings.findUnique({ where: { projectId } });
  }

  /** The settings (and project) a Slack workspace or Mattermost team id is mapped to. */
  findByTeam(teamId: string): Promise<(ChatSettings & { project: Project }) | null> {
    return this.prisma.chatSettings.findFirst({
      where: { teamIds: { has: teamId } },
      include: { project: true },
    });
  }

  /** Team ids among `teamIds` that another project already claims. */
  async claimedElsewhere(projectId: string, teamIds: string[]): Promise<string[]> {
    if (!teamIds.length) return [];
    const rows = await this.prisma.chatSettings.findMany({
      where: { projectId: { not: projectId }, teamIds: { hasSome: teamIds } },
      select: { teamIds: true },
    });
    const taken = new Set(rows.flatMap((r) => r.teamIds));
    return teamIds.filter((id) => taken.has(id));
  }

  upsert(projectId: string, update: ChatSettingsUpdate): Promise<ChatSettings> {
    const data = {
      ...(update.slackSigningSecret !== undefined ? { slackSigningSecret: update.slackSigningSecret } : {}),
      ...(update.mattermostToken !== undefined
        ? {
            mattermostTokenHash:
              update.mattermostToken === null ? null : hashChatToken(update.mattermostToken),
          }
        : {}),
      ...(update.teamIds !== undefined ? { teamIds: update.teamIds } : {}),
    };
    return this.prisma.chatSettings.upsert({
      where: { projectId },
      create: { projectId, ...data },
      update: data,
    });
  }

  async delete(projectId: string): Promise<boolean> {
    const { count } = await this.prisma.chatSettings.deleteMany({ where: { projectId } });
    return count === 1;
  }
}
