// Shared evidence helpers: sightings as findings cite them, the path a packet took through the
// capture points, and the wording of times and counts.
import type { DataplaneMismatch } from '#cluster';
import type { Flow, FlowDirection, Perspective } from '#correlate';
import { ipOf, type RuleContext } from './context.js';
import type { SightingEvidence } from './types.js';

// tcpdump's order and letters (print-tcp.c): F S R P . U E W
const FLAG_LETTERS: [number, string][] = [
  [1, 'F'],
  [2, 'S'],
  [4, 'R'],
  [8, 'P'],
  [16, '.'],
  [32, 'U'],
  [64, 'E'],
  [128, 'W'],
];

export function tcpFlagsText(flags: number): string {
  return `[${FLAG_LETTERS.filter(([bit]) => flags & bit)
    .map(([, l]) => l)
    .join('')}]`;
}

/**
 * One kept sighting with its perspective's context. Correlate keeps the first sightings either
 * per flow (`flow.sightings`, each naming its capture, direction and tuple) or per perspective
 * (`perspective.sightings`, the context being the perspective's): both shapes are read.
 */
export interface Sighting {
  capture: string;
  timestampNs: string;
  direction: FlowDirection;
  interface: string | null;
  type: string;
  src: string;
  dst: string;
  frame: number;
  tcpFlags: number;
}

export function flowSightings(ctx: RuleContext, flow: Flow): Sighting[] {
  const perFlow = (flow as unknown as { sightings?: unknown }).sightings;
  if (Array.isArray(perFlow)) return perFlow as Sighting[];
  const out: Sighting[] = [];
  for (const p of flow.perspectives) {
    const kept = (p as unknown as { sightings?: unknown }).sightings;
    if (!Array.isArray(kept)) continue;
    for (const s of kept as Partial<Sighting>[]) {
      out.push({
        capture: p.capture,
        direction: p.direction,
        src: p.src,
        dst: p.dst,
        timestampNs: String(s.timestampNs ?? p.firstNs),
        interface: s.interface ?? null,
        type: s.type ?? '',
        frame: s.frame ?? -1,
        tcpFlags: s.tcpFlags ?? 0,
      });
    }
  }
  const at = (s: Sighting) => ctx.referenceNs(s.capture, s.timestampNs);
  return out.sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0));
}

export function sightingEvidence(ctx: RuleContext, flow: Flow, s: Sighting): SightingEvidence {
  return {
    capture: s.capture,
    role: ctx.role(s.capture),
    node: ctx.nodeOf(s.capture),
    timestampNs: s.timestampNs,
    direction: s.direction,
    interface: s.interface,
    type: s.type,
    src: s.src,
    dst: s.dst,
    frame: s.frame,
    flags: flow.protocol === 'tcp' ? tcpFlagsText(s.tcpFlags) : null,
  };
}

/** The flow's kept sightings (correlate keeps the first ones per perspective), filtered, as evidence. */
export function sightings(
  ctx: RuleContext,
  flow: Flow,
  keep: (s: Sighting) => boolean = () => true,
  limit = 12,
): SightingEvidence[] {
  return flowSightings(ctx, flow)
    .filter(keep)
    .slice(0, limit)
    .map((s) => sightingEvidence(ctx, flow, s));
}

/**
 * The perspectives of one direction in path order: by first sighting on the reference clock,
 * the capture closer to the sender first when two saw the packet at the same instant.
 */
export function pathOf(ctx: RuleContext, flow: Flow, direction: FlowDirection): Perspective[] {
  const rank = (p: Perspective) => {
    const role = ctx.role(p.capture);
    const order = ['client', 'node', 'other', 'backend'];
    const i = order.indexOf(role ?? 'other');
    return direction === 'request' ? i : order.length - i;
  };
  return flow.perspectives
    .filter((p) => p.direction === direction)
    .sort((a, b) => {
      const ta = ctx.referenceNs(a.capture, a.firstNs);
      const tb = ctx.referenceNs(b.capture, b.firstNs);
      return ta < tb ? -1 : ta > tb ? 1 : rank(a) - rank(b);
    });
}

export type Stage = 'client' | 'node-before-nat' | 'node-after-nat' | 'backend' | 'other';

/** Where along the path a perspective sits: before or after the Service's DNAT. */
export function stageOf(ctx: RuleContext, flow: Flow, p: Perspective): Stage {
  const role = ctx.role(p.capture);
  if (role === 'client') return 'client';
  if (role === 'backend') return 'backend';
  if (role === 'node') return p.dst === flow.service ? 'node-before-nat' : 'node-after-nat';
  return 'other';
}

