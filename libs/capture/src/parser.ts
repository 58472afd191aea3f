import type { BatchBuilder } from './batch.js';
import type { CaptureInterface } from './interface.js';

/**
 * A format's incremental parser. The reader hands it windows of input; it consumes whole units
 * (headers, records, blocks) and leaves a partial one for the next window, so memory is bounded
 * by the largest unit it accepts, not by the file.
 */
export interface FormatParser {
  readonly interfaces: CaptureInterface[];
  /**
   * Parses units in `buf[pos..end)` into `out` until it needs more input or `out` is full.
   * `base` is the file offset of `buf[0]`. Returns the new position.
   */
  parse(buf: Uint8Array, view: DataView, pos: number, end: number, base: number, out: BatchBuilder): number;
  /** End of input with `leftover` unparsed bytes at file offset `offset`: throws unless that is fine. */
  finish(leftover: number, offset: number): void;
}
