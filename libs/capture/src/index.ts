/**
 * libs/capture: pcap and pcapng files (optionally gzip-compressed) as a stream of raw records.
 *
 *   for await (const batch of readCaptureFile('node.pcap')) {
 *     for (let i = 0; i < batch.count; i++) {
 *       batch.record(i, rec); // rec: one reused CaptureRecord
 *       // rec.data[rec.offset .. rec.offset + rec.caplen) are the packet bytes
 *     }
 *   }
 *
 * - `readCapture(source, { name, linktypes })` takes a Readable, any AsyncIterable<Uint8Array> or an array of chunks
 *   and yields `RecordBatch`es (up to 4096 records, stored column-wise). It reads only as fast as
 *   batches are consumed and buffers one window plus one partial record, whatever the file size.
 * - Formats: classic pcap (micro- and nanosecond magics, both byte orders, Kuznetzov's variant);
 *   pcapng with any number of sections, Interface Description Blocks (`if_name`,
 *   `if_description`, `if_tsresol` decimal or power-of-two, `if_tsoffset`), Enhanced, Simple and
 *   obsolete Packet Blocks; other blocks skipped as they stream by. gzip is detected and inflated.
 * - Timestamps are exact: `tsSec` (seconds, a double, exact) + `tsNsec` (0..999,999,999), or
 *   `record.timestampNs()` as a bigint.
 * - Records longer than the interface's snaplen keep only snaplen bytes (libpcap does the same).
 * - File-level problems throw `CaptureFormatError { file, offset, code }` once every record before
 *   the offset has been yielded.
 */
export {
  BATCH_CAPACITY,
  CaptureRecord,
  DIRECTION_INBOUND,
  DIRECTION_OUTBOUND,
  DIRECTION_UNKNOWN,
  RecordBatch,
} from './batch.js';
export { type CaptureErrorCode, CaptureFormatError } from './errors.js';
export { type CaptureInterface, MAXIMUM_SNAPLEN } from './interface.js';
export {
  type CaptureFormat,
  type CaptureSource,
  readCapture,
  readCaptureFile,
  type ReadOptions,
  sniffFormat,
} from './reader.js';
export { MAX_BUFFERED_BLOCK } from './pcapng.js';
