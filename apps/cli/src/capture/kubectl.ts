// The only kubectl forms `natlens capture` uses: `get … -o json`, and `debug node/…` (sysadmin
// profile: the node's host network namespace) or `debug pod/…` (netadmin profile: the pod's
// network namespace) with `-q --attach -i`, the command after `--`, its stdio streamed back.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface KubectlOptions {
  /** The kubectl binary (or a plugin's, or a stand-in's). */
  path: string;
  image: string;
}

export class KubectlError extends Error {
  override name = 'KubectlError';
}

/** `kubectl get ARGS -o json`, parsed; a failure carries kubectl's own error line. */
export function kubectlGet<T>(k: KubectlOptions, args: string[]): Promise<T> {
  const argv = ['get', ...args, '-o', 'json'];
  return new Promise((resolve, reject) => {
    execFile(k.path, argv, { maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error) {
        const why = stderr.trim().split('\n').filter(Boolean).pop() ?? error.message;
        reject(new KubectlError(`kubectl ${argv.join(' ')}: ${why}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new KubectlError(`kubectl ${argv.join(' ')}: no JSON in its answer`));
      }
    });
  });
}

/** Where a debug command runs: a node's host network namespace, or a pod's. */
export type DebugTarget = { node: string } | { pod: string; namespace: string };

export function debugArgs(k: KubectlOptions, target: DebugTarget, command: string[]): string[] {
  const where =
    'node' in target
      ? [`node/${target.node}`, '--profile=sysadmin']
      : [`pod/${target.pod}`, '-n', target.namespace, '--profile=netadmin'];
  return ['debug', ...where, `--image=${k.image}`, '-q', '--attach', '-i', '--', ...command];
}

/**
 * Starts `kubectl debug … -- COMMAND` in its own process group (a Ctrl-C on the terminal reaches
 * natlens, which then stops every capture in order, not kubectl directly).
 */
export function spawnDebug(
  k: KubectlOptions,
  target: DebugTarget,
  command: string[],
): { child: ChildProcessWithoutNullStreams; argv: string[] } {
  const argv = debugArgs(k, target, command);
  const child = spawn(k.path, argv, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  return { child, argv };
}

/** A shell word: the command lines in the manifest are meant to be pasted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
