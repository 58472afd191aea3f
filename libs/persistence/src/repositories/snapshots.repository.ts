import type { Prisma, PrismaClient, Snapshot } from '../prisma.js';

export interface NewSnapshot {
  projectId: string;
  kind: string;
  node: string | null;
  fileName: string | null;
  sha256: string;
  sizeBytes: number;
  raw: string;
  parsed: Prisma.InputJsonValue;
  skipped: Prisma.InputJsonValue;
}

/** Snapshots, always looked up within a project. */
export class SnapshotsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: NewSnapshot): Promise<{ snapshot: Snapshot; created: boolean }> {
    const existing = await this.prisma.snapshot.findUnique({
      where: { projectId_sha256: { projectId: input.projectId, sha256: input.sha256 } },
    });
    if (existing) return { snapshot: existing, created: false };
    try {
      const snapshot = await this.prisma.snapshot.create({
        data: { ...input, sizeBytes: BigInt(input.sizeBytes) },
      });
      return { snapshot, created: true };
    } catch (error) {
      if ((error as Prisma.PrismaClientKnownRequestError).code !== 'P2002') throw error;
      const raced = await this.prisma.snapshot.findUnique({
        where: { projectId_sha256: { projectId: input.projectId, sha256: input.sha256 } },
      });
      if (!raced) throw error;
      return { snapshot: raced, created: false };
    }
  }

  find(projectId: string, id: string): Promise<Snapshot | null> {
    return this.prisma.snapshot.findFirst({ where: { id, projectId } });
  }

  /** In the order of `ids` (an analysis' order), missing ones left out. */
  async findMany(ids: string[]): Promise<Snapshot[]> {
    const rows = await this.prisma.snapshot.findMany({ where: { id: { in: ids } } });
    const at = new Map(ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
  }

  list(projectId: string, take = 100): Promise<Omit<Snapshot, 'raw' | 'parsed'>[]> {
    return this.prisma.snapshot.findMany({
      where: { projectId },
      orderBy: { createdAt: 'desc' },
      take,
      omit: { raw: true, parsed: true },
    });
  }

  async delete(projectId: string, id: string): Promise<Snapshot | null> {
    const snapshot = await this.find(projectId, id);
    if (!snapshot) return null;
    await this.prisma.snapshot.delete({ where: { id } });
    return snapshot;
  }
}
