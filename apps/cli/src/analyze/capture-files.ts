// Capture files as correlate's packet sources: checked up front (exists, is a pcap/pcapng/gzip), read
// with libs/capture + libs/decode, reporting bytes read for the progress bar. A file cut short by a
// killed tcpdump keeps the records before the cut (with a warning); any other format error is exit 2.
import { open, stat } from 'node:fs/promises';
import { CaptureFormatError, CaptureRecord, sniffFormat, type RecordBatch } from '#capture';
import { DecodeAdapter, type CorrelatePacket } from '#correlate';
import { DecodedPacket, decodePacket, readDecodable } from '#decode';
import { UsageError } from '../usage-error.js';
import { reason } from './errno.js';

/** Checks that `file` can be read as a capture; returns its size in bytes. */
export async function checkCaptureFile(file: string): Promise<number> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError(`${file}: not a capture file (a directory or device)`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: cannot read capture (${reason(error)})`);
  }
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (sniffFormat(head.subarray(0, bytesRead)) === null) {
      const hex = Buffer.from(head.subarray(0, bytesRead)).toString('hex') || 'nothing';
      throw new UsageError(`${file}: not a pcap, pcapng or gzip-compressed capture (starts with ${hex})`);
    }
  } finally {
    await handle.close();
  }
  return size;
}

/** Turns a capture's format errors into exit-2 messages; a cut-short last record only warns. */
export function captureError(error: unknown, warn: (message: string) => void): boolean {
  if (!(error instanceof CaptureFormatError)) return false;
  if (error.code === 'TRUNCATED_RECORD') {
    warn(`${error.message}; using the records before it`);
    return true;
  }
  throw new UsageError(error.message);
}

export interface SourceHooks {
  interfaces: Record<number, string> | null;
  /** Called per batch with the bytes read so far (Infinity at the end); `pass` counts reads from 0. */
  onBytes?: (bytes: number, pass: number) => void;
  warn: (message: string) => void;
}

/** fileSource of libs/correlate, plus progress and the truncation rule above. */
export function captureSource(file: string, hooks: SourceHooks) {
  let passes = 0;
  let warned = false;
  const warn = (message: string) => {
    if (!warned) hooks.warn(message);
    warned = true;
  };
  return async function* packets(): AsyncGenerator<Iterable<CorrelatePacket>> {
    const pass = passes++;
    const adapter = new DecodeAdapter(hooks.interfaces);
    const rec = new CaptureRecord();
    const decoded = new DecodedPacket();
    try {
      for await (const batch of readDecodable(file)) {
        hooks.onBytes?.(batch.count ? batch.fileOffset[batch.count - 1] : 0, pass);
        yield batchPackets(batch, rec, decoded, adapter);
      }
      hooks.onBytes?.(Number.POSITIVE_INFINITY, pass);
    } catch (error) {
      if (!captureError(error, warn)) throw error;
    }
  };
}

function* batchPackets(
  batch: RecordBatch,
  rec: CaptureRecord,
  decoded: DecodedPacket,
  adapter: DecodeAdapter,
): Generator<CorrelatePacket> {
  for (let i = 0; i < batch.count; i++) yield adapter.adapt(decodePacket(batch.record(i, rec), decoded));
}
