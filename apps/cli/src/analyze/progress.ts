// A one-line progress bar on stderr, drawn only when stderr is a terminal: piped or redirected runs stay
// quiet. Warnings always print (on their own line).
const WIDTH = 30;
const REDRAW_MS = 100;

export class Progress {
  private readonly tty: boolean;
  private drawn = false;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  /** `fraction` in 0..1, or null for a stage without a measure. */
  update(stage: string, fraction: number | null, detail = ''): void {
    if (!this.tty) return;
    const now = Date.now();
    if (fraction !== null && fraction < 1 && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const bar =
      fraction === null
        ? ''
        : `[${'#'.repeat(Math.round(fraction * WIDTH)).padEnd(WIDTH, '.')}] ${String(Math.floor(fraction * 100)).padStart(3)}% `;
    const columns = this.stream.columns || 100;
    this.stream.write(`\r\x1b[K${`natlens: ${stage} ${bar}${detail}`.slice(0, columns - 1)}`);
    this.drawn = true;
  }

  warn(message: string): void {
    this.clear();
    this.stream.write(`natlens: warning: ${message}\n`);
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
