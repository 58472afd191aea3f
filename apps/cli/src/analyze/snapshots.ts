// Snapshot files and directories (walked recursively) into parsed snapshots. A file in a directory
// that is no snapshot format (a README, bridge fdb listings) is skipped with a warning; a snapshot
// that is recognised but broken, or a named file that cannot be read, is bad input (exit 2).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { parseSnapshot, SnapshotParseError, sniffSnapshotKind, type ParsedSnapshot } from '#cluster';
import { UsageError } from '../usage-error.js';
import { reason } from './errno.js';

export interface LoadedSnapshots {
  snapshots: ParsedSnapshot[];
  skipped: string[];
}

export async function loadSnapshots(paths: string[]): Promise<LoadedSnapshots> {
  const out: LoadedSnapshots = { snapshots: [], skipped: [] };
  for (const path of paths) {
    const info = await stat(path).catch((error: unknown) => {
      throw new UsageError(`${path}: cannot read snapshot (${reason(error)})`);
    });
    if (info.isDirectory()) {
      for (const file of await walk(path)) await loadFile(file, relative(path, file), out, true);
    } else {
      await loadFile(path, basename(path), out, false);
    }
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(path)));
    else if (e.isFile()) files.push(path);
  }
  return files;
}

/**
 * `name` is what findings cite as the snapshot's source (as the server cites the uploaded file's
 * name); errors name the path given.
 */
async function loadFile(
  path: string,
  name: string,
  out: LoadedSnapshots,
  inDirectory: boolean,
): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot read snapshot (${reason(error)})`);
  }
  if (inDirectory && !sniffSnapshotKind(text)) {
    out.skipped.push(path);
    return;
  }
  try {
    out.snapshots.push(parseSnapshot(text, { name }));
  } catch (error) {
    // SnapshotParseError's message names the file, line and what was expected.
    if (error instanceof SnapshotParseError)
      throw new UsageError(
        error.message.startsWith(name) ? path + error.message.slice(name.length) : error.message,
      );
    throw error;
  }
}
