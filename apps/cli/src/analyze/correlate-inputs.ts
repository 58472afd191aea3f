// The offline pipeline up to correlation, shared by `analyze` and `export-flow`: snapshots -> address
// book and dataplane model, captures -> capture points -> correlateAsync, with progress on stderr.
import { buildAddressBook, buildDataplaneModel, type AddressBook, type DataplaneModel } from '#cluster';
import { correlateAsync, type CorrelationResult } from '#correlate';
import type { InputArgs } from './args.js';
import { captureSource, checkCaptureFile } from './capture-files.js';
import { resolveCapturePoints, type ResolvedCapture } from './capture-points.js';
import { megabytes, type Progress } from './progress.js';
import { loadSnapshots } from './snapshots.js';

export interface CorrelatedInputs {
  captures: ResolvedCapture[];
  addressBook: AddressBook;
  dataplane: DataplaneModel;
  correlation: CorrelationResult;
}

export async function correlateInputs(
  inputs: InputArgs,
  progress: Progress,
  options: { maxSightingsPerPerspective?: number } = {},
): Promise<CorrelatedInputs> {
  const sizes = await Promise.all(inputs.captures.map((c) => checkCaptureFile(c.file)));
  progress.update('reading snapshots', null);
  const { snapshots, skipped } = await loadSnapshots(inputs.snapshots);
  if (skipped.length)
    progress.warn(`skipped ${skipped.length} file(s) that are no snapshot format: ${skipped.join(', ')}`);
  const addressBook = buildAddressBook(snapshots);
  const dataplane = buildDataplaneModel(snapshots);
  const captures = await resolveCapturePoints(inputs.captures, addressBook, snapshots);

  // Correlate reads every capture twice: a prefix to estimate clock offsets, then all of it.
  const total = sizes.reduce((a, b) => a + b, 0) || 1;
  const read = sizes.map(() => 0);
  const onBytes = (i: number) => (bytes: number, pass: number) => {
    if (pass === 0) return progress.update('estimating clock offsets', null, captures[i].point.label ?? '');
    read[i] = Math.min(bytes, sizes[i]);
    const sum = read.reduce((a, b) => a + b, 0);
    const label = captures[i].point.label ?? '';
    progress.update(
      'reading captures',
      sum / total,
      `${label} ${megabytes(read[i])} of ${megabytes(sizes[i])}`,
    );
  };
  const correlation = await correlateAsync(
    captures.map(({ arg, point }, i) => ({
      point,
      packets: captureSource(arg.file, {
        interfaces: point.interfaces ?? null,
        onBytes: onBytes(i),
        warn: (m) => progress.warn(m),
      }),
    })),
    {
      addressBook,
      maxSightingsPerPerspective: options.maxSightingsPerPerspective,
    },
  );
  return { captures, addressBook, dataplane, correlation };
}
