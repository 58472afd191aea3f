// The built `natlens` CLI as a user runs it (node bin/natlens.js, dist/ built by `npm test`): its
// exit code, stdout and stderr, whatever the exit code.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './processes.js';

const BIN = join(repoRoot, 'bin/natlens.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function natlens(...args: string[]): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: repoRoot,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
