import type { Job } from 'bullmq';
import { CaptureProfiler, tolerantRead } from '#analysis';
import { CaptureRecord } from '#capture';
import { decodePacket, DecodedPacket, readDecodable, STATUS_MALFORMED, STATUS_TRUNCATED } from '#decode';
import type { DecodeJobData, DecodeJobResult } from '#jobs';
import type { AnalysesRepository, CapturesRepository } from '#persistence';
import type { MetricsStore, UploadStorage } from '#platform';
import { ProgressReporter } from './progress.js';

/**
 * Decodes one capture end to end, in parallel with the other captures: validates it before the
 * expensive correlation, counts its packets and link types for the capture row (they drive the
 * correlation's progress), and profiles its first packets (its own address, the node its traffic
 * names), which the analyze job uses instead of reading the capture for them again. A last
 * record cut off (a killed tcpdump) is a warning, as offline.
 */
export async function decodeStage(
  job: Job<DecodeJobData>,
  deps: {
    captures: CapturesRepository;
    analyses: AnalysesRepository;
    storage: UploadStorage;
    metrics: MetricsStore;
  },
): Promise<DecodeJobResult | null> {
  const { analysisId, captureId } = job.data;
  const [capture] = await deps.captures.findMany([captureId]);
  if (!capture) return null;
  const path = deps.storage.path(capture.storagePath);
  const total = Number(capture.sizeBytes) || 1;
  const progress = new ProgressReporter(job, deps.analyses, analysisId, 'decode', 0, 30);
  const rec = new CaptureRecord();
  const packet = new DecodedPacket();
  const profiler = new CaptureProfiler();
  const linkTypes = new Set<number>();
  const result: DecodeJobResult = { captureId, packets: 0, truncated: 0, malformed: 0, linkTypes: [] };
  const read = tolerantRead(
    () => readDecodable(path, { name: capture.fileName }),
    (message) => (result.warning = message),
  );
  for await (const batch of read()) {
    for (const iface of batch.interfaces) linkTypes.add(iface.linktype);
    for (let i = 0; i < batch.count; i++) {
      decodePacket(batch.record(i, rec), packet);
      if (!profiler.done) profiler.add(packet);
      if (packet.status === STATUS_TRUNCATED) result.truncated++;
      else if (packet.status === STATUS_MALFORMED) result.malformed++;
    }
    result.packets += batch.count;
    // File offsets count decompressed bytes; for gzip this overshoots and is clamped.
    if (batch.count) progress.update(batch.fileOffset[batch.count - 1] / total);
  }
  result.linkTypes = [...linkTypes];
  result.profile = profiler.profile();
  await deps.captures.setPacketCount(captureId, result.packets, result.linkTypes);
  await deps.metrics.add('packets_decoded_total', result.packets).catch(() => undefined);
  await progress.done();
  return result;
}