/** The furthest a flow's request got: the last perspective on its path, and its stage. */
export function lastSeen(ctx: RuleContext, flow: Flow): { perspective: Perspective; stage: Stage } | null {
  const path = pathOf(ctx, flow, 'request');
  const order: Stage[] = ['client', 'other', 'node-before-nat', 'node-after-nat', 'backend'];
  let best: { perspective: Perspective; stage: Stage } | null = null;
  for (const p of path) {
    const stage = stageOf(ctx, flow, p);
    if (!best || order.indexOf(stage) >= order.indexOf(best.stage)) best = { perspective: p, stage };
  }
  return best;
}

/** The capture points that could have seen the backend side of a flow: backend captures of that pod. */
export function backendCaptures(ctx: RuleContext, flow: Flow): string[] {
  const ip = ipOf(flow.backend);
  const pod = ip ? ctx.pod(ip, flow) : null;
  return ctx.correlation.captures
    .map((c) => c.capture)
    .filter((c) => {
      if (ctx.role(c) !== 'backend') return false;
      const point = ctx.point(c);
      if (pod && point?.pod) return point.pod === pod.name || point.pod === `${pod.namespace}/${pod.name}`;
      return flow.perspectives.some((p) => p.capture === c);
    });
}

export function formatDuration(ns: bigint): string {
  const abs = ns < 0n ? -ns : ns;
  if (abs >= 1_000_000_000n) return `${(Number(ns) / 1e9).toFixed(3)} s`;
  if (abs >= 1_000_000n) return `${(Number(ns) / 1e6).toFixed(1)} ms`;
  return `${(Number(ns) / 1e3).toFixed(0)} µs`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Flows grouped by a key, keys in first-seen order. */
export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Whether the TCP handshake completed as far as any capture point saw: a SYN-ACK was seen. */
export function handshakeAnswered(flow: Flow): boolean {
  return flow.perspectives.some((p) => p.direction === 'reply' && p.syn > 0);
}

/** Retransmissions at a perspective beyond the SYN (or SYN-ACK) repeats. */
export function dataRetransmissions(p: Perspective): number {
  return Math.max(0, p.retransmissions - Math.max(0, p.syn - 1));
}

/** A dataplane mismatch as evidence: what the snapshots say, with file and line. */
export function mismatchEvidence(m: DataplaneMismatch) {
  return {
    kind: m.kind,
    frontend: m.frontend,
    node: m.node ?? null,
    form: m.form ?? null,
    backend: m.backend ?? null,
    pod: m.pod ?? null,
    sources: m.sources,
    line: m.line ?? null,
    message: m.message,
  };
}

/** The flows whose original destination hits a dataplane frontend (and, if given, were DNATed on that node). */
export function flowsOfFrontend(ctx: RuleContext, frontendId: string, node?: string | null): Flow[] {
  return ctx.flows.filter((f) => {
    if (ctx.frontend(f)?.id !== frontendId) return false;
    if (!node) return true;
    const nat = ctx.natNode(f);
    return nat === null || nat === node;
  });
}

/** ICMP destination unreachable for a host or network (not a port, not fragmentation needed). */
export function hostUnreachable(flow: Flow): boolean {
  const e = flow.icmpError;
  if (!e) return false;
  if (flow.protocol === 'icmpv6' || e.from.includes(':')) return e.type === 1 && e.code === 3;
  return e.type === 3 && (e.code === 0 || e.code === 1 || e.code === 6 || e.code === 7);
}

/**
 * Where along one direction's path packets stop being seen: the first capture point that saw fewer
 * packets than the one before it, or null when every capture point saw them all.
 */
export function lossPoint(
  ctx: RuleContext,
  flow: Flow,
  direction: FlowDirection,
): { before: Perspective; after: Perspective; lost: number } | null {
  const path = pathOf(ctx, flow, direction);
  for (let i = 1; i < path.length; i++) {
    const lost = path[i - 1]!.packets - path[i]!.packets;
    if (lost > 0) return { before: path[i - 1]!, after: path[i]!, lost };
  }
  return null;
}

/** The tunnels a flow crossed (VXLAN, Geneve, IPIP, GRE) and the bytes each header adds. */
export function overlayOverhead(flow: Flow): { tunnel: string; bytes: number } | null {
  const t = flow.translations.find((x) => x.kind === 'ENCAP' && x.outer)?.outer;
  if (!t) return null;
  const ipv6 = t.src.includes(':');
  const ip = ipv6 ? 40 : 20;
  // Outer IP + UDP 8 + VXLAN/Geneve 8 + inner Ethernet 14; IPIP: outer IP; GRE: outer IP + 4.
  const bytes = { vxlan: ip + 8 + 8 + 14, geneve: ip + 8 + 8 + 14, ipip: ip, gre: ip + 4 }[t.tunnel];
  return { tunnel: t.tunnel, bytes };
}
