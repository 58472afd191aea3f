// The state of each node involved, from one `kubectl debug node/…` session per node: a script
// that runs each command (the host's own binary under /host when the debug image has it mounted,
// else the image's) between markers, split here into snapshot/<node>/<name>.txt.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shellQuote, spawnDebug, type KubectlOptions } from './kubectl.js';
import type { ManifestSnapshot } from './manifest.js';

export const NODE_COMMANDS: { name: string; argv: string[] }[] = [
  { name: 'iptables-save', argv: ['iptables-save'] },
  { name: 'nft-list-ruleset', argv: ['nft', 'list', 'ruleset'] },
  { name: 'ipvsadm-Ln', argv: ['ipvsadm', '-Ln'] },
  { name: 'conntrack-L-extended', argv: ['conntrack', '-L', '-o', 'extended'] },
  { name: 'ip-d-addr', argv: ['ip', '-d', 'addr'] },
  { name: 'ip-route', argv: ['ip', 'route'] },
  { name: 'ip-neigh', argv: ['ip', 'neigh'] },
];

const MARK = '@@natlens';

export function snapshotScript(): string {
  const lines = [
    // sysadmin debug pods mount the host's root at /host: its binaries match its kernel's rules
    'h() { for d in /usr/sbin /sbin /usr/bin /bin; do [ -x "/host$d/$1" ] && { chroot /host "$@"; return; }; done; "$@"; }',
    'run() { n=$1; shift; if command -v "$1" >/dev/null 2>&1 || [ -x "/host/usr/sbin/$1" ]; then' +
      ` echo "${MARK} begin $n"; h "$@" 2>/dev/null; echo "${MARK} end $n $?"; else echo "${MARK} missing $n"; fi; }`,
    ...NODE_COMMANDS.map((c) => `run ${c.name} ${c.argv.map(shellQuote).join(' ')}`),
  ];
  return lines.join('\n');
}

export interface NodeSnapshotResult {
  snapshots: ManifestSnapshot[];
  warnings: string[];
}

export async function snapshotNode(
  k: KubectlOptions,
  node: string,
  dir: string,
  timeoutMs = 120_000,
): Promise<NodeSnapshotResult> {
  const { child, argv } = spawnDebug(k, { node }, ['sh', '-c', snapshotScript()]);
  const command = [k.path, ...argv].map(shellQuote).join(' ');
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  const warnings: string[] = [];
  const snapshots: ManifestSnapshot[] = [];
  const sections = splitSections(stdout);
  if (code !== 0 && sections.size === 0) {
    const why = stderr.trim().split('\n').pop() || `exit ${code}`;
    return { snapshots, warnings: [`node ${node}: no snapshot (${why})`] };
  }
  const nodeDir = join(dir, node);
  await mkdir(nodeDir, { recursive: true });
  for (const c of NODE_COMMANDS) {
    const text = sections.get(c.name);
    if (text === undefined) continue;
    if (!text.trim()) continue; // ipvsadm on an iptables node, an empty conntrack table
    const file = join(node, `${c.name}.txt`);
    await writeFile(join(dir, file), text);
    snapshots.push({ file, node, command: `${command}  # ${c.argv.join(' ')}` });
  }
  return { snapshots, warnings };
}

function splitSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | null = null;
  let lines: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = new RegExp(`^${MARK} (begin|end|missing) (\\S+)`).exec(line);
    if (!m) {
      if (name) lines.push(line);
      continue;
    }
    if (m[1] === 'begin') {
      name = m[2];
      lines = [];
    } else if (m[1] === 'end' && name) {
      out.set(name, lines.length ? `${lines.join('\n')}\n` : '');
      name = null;
    }
  }
  return out;
}
