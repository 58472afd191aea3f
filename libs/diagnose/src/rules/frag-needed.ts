// FRAG_NEEDED: ICMP fragmentation needed (IPv4 type 3 code 4) or packet too big (ICMPv6 type 2)
// came back for a flow: the path MTU is smaller than what the sender used. Path MTU discovery is
// working, but every new path pays a round trip and a resend; with an overlay, the pods' MTU was not
// lowered by the encapsulation overhead.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, type RuleContext } from '../context.js';
import { groupBy, overlayOverhead, pathOf, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export function fragNeeded(flow: Flow): boolean {
  const e = flow.icmpError;
  if (!e) return false;
  return e.from.includes(':') || flow.protocol === 'icmpv6' ? e.type === 2 : e.type === 3 && e.code === 4;
}

export const fragNeededRule: Rule = {
  codes: ['FRAG_NEEDED'],
  run(ctx) {
    const flows = ctx.flows.filter(fragNeeded);
    return [...groupBy(flows, (f) => `${f.service}|${f.icmpError!.from}`).values()].map((g) =>
      finding(ctx, g),
    );
  },
};

function finding(ctx: RuleContext, flows: Flow[]): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const e = flow.icmpError!;
  const overlay = flows.map(overlayOverhead).find((o) => o !== null) ?? ctx.aggregates.overlayOverhead();
  const reply = pathOf(ctx, flow, 'reply')[0];
  const node = (reply && ctx.nodeOf(reply.capture)) ?? ctx.natNode(flow);
  const be = endpoint(flow.backend) ?? endpoint(flow.service);
  return {
    code: 'FRAG_NEEDED',
    severity: 'warning',
    title: `${svc?.display ?? flow.service}: ICMP fragmentation needed from ${e.from}`,
    detail:
      `${plural(flows.length, 'connection')} to ${target} got ICMP ${e.from.includes(':') ? 'packet too big' : 'fragmentation needed'} ` +
      `from ${e.from}${ctx.nodeName(e.from) ? ` (node ${ctx.nodeName(e.from)})` : ''}: the sender's packets exceed the path MTU.` +
      (overlay
        ? ` The path crosses a ${overlay.tunnel.toUpperCase()} overlay adding ${overlay.bytes} bytes: lower the pods' MTU by that much.`
        : ' No overlay was seen on these flows: check the MTU of every link on the path.'),
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows.flatMap((f) => sightings(ctx, f, () => true, 6)),
      icmp: e,
      overlay,
      node,
    },
    next: unique([
      commands.linkMtu(node),
      be && commands.ipRouteGet(be.ip, node),
      `tcpdump -ni any 'icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4'${node ? `  # on ${node}` : ''}`,
    ]),
  };
}
