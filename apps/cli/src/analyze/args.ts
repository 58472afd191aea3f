// The capture and snapshot options `analyze` and `export-flow` share, parsed with node:util.
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CaptureRole } from '#correlate';
import { UsageError } from '../usage-error.js';

export const ROLES: readonly CaptureRole[] = ['client', 'node', 'backend', 'other'];

export const CAPTURE_USAGE =
  '[--client FILE] [--node FILE ...] [--backend FILE ...] [--capture role:label:FILE ...] [--snapshot FILE|DIR ...]';

export const CAPTURE_OPTIONS = {
  client: { type: 'string', multiple: true },
  node: { type: 'string', multiple: true },
  backend: { type: 'string', multiple: true },
  capture: { type: 'string', multiple: true },
  snapshot: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export interface CaptureArg {
  role: CaptureRole;
  /** Given on the command line (`--capture role:label:FILE`), else derived from the file name. */
  label: string | null;
  file: string;
  /** Where it was taken, when known (`natlens analyze --manifest`): a node name, a pod as namespace/name. */
  node?: string | null;
  pod?: string | null;
}

export interface InputArgs {
  captures: CaptureArg[];
  snapshots: string[];
}

/** parseArgs, with its errors turned into usage errors (exit 2) that show the usage line. */
export function parseOptions<O extends ParseArgsConfig['options']>(
  argv: string[],
  options: O,
  usage: string,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

/** Captures in command-line order (it is the order of the report's capture table). */
export function inputArgs(
  tokens: { kind: string; name?: string; value?: string }[],
  values: { snapshot?: string[] },
  usage: string,
): InputArgs {
  const captures: CaptureArg[] = [];
  for (const t of tokens) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === 'client' || t.name === 'node' || t.name === 'backend')
      captures.push({ role: t.name, label: null, file: t.value });
    else if (t.name === 'capture') captures.push(captureSpec(t.value, usage));
  }
  if (!captures.length) throw new UsageError(`no captures given\n${usage}`);
  return { captures, snapshots: values.snapshot ?? [] };
}

/** `role:label:FILE` or `role:FILE`; the file may itself contain colons. */
function captureSpec(spec: string, usage: string): CaptureArg {
  const [role, ...rest] = spec.split(':');
  if (!ROLES.includes(role as CaptureRole) || rest.length === 0 || rest.join(':') === '')
    throw new UsageError(
      `--capture ${spec}: expected role:label:FILE with role one of ${ROLES.join(', ')}\n${usage}`,
    );
  if (rest.length === 1) return { role: role as CaptureRole, label: null, file: rest[0] };
  const [label, ...file] = rest;
  return { role: role as CaptureRole, label: label || null, file: file.join(':') };
}

/** client.pcap -> "client", node-k8s-compute-01.pcap -> "node-k8s-compute-01", x.pcap as node -> "node-x". */
export function defaultLabel(role: CaptureRole, file: string): string {
  const base = basename(file).replace(/(\.(pcapng|pcap|cap|dmp))?(\.gz)?$/i, '') || role;
  return base.toLowerCase().startsWith(role) ? base : `${role}-${base}`;
}
