import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BatchBuilder, type RecordBatch } from './batch.js';
import { CaptureFormatError } from './errors.js';
import type { CaptureInterface } from './interface.js';
import type { FormatParser } from './parser.js';
import { PcapParser } from './pcap.js';
import { PCAPNG_SHB, PcapngParser } from './pcapng.js';

export interface ReadOptions {
  /** Names the input in errors (a path, an upload id). */
  name?: string;
  /** When given, an interface with another link type is a file-level UNSUPPORTED_LINKTYPE error. */
  linktypes?: ReadonlySet<number>;
  /** Gather at least this many bytes before parsing (default 64 KiB); small values suit tests. */
  minWindow?: number;
}

export type CaptureFormat = 'pcap' | 'pcapng' | 'gzip';

/** Anything that yields the file's bytes in order: a Readable, an async generator, an array of chunks. */
export type CaptureSource = Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Parse windows of at least this many bytes, so small upstream chunks do not mean tiny batches. */
const MIN_WINDOW = 64 * 1024;
/** Bytes of a new window joined to the previous window's partial unit. */
const JOIN_BYTES = 64 * 1024;

/** What the first 4 bytes say the input is, or null. */
export function sniffFormat(head: Uint8Array): CaptureFormat | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < 4) return null;
  const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const le = ((head[3] << 24) | (head[2] << 16) | (head[1] << 8) | head[0]) >>> 0;
  if (be === PCAPNG_SHB) return 'pcapng';
  if (PcapParser.sniff(be, le)) return 'pcap';
  return null;
}

/**
 * Streams a pcap, pcapng or gzip-compressed capture as batches of records. It pulls from
 * `source` only as fast as the consumer takes batches (back-pressure), and holds at most one
 * window plus one partial record. File-level problems throw a CaptureFormatError after every
 * record before the bad offset has been yielded.
 */
export async function* readCapture(
  source: CaptureSource,
  options: ReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const file = options.name ?? 'capture';
  let head = await peek(source, 4);
  let format = sniffFormat(head.bytes);
  let gunzip: Readable | null = null;
  if (format === 'gzip') {
    // pipeline() forwards back-pressure and destroys both ends on error or early exit.
    gunzip = pipeline(Readable.from(head.stream), createGunzip(), () => {});
    head = await peek(gunzipErrors(gunzip, file), 4);
    format = sniffFormat(head.bytes);
    if (format === 'gzip') format = null;
  }
  if (format === null) {
    if (head.bytes.length === 0)
      throw new CaptureFormatError(file, 0, 'TRUNCATED_HEADER', 'the input is empty');
    const magic = Buffer.from(head.bytes.subarray(0, 4)).toString('hex');
    throw new CaptureFormatError(file, 0, 'NOT_A_CAPTURE', `magic ${magic} is neither pcap nor pcapng`);
  }
  const accept = (iface: CaptureInterface): void => {
    if (options.linktypes && !options.linktypes.has(iface.linktype)) {
      throw new CaptureFormatError(
        file,
        iface.offset,
        'UNSUPPORTED_LINKTYPE',
        `link type ${iface.linktype} cannot be decoded`,
      );
    }
  };
  const parser: FormatParser =
    format === 'pcap' ? new PcapParser(file, accept) : new PcapngParser(file, accept);
  const minWindow = options.minWindow ?? MIN_WINDOW;
  const builder = new BatchBuilder();
  const chunks = head.stream[Symbol.asyncIterator]();
  /** Parses whole units of `buf`, yielding full batches and then the rest; returns the end position. */
  function* drain(buf: Uint8Array, base: number): Generator<RecordBatch, number> {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    for (;;) {
      pos = parser.parse(buf, view, pos, buf.length, base, builder);
      if (builder.count === 0) return pos;
      const wasFull = builder.full;
      yield builder.cut(buf, parser.interfaces);
      if (!wasFull) return pos;
    }
  }
  try {
    let base = 0; // file offset of the first unparsed byte
    let carry: Uint8Array | null = null; // the partial unit at the end of the previous window
    const parts: Uint8Array[] = [];
    let partsLength = 0;
    let ended = false;
    while (!ended) {
      const next = await chunks.next();
      if (next.done) ended = true;
      else if (next.value.length > 0) {
        parts.push(next.value);
        partsLength += next.value.length;
      }
      if (!ended && partsLength < minWindow) continue;
      let window: Uint8Array = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts.length = 0;
      partsLength = 0;
      if (carry) {
        // Finish the unit that straddles the two windows by joining only the start of the new
        // one: copying every window whole would cost as much as parsing it.
        const take = Math.min(window.length, JOIN_BYTES);
        const joined = Buffer.concat([carry, window.subarray(0, take)]);
        const pos = yield* drain(joined, base);
        base += pos;
        if (pos >= carry.length) {
          window = window.subarray(pos - carry.length);
          carry = null;
        } else {
          // A unit longer than JOIN_BYTES (at most MAX_BUFFERED_BLOCK): keep gathering it.
          carry = Buffer.concat([joined.subarray(pos), window.subarray(take)]);
          if (ended) parser.finish(carry.length, base);
          continue;
        }
      }
      const pos = yield* drain(window, base);
      base += pos;
      carry = pos < window.length ? window.subarray(pos) : null;
      if (ended) parser.finish(carry?.length ?? 0, base);
    }
  } finally {
    // Early exit by the consumer or an error: release the file/socket behind the source.
    await chunks.return?.();
    gunzip?.destroy();
  }
}

/** `readCapture` over a file, read in 1 MiB chunks. */
export function readCaptureFile(path: string, options: ReadOptions = {}): AsyncGenerator<RecordBatch> {
  return readCapture(createReadStream(path, { highWaterMark: 1 << 20 }), { name: path, ...options });
}

interface Peeked {
  /** At least `n` bytes unless the input is shorter. */
  bytes: Uint8Array;
  /** The whole input again, from the first byte. */
  stream: AsyncIterable<Uint8Array>;
}

/** Reads the first `n` bytes without losing them. */
async function peek(input: CaptureSource, n: number): Promise<Peeked> {
  const it: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in input ? input[Symbol.asyncIterator]() : input[Symbol.iterator]();
  const seen: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    seen.push(chunk);
    length += chunk.length;
  }
  const bytes = seen.length === 1 ? seen[0] : Buffer.concat(seen);
  async function* stream(): AsyncGenerator<Uint8Array> {
    try {
      yield* seen;
      if (done) return;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { bytes, stream: stream() };
}

/** Turns zlib failures into typed errors at the offset of the decompressed bytes produced so far. */
async function* gunzipErrors(gunzip: Readable, file: string): AsyncGenerator<Uint8Array> {
  let produced = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Uint8Array>) {
      produced += chunk.length;
      yield chunk;
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new CaptureFormatError(
        file,
        produced,
        'BAD_GZIP',
        `gzip stream is corrupt: ${(err as Error).message}`,
      );
    }
    throw err;
  }
}
