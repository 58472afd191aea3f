// DUPLICATE_ACKS: a receiver repeated the same ACK at least options.minDuplicateAcks times at one
// capture point (three trigger a fast retransmit): segments from the other side went missing. The
// capture point where loss begins is the first on the sender's path that saw fewer packets.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, type RuleContext } from '../context.js';
import { groupBy, lossPoint, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const duplicateAcks: Rule = {
  codes: ['DUPLICATE_ACKS'],
  run(ctx) {
    const flagged = ctx.flows
      .filter((f) => f.protocol === 'tcp')
      .map((flow) => {
        const worst = [...flow.perspectives].sort((a, b) => b.duplicateAcks - a.duplicateAcks)[0];
        return { flow, worst };
      })
      .filter((x) => x.worst && x.worst.duplicateAcks >= ctx.options.minDuplicateAcks);
    return [...groupBy(flagged, (x) => `${x.flow.service}|${x.flow.backend}`).values()].map((g) =>
      finding(
        ctx,
        g.map((x) => ({ flow: x.flow, worst: x.worst! })),
      ),
    );
  },
};

function finding(ctx: RuleContext, group: { flow: Flow; worst: Flow['perspectives'][number] }[]): Finding {
  const { flow, worst } = group[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  // The ACKs travel one way; the data they ask for travels the other.
  const dataDirection = worst.direction === 'request' ? 'reply' : 'request';
  const receiver =
    worst.direction === 'request'
      ? `the client ${flow.client}`
      : `the backend ${flow.backend ?? flow.service}`;
  const loss = lossPoint(ctx, flow, dataDirection);
  const where = loss
    ? `data was lost between ${ctx.describeCapture(loss.before.capture)} and ${ctx.describeCapture(loss.after.capture)}`
    : 'every capture point saw the same data packets, so the loss is beyond them or before the first';
  const node = ctx.natNode(flow);
  const be = endpoint(flow.backend);
  return {
    code: 'DUPLICATE_ACKS',
    severity: 'warning',
    title: `${svc?.display ?? flow.service}: duplicate ACKs on ${plural(group.length, 'connection')}`,
    detail:
      `${receiver} sent ${plural(worst.duplicateAcks, 'duplicate ACK')} (seen at ${ctx.describeCapture(worst.capture)}) ` +
      `on a connection to ${target}: segments were missing; ${where}.`,
    flows: group.map((g) => g.flow.id),
    evidence: {
      sightings: group
        .slice(0, 3)
        .flatMap((g) => sightings(ctx, g.flow, (s) => s.direction === worst.direction, 6)),
      threshold: ctx.options.minDuplicateAcks,
      flows: group.map((g) => ({
        flow: g.flow.id,
        duplicateAcks: g.worst.duplicateAcks,
        capture: g.worst.capture,
        direction: g.worst.direction,
      })),
      lossBetween: loss ? { from: loss.before.capture, to: loss.after.capture, lost: loss.lost } : null,
    },
    next: unique([
      be && commands.tcpdump(be.ip, be.port, node),
      'netstat -s | grep -iE "retrans|dup"',
      commands.linkMtu(node),
    ]),
  };
}
