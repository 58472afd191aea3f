// The offline analysis shared by `analyze` and `export-flow`: capture files and snapshot files into
// libs/analysis' runner, with progress on stderr. Each capture's id is its label (unique), which
// the report's tables print.
import { basename } from 'node:path';
import { runAnalysis, unique, type AnalysisCapture, type AnalysisResult, type AnalysisSink } from '#analysis';
import { CaptureFormatError } from '#capture';
import type { CapturePoint } from '#correlate';
import { readDecodable } from '#decode';
import { defaultLabel, type CaptureArg, type InputArgs } from './args.js';
import { checkCaptureFile } from './capture-files.js';
import type { Progress } from './progress.js';
import { loadSnapshots } from './snapshots.js';
import { UsageError } from '../usage-error.js';

export interface ResolvedCapture {
  arg: CaptureArg;
  point: CapturePoint;
}

export async function analyzeInputs(
  inputs: InputArgs,
  progress: Progress,
  sink: AnalysisSink,
  options: { maxSightingsPerPerspective?: number } = {},
): Promise<{ captures: ResolvedCapture[]; result: AnalysisResult }> {
  const sizes = await Promise.all(inputs.captures.map((c) => checkCaptureFile(c.file)));
  progress.update('reading snapshots', null);
  const { snapshots, skipped } = await loadSnapshots(inputs.snapshots);
  if (skipped.length)
    progress.warn(`skipped ${skipped.length} file(s) that are no snapshot format: ${skipped.join(', ')}`);
  const labels = new Set<string>();
  const captures: AnalysisCapture[] = inputs.captures.map((arg, i) => {
    const label = unique(arg.label ?? defaultLabel(arg.role, arg.file), labels);
    return {
      id: label,
      role: arg.role,
      label,
      labelNamesNode: arg.role === 'node' && arg.label !== null,
      fileName: basename(arg.file),
      node: arg.node ?? null,
      pod: arg.pod ?? null,
      read: () => readDecodable(arg.file),
      sizeBytes: sizes[i],
    };
  });
  try {
    const result = await runAnalysis({
      captures,
      snapshots,
      sink,
      options: {
        maxSightingsPerPerspective: options.maxSightingsPerPerspective,
        warn: (_capture, message) => progress.warn(message),
        onProgress: (stage, fraction, detail) =>
          progress.update(stage === 'correlating' ? 'reading captures' : stage, fraction, detail ?? ''),
      },
    });
    return { captures: inputs.captures.map((arg, i) => ({ arg, point: result.points[i] })), result };
  } catch (error) {
    // A capture that is not what it claims to be is bad input (exit 2), named with its offset.
    if (error instanceof CaptureFormatError) throw new UsageError(error.message);
    throw error;
  }
}
