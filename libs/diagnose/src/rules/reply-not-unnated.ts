// REPLY_NOT_UNNATED: the client received the reply from the pod's own address instead of the
// Service VIP it called: the reply bypassed the node's conntrack (asymmetric path, bridge netfilter
// off on the shared bridge, conntrack entry lost), so the client does not recognise it and usually
// answers with a reset.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { groupBy, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const replyNotUnnated: Rule = {
  codes: ['REPLY_NOT_UNNATED'],
  run(ctx) {
    const raw = ctx.flows.filter((f) => untranslatedReplies(ctx, f).length > 0);
    return [...groupBy(raw, (f) => `${f.service}|${f.backend}`).values()].map((g) => finding(ctx, g));
  },
};

/** Reply perspectives at a client capture whose source is not the address the client called. */
export function untranslatedReplies(ctx: RuleContext, flow: Flow) {
  return flow.perspectives.filter(
    (p) =>
      p.direction === 'reply' &&
      ctx.role(p.capture) === 'client' &&
      p.src !== flow.service &&
      p.dst === flow.client,
  );
}

function finding(ctx: RuleContext, flows: Flow[]): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const raw = untranslatedReplies(ctx, flow);
  const from = unique(raw.map((p) => p.src));
  const fromIp = ipOf(from[0] ?? null);
  const pod = fromIp ? ctx.pod(fromIp, flow) : null;
  const clientReset = flows.filter((f) => f.resetBy === 'client').length;
  const node = ctx.natNode(flow) ?? (pod?.node || null);
  const client = endpoint(flow.client)!;
  return {
    code: 'REPLY_NOT_UNNATED',
    severity: 'error',
    title: `${svc?.display ?? flow.service}: client got replies from ${from.join(', ')} instead of the Service address`,
    detail:
      `For ${plural(flows.length, 'connection')} to ${target} the client received the reply from ` +
      `${from.join(', ')}${pod ? ` (pod ${pod.namespace}/${pod.name})` : ''} instead of ${flow.service}: the reply ` +
      `was not translated back, so it bypassed the conntrack entry of the DNAT (asymmetric path, or a bridge ` +
      `without br_netfilter when client and backend share it).` +
      (clientReset > 0 ? ` The client reset ${plural(clientReset, 'connection')} in answer.` : ''),
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows.flatMap((f) => sightings(ctx, f, (s) => s.direction === 'reply', 6)),
      service: flow.service,
      serviceName: svc?.display ?? null,
      repliesFrom: from,
      clientResets: clientReset,
      perspectives: raw.map((p) => ({ capture: p.capture, src: p.src, dst: p.dst, packets: p.packets })),
    },
    next: unique([
      commands.conntrackSource(client.ip, client.port, flow.protocol === 'udp' ? 'udp' : 'tcp', node),
      commands.brNetfilter(node),
      fromIp && commands.ipRouteGet(client.ip, pod?.node ?? node),
      commands.tcpdump(client.ip, client.port, node),
    ]),
  };
}
