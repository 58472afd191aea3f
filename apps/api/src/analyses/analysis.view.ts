import type { AnalysisWithInputs } from '#persistence';

/** The REST shape of an analysis (GET /v1/analyses/:id). */
export function analysisView(a: AnalysisWithInputs) {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    stage: a.stage,
    progress: a.progress,
    error: a.error,
    captures: a.captures.map((c) => c.captureId),
    snapshots: a.snapshots.map((s) => s.snapshotId),
    counts: a.counts ?? null,
    // Per capture id: problems that did not stop the analysis (a last record cut off).
    warnings: ((a.summary ?? {}) as { warnings?: Record<string, string[]> }).warnings ?? {},
    createdAt: a.createdAt.toISOString(),
    startedAt: a.startedAt?.toISOString() ?? null,
    finishedAt: a.finishedAt?.toISOString() ?? null,
    links: { self: `/v1/analyses/${a.id}`, report: `/v1/analyses/${a.id}/report?format=md` },
  };
}
