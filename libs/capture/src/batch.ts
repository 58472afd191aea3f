import type { CaptureInterface } from './interface.js';

/** Records per batch: big enough to amortise the async step, small enough to stay in cache. */
export const BATCH_CAPACITY = 4096;

/** pcapng `epb_flags` direction bits (also set for LINUX_SLL/SLL2 by nobody: use the link header). */
export const DIRECTION_UNKNOWN = 0;
export const DIRECTION_INBOUND = 1;
export const DIRECTION_OUTBOUND = 2;

/**
 * Records read from one window of the input, stored column-wise so reading allocates per batch,
 * not per packet. Record i's bytes are `data[start[i] .. start[i] + caplen[i])`. A batch never
 * changes after it is yielded and holds no reference to later input, so it may be kept.
 */
export class RecordBatch {
  constructor(
    /** The window of the input the records point into. */
    readonly data: Uint8Array,
    readonly count: number,
    readonly start: Int32Array,
    readonly caplen: Int32Array,
    readonly origlen: Uint32Array,
    /** Seconds since the epoch (after `if_tsoffset`); a double holds them exactly. */
    readonly tsSec: Float64Array,
    /** Nanoseconds within the second, 0..999,999,999, exact. */
    readonly tsNsec: Int32Array,
    /** Byte offset of the record header in the (decompressed) file. */
    readonly fileOffset: Float64Array,
    /** Index into `interfaces`. */
    readonly iface: Int32Array,
    /** pcapng `epb_flags` (0 when absent or classic pcap). */
    readonly flags: Uint32Array,
    /** Interfaces known when the batch was cut (pcapng may add more later). */
    readonly interfaces: readonly CaptureInterface[],
    /** Number of the first record in the file (0-based). */
    readonly firstNumber: number,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  /** One DataView over `data`, shared by every record of the batch. */
  readonly view: DataView;

  /** Fills `into` (reused by hot loops) with record i. */
  record(i: number, into: CaptureRecord = new CaptureRecord()): CaptureRecord {
    into.data = this.data;
    into.view = this.view;
    into.offset = this.start[i];
    into.caplen = this.caplen[i];
    into.origlen = this.origlen[i];
    into.tsSec = this.tsSec[i];
    into.tsNsec = this.tsNsec[i];
    into.fileOffset = this.fileOffset[i];
    into.interface = this.interfaces[this.iface[i]];
    into.flags = this.flags[i];
    into.number = this.firstNumber + i;
    return into;
  }
}

const NO_INTERFACE: CaptureInterface = {
  index: -1,
  section: 0,
  id: -1,
  offset: 0,
  linktype: -1,
  snaplen: 0,
  name: null,
  description: null,
  if_tsresol: 6,
  if_tsoffset: 0,
};

/** A view of one record; `batch.record(i, rec)` refills it, so it is only valid until then. */
export class CaptureRecord {
  /** The batch window; the packet is `data[offset .. offset + caplen)`. */
  data: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(this.data.buffer);
  offset = 0;
  caplen = 0;
  origlen = 0;
  tsSec = 0;
  tsNsec = 0;
  fileOffset = 0;
  interface: CaptureInterface = NO_INTERFACE;
  flags = 0;
  /** 0-based record number in the file (tcpdump's `-#` minus one). */
  number = 0;

  constructor() {
    // Start 32-bit and larger fields as doubles, so the first real record does not change this
    // object's layout under optimised code (V8 keeps small integers and doubles apart).
    for (const f of ['tsSec', 'tsNsec', 'fileOffset', 'origlen', 'flags', 'number'] as const) {
      this[f] = 0.5;
      this[f] = 0;
    }
  }

  /** The exact timestamp in nanoseconds since the epoch. */
  timestampNs(): bigint {
    return BigInt(this.tsSec) * 1_000_000_000n + BigInt(this.tsNsec);
  }

  /** The packet bytes (a view, not a copy). */
  bytes(): Uint8Array {
    return this.data.subarray(this.offset, this.offset + this.caplen);
  }
}

/** Collects records for the current batch; the format parsers append, the reader cuts. */
export class BatchBuilder {
  count = 0;
  firstNumber = 0;
  readonly start = new Int32Array(BATCH_CAPACITY);
  readonly caplen = new Int32Array(BATCH_CAPACITY);
  readonly origlen = new Uint32Array(BATCH_CAPACITY);
  readonly tsSec = new Float64Array(BATCH_CAPACITY);
  readonly tsNsec = new Int32Array(BATCH_CAPACITY);
  readonly fileOffset = new Float64Array(BATCH_CAPACITY);
  readonly iface = new Int32Array(BATCH_CAPACITY);
  readonly flags = new Uint32Array(BATCH_CAPACITY);

  get full(): boolean {
    return this.count === BATCH_CAPACITY;
  }

  push(
    start: number,
    caplen: number,
    origlen: number,
    tsSec: number,
    tsNsec: number,
    fileOffset: number,
    iface: number,
    flags: number,
  ): void {
    const i = this.count++;
    this.start[i] = start;
    this.caplen[i] = caplen;
    this.origlen[i] = origlen;
    this.tsSec[i] = tsSec;
    this.tsNsec[i] = tsNsec;
    this.fileOffset[i] = fileOffset;
    this.iface[i] = iface;
    this.flags[i] = flags;
  }

  /** Copies the filled columns into a batch and starts over (the builder's arrays are reused). */
  cut(data: Uint8Array, interfaces: readonly CaptureInterface[]): RecordBatch {
    const n = this.count;
    const batch = new RecordBatch(
      data,
      n,
      this.start.slice(0, n),
      this.caplen.slice(0, n),
      this.origlen.slice(0, n),
      this.tsSec.slice(0, n),
      this.tsNsec.slice(0, n),
      this.fileOffset.slice(0, n),
      this.iface.slice(0, n),
      this.flags.slice(0, n),
      interfaces.slice(),
      this.firstNumber,
    );
    this.firstNumber += n;
    this.count = 0;
    return batch;
  }
}
