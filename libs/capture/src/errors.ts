/** Why a capture file was rejected. Stable strings: the API and the worker report them as-is. */
export type CaptureErrorCode =
  | 'NOT_A_CAPTURE'
  | 'TRUNCATED_HEADER'
  | 'TRUNCATED_RECORD'
  | 'RECORD_TOO_LONG'
  | 'BAD_BLOCK_LENGTH'
  | 'BLOCK_TOO_LONG'
  | 'UNSUPPORTED_VERSION'
  | 'UNKNOWN_INTERFACE'
  | 'UNSUPPORTED_LINKTYPE'
  | 'BAD_GZIP';

/**
 * A file-level problem: the file cannot be read past `offset`. Records before that offset were
 * already yielded, so a consumer may keep them (a capture cut short by a killed tcpdump is common).
 * `offset` counts bytes of the decompressed stream.
 */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';

  constructor(
    readonly file: string,
    readonly offset: number,
    readonly code: CaptureErrorCode,
    detail: string,
  ) {
    super(`${file}: byte ${offset}: ${detail} (${code})`);
  }
}
