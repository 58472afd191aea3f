import type { PrismaClient } from '../generated/client.js';

/** Secrets the server makes for itself once and keeps (table server_secrets), shared by every process. */
export class ServerSecretsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * The secret called `name`, created from `generate()` if there is none yet. Processes racing to
   * create it all end up with the one that was stored first.
   */
  async getOrCreate(name: string, generate: () => string): Promise<string> {
    const found = await this.prisma.serverSecret.findUnique({ where: { name } });
    if (found) return found.value;
    await this.prisma.serverSecret.createMany({ data: [{ name, value: generate() }], skipDuplicates: true });
    const stored = await this.prisma.serverSecret.findUniqueOrThrow({ where: { name } });
    return stored.value;
  }
}
