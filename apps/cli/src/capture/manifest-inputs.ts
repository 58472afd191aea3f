// `natlens analyze --manifest DIR`: the captures DIR/manifest.json lists (role, label, node, pod)
// and the snapshots in DIR/snapshot, plus whatever else the command line names.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inputArgs, type InputArgs } from '../analyze/args.js';
import { UsageError } from '../usage-error.js';
import { readManifest, SNAPSHOT_DIR } from './manifest.js';

export async function manifestInputs(
  dir: string,
  tokens: { kind: string; name?: string; value?: string }[],
  values: { snapshot?: string[] },
  usage: string,
): Promise<InputArgs> {
  const manifest = await readManifest(dir);
  const given = tokens.some(
    (t) => t.kind === 'option' && ['client', 'node', 'backend', 'capture'].includes(t.name ?? ''),
  )
    ? inputArgs(tokens, values, usage)
    : { captures: [], snapshots: values.snapshot ?? [] };
  const captures = manifest.captures
    .filter((c) => c.status === 'captured')
    .map((c) => ({ role: c.role, label: c.label, file: join(dir, c.file), node: c.node, pod: c.pod }));
  if (!captures.length && !given.captures.length)
    throw new UsageError(`${join(dir, 'manifest.json')}: no capture point captured anything\n${usage}`);
  const snapshots = [...given.snapshots];
  const snapDir = join(dir, SNAPSHOT_DIR);
  if (
    await stat(snapDir).then(
      (s) => s.isDirectory(),
      () => false,
    )
  )
    snapshots.push(snapDir);
  return { captures: [...captures, ...given.captures], snapshots };
}
