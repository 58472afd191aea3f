import type { Job } from 'bullmq';
import { runAnalysis, type AnalysisCapture, type AnalysisStage } from '#analysis';
import type { ParsedSnapshot } from '#cluster';
import { readDecodable } from '#decode';
import type { AnalyzeJobData, DecodeJobResult } from '#jobs';
import type {
  AnalysesRepository,
  Capture,
  CapturesRepository,
  FlowRow,
  ResultsRepository,
  SnapshotsRepository,
} from '#persistence';
import type { UploadStorage } from '#platform';
import { ProgressReporter } from './progress.js';
import { addFindingCodes, findingRows, flowRow } from './to-rows.js';

export interface AnalyzeDeps {
  analyses: AnalysesRepository;
  captures: CapturesRepository;
  snapshots: SnapshotsRepository;
  results: ResultsRepository;
  storage: UploadStorage;
}

/** The slice of 0–100 each stage of the runner covers (decode children had 0–30). */
const SLICES: Partial<Record<AnalysisStage, [string, number, number]>> = {
  correlating: ['correlate', 30, 85],
  diagnosing: ['diagnose', 85, 90],
  writing: ['persist', 90, 99],
};

/**
 * The parent job, once every capture decoded: libs/analysis' runner (the one `natlens analyze`
 * runs) over the stored captures and snapshots, with the profiles the decode children gathered;
 * each finished flow becomes its rows at once, and the results replace the analysis' stored ones
 * in one transaction.
 */
export async function analyzeStage(
  job: Job<AnalyzeJobData>,
  deps: AnalyzeDeps,
): Promise<Record<string, number>> {
  const { analysisId } = job.data;
  const analysis = await deps.analyses.findById(analysisId);
  if (!analysis) return {};
  const decoded = Object.values(await job.getChildrenValues<DecodeJobResult | null>()).filter(
    (r): r is DecodeJobResult => !!r,
  );
  const captures = await deps.captures.findMany(analysis.captures.map((c) => c.captureId));
  const snapshots = await deps.snapshots.findMany(analysis.snapshots.map((s) => s.snapshotId));
  const parsed = snapshots.map((s) => s.parsed as unknown as ParsedSnapshot);

  const reporters = new Map<string, ProgressReporter>();
  const progress = (stage: AnalysisStage, fraction: number | null) => {
    const slice = SLICES[stage];
    if (!slice) return;
    let r = reporters.get(slice[0]);
    if (!r) reporters.set(slice[0], (r = new ProgressReporter(job, deps.analyses, analysisId, ...slice)));
    r.update(fraction ?? 0);
  };
  const captureIds = new Set(captures.map((c) => c.id));
  const rows: FlowRow[] = [];
  const result = await runAnalysis({
    captures: storedCaptures(captures, decoded, deps.storage),
    snapshots: parsed,
    sink: {
      flow: (flow) => rows.push(flowRow(flow, captureIds)),
      finish: async (r) => {
        progress('writing', 0);
        addFindingCodes(rows, r.findings);
        await deps.results.replace(analysisId, rows, findingRows(r.findings));
      },
    },
    options: { onProgress: progress },
  });
  for (const r of reporters.values()) await r.done();

  const warnings = { ...result.warnings };
  // The decode job saw the same cut-off record the runner did: said once.
  for (const d of decoded) {
    const list = (warnings[d.captureId] ??= []);
    if (d.warning && !list.includes(d.warning)) list.push(d.warning);
    if (!list.length) delete warnings[d.captureId];
  }
  const counts = {
    captures: captures.length,
    snapshots: snapshots.length,
    packets: decoded.reduce((sum, r) => sum + r.packets, 0),
    flows: result.flowCount,
    translations: rows.reduce((sum, f) => sum + f.translations.length, 0),
    findings: result.findings.length,
    errors: result.findings.filter((f) => f.severity === 'error').length,
  };
  const { correlation } = result;
  const summary = {
    // Where each capture was taken, as the runner resolved it (the report's capture table).
    points: result.points.map(({ interfaces: _interfaces, ...p }) => p),
    warnings,
    clockOffsets: correlation.clockOffsets,
    captures: correlation.captures,
    decode: decoded.map(({ profile: _profile, ...d }) => d),
    unpaired: correlation.unpaired,
    ambiguousPairings: correlation.ambiguousPairings,
    conflicts: correlation.conflicts,
    sightings: correlation.sightings,
    hops: correlation.hops,
    flowsByState: tally(rows.map((f) => f.state)),
    flowsNotKept: result.flowsNotKept,
  };
  await deps.analyses.markSucceeded(analysisId, summary, counts);
  return counts;
}

/** The stored captures as the runner's input, with what their decode jobs found. */
export function storedCaptures(
  captures: Capture[],
  decoded: DecodeJobResult[],
  storage: Pick<UploadStorage, 'path'>,
): AnalysisCapture[] {
  const byCapture = new Map(decoded.map((d) => [d.captureId, d]));
  return captures.map((capture) => ({
    id: capture.id,
    role: capture.role,
    label: capture.label,
    fileName: capture.fileName,
    node: capture.node,
    pod: capture.podName ? `${capture.podNamespace}/${capture.podName}` : null,
    read: () => readDecodable(storage.path(capture.storagePath), { name: capture.fileName }),
    sizeBytes: Number(capture.sizeBytes),
    packetCount: byCapture.get(capture.id)?.packets ?? capture.packetCount,
    profile: byCapture.get(capture.id)?.profile ?? null,
  }));
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
