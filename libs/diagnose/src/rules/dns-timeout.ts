// DNS_TIMEOUT: UDP queries to a DNS port (options.dnsPorts) that got no answer, with where the
// query was last seen. Two queries on one socket within options.dnsParallelWindowNs of which only
// some were answered is the parallel A/AAAA pattern that loses a conntrack insert race on the
// node (insert_failed): the second query's DNAT entry clashes with the first's.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { groupBy, lastSeen, pathOf, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

interface Timeout {
  flow: Flow;
  queries: number;
  answers: number;
  parallel: boolean;
}

export const dnsTimeout: Rule = {
  codes: ['DNS_TIMEOUT'],
  run(ctx) {
    const timeouts: Timeout[] = [];
    for (const flow of ctx.flows) {
      if (flow.protocol !== 'udp' || flow.state === 'ICMP_ERROR' || !isDns(ctx, flow)) continue;
      const sent = pathOf(ctx, flow, 'request')[0];
      const got = pathOf(ctx, flow, 'reply')
        .filter((p) => p.dst === flow.client)
        .at(-1);
      const queries = sent?.packets ?? flow.request.packets;
      const answers = got?.packets ?? 0;
      if (answers >= queries) continue;
      const span = sent ? BigInt(sent.lastNs) - BigInt(sent.firstNs) : 0n;
      const parallel = queries >= 2 && answers >= 1 && span <= ctx.options.dnsParallelWindowNs;
      timeouts.push({ flow, queries, answers, parallel });
    }
    return [...groupBy(timeouts, (t) => `${t.flow.service}|${t.parallel}`).values()].map((g) =>
      finding(ctx, g),
    );
  },
};

/** To or from a DNS port (options.dnsPorts). */
export function isDns(ctx: RuleContext, flow: Flow): boolean {
  const ports = [endpoint(flow.service)?.port, endpoint(flow.backend)?.port];
  return ports.some((p) => p !== undefined && ctx.options.dnsPorts.includes(p));
}

function finding(ctx: RuleContext, group: Timeout[]): Finding {
  const { flow, parallel } = group[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const queries = group.reduce((n, t) => n + t.queries, 0);
  const answers = group.reduce((n, t) => n + t.answers, 0);
  const last = lastSeen(ctx, flow);
  const node = ctx.natNode(flow) ?? (last ? ctx.nodeOf(last.perspective.capture) : null);
  const where = last
    ? last.stage === 'backend'
      ? `the queries reached the DNS server (${ctx.describeCapture(last.perspective.capture)}) which did not answer`
      : `the queries were last seen at ${ctx.describeCapture(last.perspective.capture)}${last.stage === 'node-before-nat' ? ' before DNAT' : ''}`
    : 'no capture point saw the queries';
  const race = parallel
    ? ` Two queries left one socket within ${Number(ctx.options.dnsParallelWindowNs / 1_000_000n)} ms and only one was ` +
      `answered: the parallel A/AAAA pattern whose second query loses the conntrack insert race on the node ` +
      `(conntrack -S shows insert_failed); glibc's "options single-request-reopen" or NodeLocal DNSCache avoid it.`
    : '';
  const client = endpoint(flow.client)!;
  return {
    code: 'DNS_TIMEOUT',
    severity: answers === 0 ? 'error' : 'warning',
    title: `${svc?.display ?? flow.service}: ${plural(queries - answers, 'DNS query', 'DNS queries')} unanswered`,
    detail:
      `${plural(queries, 'query', 'queries')} from ${plural(group.length, 'socket')} to ${target} got ` +
      `${plural(answers, 'answer')}; ${where}.${race}`,
    flows: group.map((t) => t.flow.id),
    evidence: {
      sightings: group.flatMap((t) => sightings(ctx, t.flow, () => true, 8)),
      queries,
      answers,
      parallelSameSocket: parallel,
      lastSeen: last ? { stage: last.stage, capture: last.perspective.capture } : null,
      perSocket: group.map((t) => ({
        flow: t.flow.id,
        client: t.flow.client,
        queries: t.queries,
        answers: t.answers,
      })),
    },
    next: unique([
      commands.conntrackStats(node),
      commands.conntrackSource(client.ip, client.port, 'udp', node),
      svc && commands.endpointSlices(svc),
      commands.dnsLogs(),
      `tcpdump -ni any udp port 53 and host ${ipOf(flow.client)}${node ? `  # on ${node}` : ''}`,
    ]),
  };
}
