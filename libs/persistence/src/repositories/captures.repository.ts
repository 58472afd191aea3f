import type { Capture, CaptureRole, Prisma, PrismaClient } from '../prisma.js';

export interface NewCapture {
  projectId: string;
  role: CaptureRole;
  label: string;
  node: string | null;
  podNamespace: string | null;
  podName: string | null;
  fileName: string;
  sha256: string;
  sizeBytes: number;
  format: string;
  compressed: boolean;
  linkTypes: number[];
  storagePath: string;
}

/** Captures, always looked up within a project. */
export class CapturesRepository {
  constructor(private readonly prisma: PrismaClient) {}

  findBySha256(projectId: string, sha256: string): Promise<Capture | null> {
    return this.prisma.capture.findUnique({ where: { projectId_sha256: { projectId, sha256 } } });
  }

  /** Creates the row; if the same bytes raced in first, returns theirs with `created: false`. */
  async create(input: NewCapture): Promise<{ capture: Capture; created: boolean }> {
    try {
      const capture = await this.prisma.capture.create({
        data: { ...input, sizeBytes: BigInt(input.sizeBytes) },
      });
      return { capture, created: true };
    } catch (error) {
      if ((error as Prisma.PrismaClientKnownRequestError).code !== 'P2002') throw error;
      const existing = await this.findBySha256(input.projectId, input.sha256);
      if (!existing) throw error;
      return { capture: existing, created: false };
    }
  }

  find(projectId: string, id: string): Promise<Capture | null> {
    return this.prisma.capture.findFirst({ where: { id, projectId } });
  }

  /** In the order of `ids` (an analysis' order), missing ones left out. */
  async findMany(ids: string[]): Promise<Capture[]> {
    const rows = await this.prisma.capture.findMany({ where: { id: { in: ids } } });
    const at = new Map(ids.map((id, i) => [id, i]));
    return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
  }

  list(projectId: string, take = 100): Promise<Capture[]> {
    return this.prisma.capture.findMany({ where: { projectId }, orderBy: { createdAt: 'desc' }, take });
  }

  async setPacketCount(id: string, packetCount: number, linkTypes: number[]): Promise<void> {
    await this.prisma.capture.update({ where: { id }, data: { packetCount, linkTypes } });
  }

  /** Analyses using this capture that have not finished: it cannot be deleted under them. */
  liveAnalyses(captureId: string): Promise<{ analysisId: string }[]> {
    return this.prisma.analysisCapture.findMany({
      where: { captureId, analysis: { status: { in: ['QUEUED', 'RUNNING'] } } },
      select: { analysisId: true },
    });
  }

  async delete(projectId: string, id: string): Promise<Capture | null> {
    const capture = await this.find(projectId, id);
    if (!capture) return null;
    await this.prisma.capture.delete({ where: { id } });
    return capture;
  }
}
