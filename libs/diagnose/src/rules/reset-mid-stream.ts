// RESET_MID_STREAM: a connection that was established and then reset — by the backend (crash,
// timeout, proxy limits), by the client, or by the path (a conntrack INVALID drop answered with a
// reset, a firewall). Replies that were never un-NATed are REPLY_NOT_UNNATED's case instead.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { groupBy, handshakeAnswered, pathOf, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';
import { untranslatedReplies } from './reply-not-unnated.js';

export const resetMidStream: Rule = {
  codes: ['RESET_MID_STREAM'],
  run(ctx) {
    const reset = ctx.flows.filter(
      (f) =>
        f.protocol === 'tcp' &&
        f.state === 'RESET' &&
        handshakeAnswered(f) &&
        untranslatedReplies(ctx, f).length === 0,
    );
    return [...groupBy(reset, (f) => `${f.service}|${f.backend}|${f.resetBy}`).values()].map((g) =>
      finding(ctx, g),
    );
  },
};

function finding(ctx: RuleContext, flows: Flow[]): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const by = flow.resetBy ?? 'unknown';
  const beIp = ipOf(flow.backend);
  const pod = beIp ? ctx.pod(beIp, flow) : null;
  const direction = by === 'client' ? 'request' : 'reply';
  const firstRst =
    pathOf(ctx, flow, direction).find((p) => p.rst > 0) ?? flow.perspectives.find((p) => p.rst > 0);
  const who = {
    backend: `the backend${pod ? ` ${pod.namespace}/${pod.name}` : ''}`,
    client: `the client ${flow.client}`,
    node: 'the node on the path (neither endpoint sent it)',
    service: 'the Service address',
    unknown: 'an unknown party',
  }[by];
  const node = ctx.natNode(flow);
  const ep = endpoint(flow.service);
  return {
    code: 'RESET_MID_STREAM',
    severity: 'warning',
    title: `${svc?.display ?? flow.service}: ${plural(flows.length, 'established connection')} reset by ${by}`,
    detail:
      `${plural(flows.length, 'connection')} to ${target}${flow.backend ? ` (backend ${flow.backend})` : ''} completed ` +
      `the handshake and exchanged ${flow.request.bytes + flow.reply.bytes} bytes, then ${who} reset it` +
      `${firstRst ? ` (first RST at ${ctx.describeCapture(firstRst.capture)})` : ''}.`,
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows.flatMap((f) =>
        sightings(ctx, f, (s) => (s.tcpFlags & 4) !== 0 || (s.tcpFlags & 2) !== 0, 6),
      ),
      resetBy: by,
      firstResetAt: firstRst?.capture ?? null,
      request: flow.request,
      reply: flow.reply,
    },
    next: unique([
      pod && by === 'backend' && commands.podLogs(pod),
      ep && commands.conntrack(ep.ip, node),
      by === 'node' && commands.conntrackStats(node),
      beIp
        ? commands.tcpdump(beIp, endpoint(flow.backend)?.port, node)
        : ep && commands.tcpdump(ep.ip, ep.port, node),
    ]),
  };
}
