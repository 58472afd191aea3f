// The report's text to a file or stdout as it is produced. The analysis thread hands chunks of
// about 1 MiB to a writer thread, which encodes and writes them while the analysis goes on (the
// two cores share the work); past 64 MiB not yet written, the analysis waits, so no queue grows
// without bound. An output to a file goes to FILE.part and takes its name once complete.
import { closeSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { TextOut } from '#report';
import { UsageError } from '../usage-error.js';
import { reason } from './errno.js';

const CHUNK = 1 << 20;
const MAX_PENDING = 16 << 20;
/** Shared with the writer thread: [0] chars queued and not yet written, [1] 1 once it failed. */
const PENDING = 0;
const FAILED = 1;

export class FileOut implements TextOut {
  private parts: string[] = [];
  private size = 0;
  private readonly part: string | null;
  private fd = 1;
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private readonly done: Promise<string | null>;

  /** `path` null: stdout. A path that is no regular file (/dev/null, a pipe) is written as it is. */
  constructor(private readonly path: string | null) {
    this.part = path === null || special(path) ? null : `${path}.part`;
    let fd = 1;
    try {
      if (path !== null) fd = openSync(this.part ?? path, 'w');
      this.fd = fd;
    } catch (error) {
      throw new UsageError(`${path}: cannot write the report (${reason(error)})`);
    }
    // A file descriptor belongs to the process: the thread writes to the one opened here.
    this.worker = new Worker(new URL('./text-out.thread.js', import.meta.url), {
      workerData: { fd, path: this.part, state: this.state },
      // It holds at most MAX_PENDING of text: a small young generation keeps its memory small too.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // The thread's last word: null when everything was written, else why not.
    this.done = new Promise((resolve) => {
      this.worker.once('message', (m: { error: string | null }) => resolve(m.error));
      this.worker.once('error', (e) => resolve(e.message));
      this.worker.once('exit', () => resolve('the writer thread stopped'));
    });
  }

  write(chunk: string): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= CHUNK) this.flush();
  }

  /** Writes what is left and, for a file, gives it its name. */
  async close(): Promise<void> {
    this.flush();
    this.worker.postMessage({ close: true });
    let error = await this.done;
    if (error === null && this.part !== null)
      try {
        closeSync(this.fd);
        // Replacing an existing file by rename makes ext4 flush the new one first: remove it before.
        rmSync(this.path!, { force: true });
        renameSync(this.part, this.path!);
      } catch (e) {
        error = reason(e);
      }
    if (error !== null)
      throw new UsageError(`${this.path ?? 'standard output'}: cannot write the report (${error})`);
  }

  /** After a failure: no half-written report left behind under either name. */
  async abandon(): Promise<void> {
    await this.worker.terminate();
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
    if (Atomics.load(this.state, FAILED)) return;
    // The chunks as they are: joining them is the writer thread's work, not the analysis'.
    Atomics.add(this.state, PENDING, this.size);
    this.worker.postMessage(this.parts);
    this.parts = [];
    this.size = 0;
    while (Atomics.load(this.state, PENDING) > MAX_PENDING && !Atomics.load(this.state, FAILED))
      Atomics.wait(this.state, PENDING, Atomics.load(this.state, PENDING), 50);
  }
}

function special(path: string): boolean {
  try {
    return !statSync(path).isFile();
  } catch {
    return false;
  }
}
