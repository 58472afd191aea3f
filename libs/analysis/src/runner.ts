// runAnalysis: the one analysis the CLI and the worker both run. Snapshots -> address book and
// dataplane model; captures -> capture points (what the user said, else what the packets and the
// snapshots say); correlation, whose finished flows go one by one to the diagnosis' running totals
// and to the sink; then the findings. Memory holds the pairing window, the flows still open and
// the diagnosis' bounded evidence, never every flow.
import { buildAddressBook, buildDataplaneModel } from '#cluster';
import { batchSource, correlateAsync, type Flow } from '#correlate';
import { DiagnoseCollector } from '#diagnose';
import { sortByPath } from '#report';
import { profileCapture, tolerantRead } from './capture-source.js';
import { resolveCapturePoints } from './capture-points.js';
import type { AnalysisInput, AnalysisResult } from './types.js';

export async function runAnalysis(input: AnalysisInput): Promise<AnalysisResult> {
  const { captures, snapshots, sink, options = {} } = input;
  const progress = options.onProgress ?? (() => undefined);
  progress('reading snapshots', null);
  const addressBook = buildAddressBook(snapshots);
  const dataplane = buildDataplaneModel(snapshots);

  progress('profiling captures', null);
  const profiled = [];
  for (const capture of captures)
    profiled.push({ capture, profile: capture.profile ?? (await profileCapture(capture.read)) });
  const points = resolveCapturePoints(profiled, addressBook, snapshots);
  await sink.start?.(points);

  const warnings: Record<string, string[]> = {};
  const warn = (i: number) => (message: string) => {
    (warnings[captures[i].id] ??= []).push(message);
    options.warn?.(captures[i], message);
  };
  // Progress by packets when every count is known (the server), else by bytes read (offline).
  const byPackets = captures.every((c) => (c.packetCount ?? 0) > 0);
  const sizes = captures.map((c) => c.sizeBytes ?? 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const read = sizes.map(() => 0);
  const onBytes = (i: number) => (bytes: number, pass: number) => {
    if (byPackets || pass === 0 || !total) return;
    read[i] = Math.min(bytes, sizes[i]);
    progress('correlating', read.reduce((a, b) => a + b, 0) / total, captures[i].label ?? captures[i].id);
  };

  const roles = new Map(points.map((p) => [p.id, p.role]));
  const collector = new DiagnoseCollector(
    { addressBook, dataplane, captures: points },
    options.maxNotableFlows,
  );
  let flowCount = 0;
  const { flows: _none, ...correlation } = await correlateAsync(
    captures.map((c, i) => ({
      point: points[i],
      packets: batchSource(tolerantRead(c.read, warn(i), onBytes(i)), points[i]),
      packetCount: byPackets ? (c.packetCount ?? undefined) : undefined,
    })),
    {
      addressBook,
      maxSightingsPerPerspective: options.maxSightingsPerPerspective,
      onProgress: byPackets ? (fraction) => progress('correlating', fraction) : undefined,
      onFlow: (flow: Flow, clock) => {
        // Path order with the offsets known now: every later reader keeps this order.
        flow.perspectives = sortByPath(flow, flow.perspectives, clock, roles);
        flowCount++;
        collector.add(flow);
        sink.flow(flow);
      },
    },
  );

  progress('diagnosing', null);
  const findings = collector.finish(correlation);
  const result: AnalysisResult = {
    points,
    addressBook,
    dataplane,
    correlation,
    warnings,
    findings,
    flowsNotKept: collector.notKept,
    flowCount,
  };
  progress('writing', null);
  await sink.finish(result);
  return result;
}
