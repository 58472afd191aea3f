// A capture's records as the runner reads them: a record cut off at the end (what tcpdump leaves
// when it is killed) ends the capture with a warning instead of failing the analysis; bytes read
// are reported for progress. Any other format error is the capture's fault and propagates.
import { CaptureFormatError, type RecordBatch } from '#capture';
import { CaptureRecord } from '#capture';
import { DecodedPacket, decodePacket } from '#decode';
import { CaptureProfiler, type CaptureProfile } from './capture-profile.js';

export function tolerantRead(
  source: () => AsyncIterable<RecordBatch>,
  warn: (message: string) => void,
  onBytes?: (bytes: number, pass: number) => void,
): () => AsyncIterable<RecordBatch> {
  let passes = 0;
  let warned = false;
  return async function* read() {
    const pass = passes++;
    try {
      for await (const batch of source()) {
        onBytes?.(batch.count ? batch.fileOffset[batch.count - 1] : 0, pass);
        yield batch;
      }
    } catch (error) {
      if (!(error instanceof CaptureFormatError) || error.code !== 'TRUNCATED_RECORD') throw error;
      if (!warned) warn(`${error.message}; using the records before it`);
      warned = true;
    }
    onBytes?.(Number.POSITIVE_INFINITY, pass);
  };
}

/** Reads a capture's first packets for its profile (format errors surface when it is correlated). */
export async function profileCapture(read: () => AsyncIterable<RecordBatch>): Promise<CaptureProfile> {
  const profiler = new CaptureProfiler();
  const rec = new CaptureRecord();
  const p = new DecodedPacket();
  try {
    outer: for await (const batch of read()) {
      for (let i = 0; i < batch.count; i++) {
        profiler.add(decodePacket(batch.record(i, rec), p));
        if (profiler.done) break outer;
      }
    }
  } catch {
    // Reported, with its offset, by the correlation's read.
  }
  return profiler.profile();
}
