// The single entry point for snapshots: detect (or trust) the kind, run its parser, and turn any
// failure into a SnapshotParseError naming the file and line — never an unhandled exception.
import { LineError, SnapshotParseError } from './errors.js';
import { detectSnapshotKind } from './detect.js';
import { parseConntrack } from './parsers/conntrack.js';
import { parseIpAddr } from './parsers/ip-addr.js';
import { parseIpNeigh } from './parsers/ip-neigh.js';
import { parseIpRoute } from './parsers/ip-route.js';
import { parseIptablesSave } from './parsers/iptables-save.js';
import { parseIpvsConnections } from './parsers/ipvsadm-connections.js';
import { parseIpvsadm } from './parsers/ipvsadm.js';
import { parseKubeProxyConfig } from './parsers/kube-proxy-config.js';
import { parseKubectl } from './parsers/kubectl.js';
import { parseNft } from './parsers/nft.js';
import type { ParsedSnapshot, Skipped, SnapshotKind } from './types.js';

export interface ParseSnapshotOptions {
  /** The file name or label; errors and every derived fact name it. */
  name: string;
  kind?: SnapshotKind;
  /** The node a node-local snapshot (iptables, ipvsadm, nft, ip, conntrack) was taken on. */
  node?: string;
}

const PARSERS: { [K in SnapshotKind]: (text: string) => { data: unknown; skipped: Skipped[] } } = {
  kubectl: parseKubectl,
  'kube-proxy-config': parseKubeProxyConfig,
  ipvsadm: parseIpvsadm,
  'ipvsadm-connections': parseIpvsConnections,
  'iptables-save': parseIptablesSave,
  nft: parseNft,
  'ip-addr': parseIpAddr,
  'ip-route': parseIpRoute,
  'ip-neigh': parseIpNeigh,
  conntrack: parseConntrack,
};

/** Every kind parseSnapshot accepts, e.g. to validate a `kind=` query parameter. */
export const SNAPSHOT_KINDS = Object.freeze(Object.keys(PARSERS) as SnapshotKind[]);

export function isSnapshotKind(value: unknown): value is SnapshotKind {
  return typeof value === 'string' && Object.hasOwn(PARSERS, value);
}

export function parseSnapshot(input: string, options: ParseSnapshotOptions): ParsedSnapshot {
  const text = input.replace(/^\uFEFF/, ''); // editors on Windows save a byte-order mark
  const kind = options.kind ?? detectSnapshotKind(text, options.name);
  const parser = isSnapshotKind(kind) ? PARSERS[kind] : undefined;
  if (!parser)
    throw new SnapshotParseError({ file: options.name, line: 1 }, `unknown snapshot kind "${kind}"`);
  try {
    const { data, skipped } = parser(text);
    return {
      kind,
      name: options.name,
      ...(options.node ? { node: options.node } : {}),
      data,
      skipped,
    } as ParsedSnapshot;
  } catch (err) {
    if (err instanceof SnapshotParseError) throw err;
    if (err instanceof LineError) {
      throw new SnapshotParseError(
        { file: options.name, line: err.line, column: err.column, path: err.path, kind },
        err.message,
      );
    }
    // A parser bug must still surface as a typed error the API can return, with the cause kept.
    const error = new SnapshotParseError(
      { file: options.name, line: 1, kind },
      `could not parse as ${kind}: ${(err as Error)?.message ?? String(err)}`,
    );
    (error as { cause?: unknown }).cause = err;
    throw error;
  }
}
