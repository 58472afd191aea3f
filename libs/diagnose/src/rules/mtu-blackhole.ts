// MTU_BLACKHOLE: an established TCP flow whose large segments are retransmitted and never reach the
// next capture point (what reached it is much smaller on average), with no ICMP fragmentation-needed
// anywhere: path MTU discovery is broken (ICMP filtered, or an overlay whose MTU was not lowered by
// its header size).
import type { Flow, FlowDirection, Perspective } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, type RuleContext } from '../context.js';
import {
  dataRetransmissions,
  groupBy,
  handshakeAnswered,
  overlayOverhead,
  pathOf,
  plural,
  sightings,
} from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';
import { fragNeeded } from './frag-needed.js';

export interface Blackhole {
  direction: FlowDirection;
  sender: Perspective;
  next: Perspective;
  retransmissions: number;
  senderAverage: number;
  nextAverage: number;
}

/** The blackhole signature on one flow, or null. */
export function blackhole(ctx: RuleContext, flow: Flow): Blackhole | null {
  if (flow.protocol !== 'tcp' || !handshakeAnswered(flow) || fragNeeded(flow)) return null;
  for (const direction of ['request', 'reply'] as const) {
    const path = pathOf(ctx, flow, direction);
    const sender = path[0];
    if (!sender) continue;
    const retransmissions = dataRetransmissions(sender);
    if (retransmissions < ctx.options.minRetransmissions) continue;
    for (const next of path.slice(1)) {
      if (next.packets >= sender.packets || next.packets === 0) continue;
      const senderAverage = sender.bytes / sender.packets;
      const nextAverage = next.bytes / next.packets;
      if (senderAverage - nextAverage >= ctx.options.mtuSizeGapBytes)
        return { direction, sender, next, retransmissions, senderAverage, nextAverage };
    }
  }
  return null;
}

export const mtuBlackhole: Rule = {
  codes: ['MTU_BLACKHOLE'],
  run(ctx) {
    const holes = ctx.flows
      .map((flow) => ({ flow, hole: blackhole(ctx, flow) }))
      .filter((x) => x.hole !== null);
    return [...groupBy(holes, (x) => `${x.flow.service}|${x.flow.backend}`).values()].map((g) =>
      finding(
        ctx,
        g.map((x) => ({ flow: x.flow, hole: x.hole! })),
      ),
    );
  },
};

function finding(ctx: RuleContext, group: { flow: Flow; hole: Blackhole }[]): Finding {
  const { flow, hole } = group[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const overlay = overlayOverhead(flow);
  const senderNode = ctx.nodeOf(hole.sender.capture);
  const nextNode = ctx.nodeOf(hole.next.capture);
  const be = endpoint(flow.backend);
  return {
    code: 'MTU_BLACKHOLE',
    severity: 'error',
    title: `${svc?.display ?? flow.service}: large packets vanish without ICMP fragmentation-needed`,
    detail:
      `On ${plural(group.length, 'connection')} to ${target}, ${ctx.describeCapture(hole.sender.capture)} saw ` +
      `${hole.sender.packets} packets (${Math.round(hole.senderAverage)} bytes on average, ${plural(hole.retransmissions, 'retransmission')}) ` +
      `but ${ctx.describeCapture(hole.next.capture)} only ${hole.next.packets} (${Math.round(hole.nextAverage)} bytes on average), ` +
      `and no ICMP fragmentation-needed came back: a path MTU black hole.` +
      (overlay
        ? ` The path crosses a ${overlay.tunnel.toUpperCase()} overlay that adds ${overlay.bytes} bytes: pod MTUs must be at most the underlay MTU minus ${overlay.bytes}.`
        : ''),
    flows: group.map((g) => g.flow.id),
    evidence: {
      sightings: group
        .slice(0, 3)
        .flatMap((g) => sightings(ctx, g.flow, (s) => s.direction === hole.direction, 6)),
      direction: hole.direction,
      sender: { capture: hole.sender.capture, packets: hole.sender.packets, bytes: hole.sender.bytes },
      next: { capture: hole.next.capture, packets: hole.next.packets, bytes: hole.next.bytes },
      retransmissions: hole.retransmissions,
      overlay,
      icmpFragNeededSeen: false,
    },
    next: unique([
      commands.linkMtu(senderNode),
      nextNode !== senderNode && commands.linkMtu(nextNode),
      be && commands.ipRouteGet(be.ip, senderNode),
      `tcpdump -ni any 'icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4'${senderNode ? `  # on ${senderNode}` : ''}`,
    ]),
  };
}
