// What `natlens capture` tells the terminal: one line per event on stderr and, on a terminal, a
// status line that counts what each capture point has captured so far.
import type { RemoteCapture } from './remote-capture.js';

export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private status = '';
  private readonly started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  log(message: string): void {
    this.clear();
    this.out.write(`natlens capture: ${message}\n`);
    this.redraw();
  }

  /** The --run command's output, as it comes. */
  passthrough(chunk: Buffer): void {
    this.clear();
    this.out.write(chunk);
    this.redraw();
  }

  watch(captures: () => RemoteCapture[]): void {
    if (!this.out.isTTY) return;
    this.timer = setInterval(() => {
      const secs = Math.round((Date.now() - this.started) / 1000);
      const parts = captures()
        .filter((c) => c.state === 'listening')
        .map((c) => `${c.entry.label} ${human(c.bytes)}`);
      this.clear();
      this.status = `[${secs}s] ${parts.join(' | ')}`.slice(0, (this.out.columns || 80) - 1);
      this.redraw();
    }, 1000);
    this.timer.unref();
  }

  unwatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
    this.status = '';
  }

  private clear(): void {
    if (this.out.isTTY && this.status) this.out.write('\r\x1b[K');
  }

  private redraw(): void {
    if (this.out.isTTY && this.status) this.out.write(this.status);
  }
}

export function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1 << 20) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1 << 20)).toFixed(1)} MB`;
}
