// One capture point: `kubectl debug … -- sh -c SCRIPT` runs tcpdump writing the pcap to stdout
// (streamed into the local file), reports "listening on" on stderr, and stops when natlens closes
// its stdin (or, if natlens died, after a time limit), so nothing is left running remotely.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { shellQuote, spawnDebug, type DebugTarget, type KubectlOptions } from './kubectl.js';
import type { ManifestCapture } from './manifest.js';

/**
 * The remote side. tcpdump runs in the background (stdin /dev/null); a reader of the session's
 * stdin stops it at EOF, a sleeper after `limit` seconds; when tcpdump has printed its counts,
 * everything the script started is ended with it (`kill 0`: its own process group).
 */
export function captureScript(filter: string, limitSeconds: number): string {
  const f = filter.trim() ? ` ${shellQuote(filter.trim())}` : '';
  return [
    'exec 3<&0 </dev/null',
    `tcpdump -i any -nn -U -s 0 -w -${f} & p=$!`,
    '{ cat <&3 >/dev/null 2>&1; kill -TERM $p 2>/dev/null; } >/dev/null 2>&1 &',
    `{ sleep ${Math.ceil(limitSeconds)}; kill -TERM $p 2>/dev/null; } >/dev/null 2>&1 &`,
    'wait $p; rc=$?',
    "trap '' TERM; kill -TERM 0 2>/dev/null",
    'exit $rc',
  ].join('\n');
}

export type CaptureState = 'starting' | 'listening' | 'failed' | 'stopped';

export class RemoteCapture {
  state: CaptureState = 'starting';
  bytes = 0;
  stderr = '';
  readonly startedAt = new Date();
  listeningAt: Date | null = null;
  stoppedAt: Date | null = null;
  error: string | null = null;
  readonly command: string;
  /** Resolves true once tcpdump listens, false when it ended (or could not start) before. */
  readonly listening: Promise<boolean>;
  readonly exited: Promise<number | null>;
  private child: ChildProcessWithoutNullStreams;

  constructor(
    readonly entry: Pick<ManifestCapture, 'file' | 'role' | 'label' | 'node' | 'pod'>,
    readonly path: string,
    k: KubectlOptions,
    target: DebugTarget,
    filter: string,
    limitSeconds: number,
  ) {
    const { child, argv } = spawnDebug(k, target, ['sh', '-c', captureScript(filter, limitSeconds)]);
    this.child = child;
    this.command = [k.path, ...argv].map(shellQuote).join(' ');
    const out = createWriteStream(path);
    child.stdout.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
    });
    child.stdout.pipe(out);
    const fileClosed = new Promise<void>((resolve) => out.on('close', resolve));
    child.stdin.on('error', () => {}); // EPIPE when the remote end is already gone
    let onListening: (ok: boolean) => void = () => {};
    this.listening = new Promise((resolve) => (onListening = resolve));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      this.stderr += text;
      if (this.state === 'starting' && this.stderr.includes('listening on')) {
        this.state = 'listening';
        this.listeningAt = new Date();
        onListening(true);
      }
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.fail(`cannot run ${k.path}: ${error.message}`);
        onListening(false);
        out.end();
        resolve(null);
      });
      child.on('close', (code, signal) => {
        this.stoppedAt = new Date();
        if (this.state === 'starting') this.fail(this.lastWords() || `kubectl exited with ${code ?? signal}`);
        else if (this.state === 'listening') this.state = 'stopped';
        onListening(false);
        void fileClosed.then(() => resolve(code));
      });
    });
  }

  /** Closing stdin ends tcpdump; then SIGTERM, then SIGKILL to kubectl's process group. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return void (await this.exited);
    this.child.stdin.end();
    if (await this.settles(graceMs)) return;
    this.signal('SIGTERM');
    if (await this.settles(3_000)) return;
    this.signal('SIGKILL');
    await this.exited;
  }

  /** Last resort (natlens exiting): kill kubectl's whole process group at once. */
  kill(): void {
    this.signal('SIGKILL');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  manifest(): ManifestCapture {
    return {
      ...this.entry,
      command: this.command,
      status: this.listeningAt ? 'captured' : 'failed',
      error: this.error,
      startedAt: this.startedAt.toISOString(),
      listeningAt: this.listeningAt?.toISOString() ?? null,
      stoppedAt: this.stoppedAt?.toISOString() ?? null,
      bytes: this.bytes,
      packets: {
        captured: count(this.stderr, /(\d+) packets? captured/),
        receivedByFilter: count(this.stderr, /(\d+) packets? received by filter/),
        droppedByKernel: count(this.stderr, /(\d+) packets? dropped by kernel/),
      },
    };
  }

  fail(message: string): void {
    this.state = 'failed';
    this.error ??= message;
  }

  /** kubectl's (or tcpdump's) last meaningful stderr line. */
  lastWords(): string {
    return (
      this.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !/^tcpdump: (verbose output suppressed|data link type)/.test(l))
        .pop() ?? ''
    );
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }

  private settles(ms: number): Promise<boolean> {
    return Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref()),
    ]);
  }
}

function count(text: string, re: RegExp): number | null {
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
}
