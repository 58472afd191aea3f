// Capture files checked up front (exists, is a pcap/pcapng/gzip), and their format errors as a person
// reads them: a file cut short by a killed tcpdump keeps the records before the cut (with a
// warning); any other format error is exit 2.
import { open, stat } from 'node:fs/promises';
import { CaptureFormatError, sniffFormat } from '#capture';
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
