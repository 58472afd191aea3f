import type { Job } from 'bullmq';
import { buildAddressBook, buildDataplaneModel, interfaceNames, type ParsedSnapshot } from '#cluster';
import { correlateAsync, fileSource, type CapturePoint, type CorrelateCapture } from '#correlate';
import { diagnose } from '#diagnose';
import type { AnalyzeJobData, DecodeJobResult } from '#jobs';
import type {
  AnalysesRepository,
  Capture,
  CapturesRepository,
  ResultsRepository,
  SnapshotsRepository,
} from '#persistence';
import type { UploadStorage } from '#platform';
import { ProgressReporter } from './progress.js';
import { findingRows, flowRows } from './to-rows.js';

export interface AnalyzeDeps {
  analyses: AnalysesRepository;
  captures: CapturesRepository;
  snapshots: SnapshotsRepository;
  results: ResultsRepository;
  storage: UploadStorage;
}

/**
 * The parent job, once every capture decoded: correlate the captures (with the snapshots'
 * address book), diagnose, and replace the analysis' stored results in one transaction.
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
  const addressBook = parsed.length ? buildAddressBook(parsed) : null;
  const dataplane = parsed.length ? buildDataplaneModel(parsed) : null;

  const correlating = new ProgressReporter(job, deps.analyses, analysisId, 'correlate', 30, 85);
  // The snapshots' `ip addr` name the interface indexes a LINUX_SLL2 capture stores (as the CLI does).
  const names = addressBook ? interfaceNames(parsed, addressBook) : null;
  const points: CapturePoint[] = captures.map((capture) => {
    const pod = capture.podName ? `${capture.podNamespace}/${capture.podName}` : null;
    const podIp = pod && addressBook?.pods.find((p) => `${p.namespace}/${p.name}` === pod)?.ips[0];
    return {
      id: capture.id,
      role: capture.role,
      label: capture.label,
      node: capture.node,
      pod,
      interfaces:
        (capture.role === 'node' && capture.node ? names?.byNode.get(capture.node) : undefined) ??
        (podIp ? names?.byAddress.get(podIp) : undefined) ??
        null,
    };
  });
  const correlation = await correlateAsync(
    captures.map((capture, i) => storedCapture(capture, points[i], deps.storage)),
    {
      addressBook,
      onProgress: (fraction) => correlating.update(fraction),
    },
  );
  await correlating.done();

  const diagnosing = new ProgressReporter(job, deps.analyses, analysisId, 'diagnose', 85, 90);
  const findings = diagnose({ correlation, addressBook, dataplane, captures: points });
  await diagnosing.done();

  const persisting = new ProgressReporter(job, deps.analyses, analysisId, 'persist', 90, 99);
  const captureIds = new Set(captures.map((c) => c.id));
  await deps.results.replace(analysisId, flowRows(correlation, findings, captureIds), findingRows(findings));
  await persisting.done();

  const counts = {
    captures: captures.length,
    snapshots: snapshots.length,
    packets: decoded.reduce((sum, r) => sum + r.packets, 0),
    flows: correlation.flows.length,
    translations: correlation.flows.reduce((sum, f) => sum + f.translations.length, 0),
    findings: findings.length,
    errors: findings.filter((f) => f.severity === 'error').length,
  };
  const summary = {
    clockOffsets: correlation.clockOffsets,
    captures: correlation.captures,
    decode: decoded,
    unpaired: correlation.unpaired,
    ambiguousPairings: correlation.ambiguousPairings,
    conflicts: correlation.conflicts,
    sightings: correlation.sightings,
    hops: correlation.hops,
    flowsByState: tally(correlation.flows.map((f) => f.state)),
  };
  await deps.analyses.markSucceeded(analysisId, summary, counts);
  return counts;
}

/**
 * A stored capture as correlate's input. The packet count the decode stage stored is what lets
 * correlate report progress: without it, the analysis would sit at the start of this stage
 * until correlation ended.
 */
export function storedCapture(
  capture: Pick<Capture, 'storagePath' | 'packetCount'>,
  point: CapturePoint,
  storage: Pick<UploadStorage, 'path'>,
): CorrelateCapture<ReturnType<typeof fileSource>> {
  return {
    point,
    packets: fileSource(storage.path(capture.storagePath), point),
    packetCount: capture.packetCount ?? undefined,
  };
}

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
