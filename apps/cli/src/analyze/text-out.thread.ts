// FileOut's writer thread: writes each chunk it is sent, then counts it off the shared pending
// total (waking the analysis if it waits); on `close` says how it went.
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { reason } from './errno.js';

const { fd, path, state } = workerData as { fd: number; path: string | null; state: Int32Array };
const pause = new Int32Array(new SharedArrayBuffer(4));
let error: string | null = null;

let gone = false;

function fail(e: unknown): void {
  // The reader of standard output went away (`natlens analyze | head`): stop writing, quietly.
  if (path === null && (e as NodeJS.ErrnoException).code === 'EPIPE') {
    gone = true;
    return;
  }
  error ??= reason(e);
  Atomics.store(state, 1, 1);
  Atomics.notify(state, 0);
}

function writeAll(text: string): void {
  const data = Buffer.from(text);
  let at = 0;
  while (at < data.length) {
    try {
      at += writeSync(fd, data, at);
    } catch (e) {
      // stdout may be a non-blocking pipe: wait for the reader.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

parentPort!.on('message', (m: string[] | { close: true }) => {
  if (Array.isArray(m)) {
    const text = m.join('');
    if (error === null && !gone)
      try {
        writeAll(text);
      } catch (e) {
        fail(e);
      }
    Atomics.sub(state, 0, text.length);
    Atomics.notify(state, 0);
    return;
  }
  // The descriptor is the main thread's: it closes it and renames the file once told all is written.
  parentPort!.postMessage({ error });
  parentPort!.close();
});
