// The three-perspective table of one flow: every capture point's view of it, put in the order the
// packets travelled. Requests go client -> node before DNAT -> node after DNAT -> backend, replies the
// other way. The stage comes from the tuple (not the capture's role: in a hairpin the backend pod is
// also the client), and captures at the same stage are ordered by their offset-corrected clocks.
import type { Direction, FlowInput, PerspectiveInput, ReportPerspective, Stage } from './types.js';

export function directionOf(flow: FlowInput, tuple: { src: string; dst: string }): Direction {
  if (tuple.src === flow.client || tuple.src === flow.clientSeenByBackend) return 'request';
  if (tuple.dst === flow.client || tuple.dst === flow.clientSeenByBackend) return 'reply';
  return tuple.dst === flow.service || tuple.dst === flow.backend ? 'request' : 'reply';
}

export function stageOf(flow: FlowInput, direction: Direction, tuple: { src: string; dst: string }): Stage {
  if (flow.backend === null || flow.backend === flow.service) return null;
  const far = direction === 'request' ? tuple.dst : tuple.src;
  if (far === flow.service) return 'pre-DNAT';
  if (far === flow.backend) return 'post-DNAT';
  return null;
}

const SENDER_STAGE: Record<Direction, Stage> = { request: 'pre-DNAT', reply: 'post-DNAT' };

/**
 * Sort key within one direction: the sender's side of the DNAT before the receiver's, and on each
 * side the pod's own capture at the outer end (it sends first and receives last). Clock offsets only
 * break ties, since their error can exceed a hop's latency.
 */
function rank(direction: Direction, stage: Stage, role: string | undefined): number {
  const endpoint = role === 'client' || role === 'backend';
  if (stage === null) {
    const sender = direction === 'request' ? 'client' : 'backend';
    return role === sender ? 0 : endpoint ? 4 : 2;
  }
  if (stage === SENDER_STAGE[direction]) return endpoint ? 0 : 1;
  return endpoint ? 4 : 3;
}

/** offsets: capture id -> its clock minus the reference clock (ns); roles: capture id -> role. */
export function orderPerspectives(
  flow: FlowInput,
  offsets: Map<string, bigint>,
  roles: Map<string, string>,
): ReportPerspective[] {
  return pathOrdered(
    flow,
    sortByPath(flow, flow.perspectives, (c) => offsets.get(c) ?? 0n, roles),
  );
}

/**
 * A flow's perspectives in path order (the same objects, a new array): what the analysis runner
 * hands on, ordered with the clock offsets known when the flow finished, so every later reader
 * (the report, the API) keeps that order instead of sorting again with other offsets.
 */
export function sortByPath<P extends PerspectiveInput>(
  flow: FlowInput,
  perspectives: readonly P[],
  offset: (capture: string) => bigint,
  roles: Map<string, string>,
): P[] {
  const rows = perspectives.map((p) => {
    const direction = p.direction ?? directionOf(flow, p);
    const stage = stageOf(flow, direction, p);
    const at = p.firstNs ? BigInt(p.firstNs) - offset(p.capture) : 0n;
    return { p, key: [direction === 'request' ? 0 : 1, rank(direction, stage, roles.get(p.capture))], at };
  });
  rows.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return rows.map((r) => r.p);
}

/** Perspectives already in path order, in the report's form (with their stage). */
export function pathOrdered(flow: FlowInput, perspectives: readonly PerspectiveInput[]): ReportPerspective[] {
  return perspectives.map((p) => {
    const direction = p.direction ?? directionOf(flow, p);
    return {
      capture: p.capture,
      direction,
      stage: stageOf(flow, direction, p),
      src: p.src,
      dst: p.dst,
      packets: p.packets,
      interfaces: p.interfaces ?? [],
      outer: p.outer ?? null,
    };
  });
}
