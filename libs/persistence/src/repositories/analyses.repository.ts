import type { Analysis, Prisma, PrismaClient } from '../prisma.js';

export interface NewAnalysis {
  projectId: string;
  name?: string | null;
  captureIds: string[];
  snapshotIds: string[];
}

export type AnalysisWithInputs = Analysis & {
  captures: { captureId: string }[];
  snapshots: { snapshotId: string }[];
};

/** An analysis' captures and snapshots in the order they were given (the report's order). */
const INPUTS = {
  captures: { select: { captureId: true }, orderBy: { position: 'asc' } },
  snapshots: { select: { snapshotId: true }, orderBy: { position: 'asc' } },
} as const;

/** Analyses and their lifecycle QUEUED → RUNNING → SUCCEEDED | FAILED. */
export class AnalysesRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(input: NewAnalysis): Promise<AnalysisWithInputs> {
    return this.prisma.analysis.create({
      data: {
        projectId: input.projectId,
        name: input.name ?? null,
        captures: { create: input.captureIds.map((captureId, position) => ({ captureId, position })) },
        snapshots: { create: input.snapshotIds.map((snapshotId, position) => ({ snapshotId, position })) },
      },
      include: INPUTS,
    });
  }

  /** Which of these capture and snapshot ids do not exist in the project (each a 404 for the caller). */
  async missingInputs(
    projectId: string,
    captureIds: string[],
    snapshotIds: string[],
  ): Promise<{ captures: string[]; snapshots: string[] }> {
    const [captures, snapshots] = await Promise.all([
      this.prisma.capture.findMany({ where: { projectId, id: { in: captureIds } }, select: { id: true } }),
      this.prisma.snapshot.findMany({ where: { projectId, id: { in: snapshotIds } }, select: { id: true } }),
    ]);
    const found = new Set([...captures, ...snapshots].map((row) => row.id));
    return {
      captures: captureIds.filter((id) => !found.has(id)),
      snapshots: snapshotIds.filter((id) => !found.has(id)),
    };
  }

  /** Only within the project: another project's analysis does not exist for the caller. */
  find(projectId: string, id: string): Promise<AnalysisWithInputs | null> {
    return this.prisma.analysis.findFirst({
      where: { id, projectId },
      include: INPUTS,
    });
  }

  findById(id: string): Promise<AnalysisWithInputs | null> {
    return this.prisma.analysis.findUnique({
      where: { id },
      include: INPUTS,
    });
  }

  list(projectId: string, take = 50): Promise<Analysis[]> {
    return this.prisma.analysis.findMany({ where: { projectId }, orderBy: { createdAt: 'desc' }, take });
  }

  /** Only while RUNNING: a late progress write never resurrects a finished analysis. */
  /** Progress only moves forward: parallel decode jobs of one analysis each report their own. */
  async setProgress(id: string, stage: string, progress: number): Promise<void> {
    await this.prisma.analysis.updateMany({
      where: { id, status: 'RUNNING', progress: { lt: Math.round(progress) } },
      data: { stage, progress: Math.max(0, Math.min(100, Math.round(progress))) },
    });
  }

  /** The first job of a run moves QUEUED to RUNNING; the others (parallel decodes) leave it be. */
  async markRunning(id: string): Promise<void> {
    await this.prisma.analysis.updateMany({
      where: { id, status: 'QUEUED' },
      data: { status: 'RUNNING', startedAt: new Date(), error: null, progress: 0 },
    });
  }

  /** `summary` and `counts` are plain JSON (the correlator's own result types). */
  async markSucceeded(id: string, summary: object, counts: object): Promise<void> {
    await this.prisma.analysis.update({
      where: { id },
      data: {
        status: 'SUCCEEDED',
        stage: null,
        progress: 100,
        summary: summary as Prisma.InputJsonValue,
        counts: counts as Prisma.InputJsonValue,
        finishedAt: new Date(),
      },
    });
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.prisma.analysis.update({
      where: { id },
      data: { status: 'FAILED', error, finishedAt: new Date() },
    });
  }

  /** Deletes the analysis and (by cascade) its results; false when it is not in the project. */
  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.analysis.deleteMany({ where: { id, projectId } });
    return count === 1;
  }

  /** Puts a finished analysis back to QUEUED for a re-run; false when it is still running. */
  async requeue(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.analysis.updateMany({
      where: { id, projectId, status: { in: ['SUCCEEDED', 'FAILED'] } },
      data: { status: 'QUEUED', stage: null, progress: 0, error: null, startedAt: null, finishedAt: null },
    });
    return count === 1;
  }

  /** Analyses per status, for /metrics. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.prisma.analysis.groupBy({ by: ['status'], _count: { _all: true } });
    return Object.fromEntries(rows.map((r) => [r.status, r._count._all]));
  }
}
