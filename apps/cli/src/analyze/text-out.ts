// The report's text to a file or stdout as it is produced, in 1 MiB writes. Synchronous, so the
// flows the correlation hands over are written before it goes on (no queue grows in memory); an
// output to a file goes to FILE.part first and takes its name only once the report is complete.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { TextOut } from '#report';
import { UsageError } from '../usage-error.js';
import { reason } from './errno.js';

const CHUNK = 1 << 20;
const pause = new Int32Array(new SharedArrayBuffer(4));

export class FileOut implements TextOut {
  private parts: string[] = [];
  private size = 0;
  private readonly fd: number;
  private readonly part: string | null;

  /** `path` null: stdout. */
  constructor(private readonly path: string | null) {
    this.part = path === null ? null : `${path}.part`;
    try {
      this.fd = this.part === null ? 1 : openSync(this.part, 'w');
    } catch (error) {
      throw new UsageError(`${path}: cannot write the report (${reason(error)})`);
    }
  }

  write(chunk: string): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= CHUNK) this.flush();
  }

  /** Writes what is buffered and, for a file, gives it its name. */
  close(): void {
    this.flush();
    if (this.part === null) return;
    closeSync(this.fd);
    renameSync(this.part, this.path!);
  }

  /** After a failure: no half-written report left behind under either name. */
  abandon(): void {
    if (this.part === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.part, { force: true });
  }

  private flush(): void {
    if (!this.parts.length) return;
    const data = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    let at = 0;
    while (at < data.length) {
      try {
        at += writeSync(this.fd, data, at);
      } catch (error) {
        // stdout may be a non-blocking pipe: wait for the reader.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          const where = this.path ?? 'standard output';
          throw new UsageError(`${where}: cannot write the report (${reason(error)})`);
        }
        Atomics.wait(pause, 0, 0, 5);
      }
    }
  }
}
