// RETRANSMISSIONS: a flow whose data was retransmitted at least options.minRetransmissions times at
// one capture point (SYN repeats excluded: SYN_UNANSWERED), with the capture point where loss
// begins: the first one on the path that saw fewer packets than the one before it. A flow whose
// large segments vanish is MTU_BLACKHOLE's case instead.
import type { Flow, FlowDirection } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { dataRetransmissions, groupBy, lossPoint, pathOf, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';
import { blackhole } from './mtu-blackhole.js';

export const retransmissions: Rule = {
  codes: ['RETRANSMISSIONS'],
  run(ctx) {
    const lossy = ctx.flows
      .filter((f) => f.protocol === 'tcp' && f.state !== 'UNANSWERED' && blackhole(ctx, f) === null)
      .map((flow) => ({ flow, worst: worstDirection(flow) }))
      .filter((x) => x.worst.count >= ctx.options.minRetransmissions);
    return [...groupBy(lossy, (x) => `${x.flow.service}|${x.flow.backend}`).values()].map((g) =>
      finding(ctx, g),
    );
  },
};

function worstDirection(flow: Flow): { direction: FlowDirection; count: number } {
  let best: { direction: FlowDirection; count: number } = { direction: 'request', count: 0 };
  for (const p of flow.perspectives) {
    const n = dataRetransmissions(p);
    if (n > best.count) best = { direction: p.direction, count: n };
  }
  return best;
}

function finding(
  ctx: RuleContext,
  group: { flow: Flow; worst: { direction: FlowDirection; count: number } }[],
): Finding {
  const { flow } = group[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const perFlow = group.map(({ flow: f, worst }) => {
    const loss = lossPoint(ctx, f, worst.direction);
    const path = pathOf(ctx, f, worst.direction);
    return {
      flow: f.id,
      direction: worst.direction,
      retransmissions: worst.count,
      packets: path[0]?.packets ?? 0,
      lossBetween: loss ? { from: loss.before.capture, to: loss.after.capture, lost: loss.lost } : null,
      perCapture: path.map((p) => ({
        capture: p.capture,
        packets: p.packets,
        retransmissions: dataRetransmissions(p),
      })),
    };
  });
  const first = perFlow[0]!;
  const where = first.lossBetween
    ? `loss begins between ${ctx.describeCapture(first.lossBetween.from)} and ${ctx.describeCapture(first.lossBetween.to)} ` +
      `(${plural(first.lossBetween.lost, 'packet')} seen at the first never reached the second)`
    : `every capture point saw the retransmitted packets, so they were lost beyond the last one ` +
      `(${pathOf(ctx, flow, first.direction).at(-1)?.capture ?? 'unknown'}) or their ACKs were lost on the way back`;
  const sender =
    first.direction === 'request'
      ? `the client ${flow.client}`
      : `the backend ${flow.backend ?? flow.service}`;
  const node = ctx.natNode(flow);
  const be = endpoint(flow.backend);
  return {
    code: 'RETRANSMISSIONS',
    severity: 'warning',
    title: `${svc?.display ?? flow.service}: ${plural(group.length, 'connection')} with retransmissions`,
    detail:
      `${plural(group.length, 'connection')} to ${target}${flow.backend ? ` (backend ${flow.backend})` : ''} retransmitted ` +
      `data (${sender} resent ${plural(first.retransmissions, 'segment')} of ${first.packets}); ${where}.`,
    flows: group.map((g) => g.flow.id),
    evidence: {
      sightings: group
        .slice(0, 3)
        .flatMap((g) => sightings(ctx, g.flow, (s) => s.direction === first.direction, 6)),
      threshold: ctx.options.minRetransmissions,
      flows: perFlow,
    },
    next: unique([
      first.lossBetween &&
        commands.tcpdump(ipOf(flow.client)!, endpoint(flow.client)?.port, ctx.nodeOf(first.lossBetween.to)),
      be && commands.tcpdump(be.ip, be.port, node),
      'netstat -s | grep -i retrans',
      commands.linkMtu(node),
    ]),
  };
}
