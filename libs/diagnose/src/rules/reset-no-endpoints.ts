// RESET_NO_ENDPOINTS: the node itself refused a connection to a Service frontend (TCP RST or ICMP
// port unreachable, never DNATed to any backend): kube-proxy's REJECT for a Service without
// endpoints. Confirmed by the dataplane model's NO_ENDPOINTS when snapshots were given.
// NO_ENDPOINTS (info): the snapshots say a frontend has no endpoints but no captured traffic tried it.
import type { DataplaneMismatch } from '#cluster';
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, type RuleContext, type ServiceRef } from '../context.js';
import { groupBy, mismatchEvidence, pathOf, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const resetNoEndpoints: Rule = {
  codes: ['RESET_NO_ENDPOINTS', 'NO_ENDPOINTS'],
  run(ctx) {
    const refused = ctx.flows.filter((f) => refusal(f) !== null);
    const findings = [...groupBy(refused, (f) => `${f.protocol}|${f.service}`).values()].map((g) =>
      confirmedFinding(ctx, g),
    );
    const tried = ctx.aggregates.frontendsTried;
    const idle = (ctx.dataplane?.mismatches ?? []).filter(
      (m) => m.kind === 'NO_ENDPOINTS' && !tried.has(m.frontend),
    );
    for (const group of groupBy(idle, (m) => m.frontend).values()) findings.push(idleFinding(ctx, group));
    return findings;
  },
};

/** How the node refused the flow, or null if it was not refused for want of endpoints. */
export function refusal(flow: Flow): 'tcp-reset' | 'icmp-port-unreachable' | null {
  if (flow.backend !== null) return null;
  if (flow.translations.some((t) => t.direction === 'request' && /DNAT/.test(t.kind))) return null;
  if (
    flow.protocol === 'tcp' &&
    flow.state === 'RESET' &&
    (flow.resetBy === 'node' || flow.resetBy === 'service')
  )
    return flow.perspectives.some((p) => p.direction === 'reply' && p.syn > 0) ? null : 'tcp-reset';
  const e = flow.icmpError;
  if (flow.state === 'ICMP_ERROR' && e && ((e.type === 3 && e.code === 3) || (e.type === 1 && e.code === 4)))
    return 'icmp-port-unreachable';
  return null;
}

function confirmedFinding(ctx: RuleContext, flows: Flow[]): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const how = refusal(flow)!;
  const frontend = ctx.frontend(flow);
  const mismatches = (ctx.dataplane?.mismatches ?? []).filter(
    (m) => m.kind === 'NO_ENDPOINTS' && frontend && m.frontend === frontend.id,
  );
  const firstReply = pathOf(ctx, flow, 'reply')[0];
  const node = (firstReply && ctx.nodeOf(firstReply.capture)) ?? mismatches[0]?.node ?? null;
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const answer = how === 'tcp-reset' ? 'a TCP reset' : 'ICMP port unreachable';
  const snapshot =
    mismatches.length > 0
      ? ` The snapshots agree: ${unique(mismatches.map((m) => m.message)).join('; ')}.`
      : ctx.dataplane
        ? ' The dataplane snapshots do not show this frontend without endpoints: they may predate the capture.'
        : '';
  const ep = endpoint(flow.service);
  return {
    code: 'RESET_NO_ENDPOINTS',
    severity: 'error',
    title: `${svc?.display ?? flow.service} has no endpoints: ${plural(flows.length, 'connection')} refused`,
    detail:
      `${plural(flows.length, 'connection')} to ${target} ${flows.length === 1 ? 'was' : 'were'} answered by ` +
      `${node ? `node ${node}` : 'the node'} itself with ${answer}${flow.icmpError ? ` from ${flow.icmpError.from}` : ''}, ` +
      `never DNATed to a backend: kube-proxy rejects traffic to a Service without ready endpoints.${snapshot}`,
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows.flatMap((f) => sightings(ctx, f, () => true, 6)),
      service: flow.service,
      serviceName: svc?.display ?? null,
      refusedWith: how,
      icmp: flow.icmpError,
      node,
      confirmedBySnapshot: mismatches.length > 0,
      snapshot: mismatches.map(mismatchEvidence),
    },
    next: nextFor(ctx, svc, node, ep?.ip ?? null),
  };
}

function idleFinding(ctx: RuleContext, mismatches: DataplaneMismatch[]): Finding {
  const m = mismatches[0]!;
  const fe = ctx.frontendById(m.frontend);
  const svc = ctx.serviceNamed(m.service);
  const nodes = unique(mismatches.map((x) => x.node));
  return {
    code: 'NO_ENDPOINTS',
    severity: 'info',
    title: `${m.service ?? m.frontend} has no endpoints (no captured traffic tried it)`,
    detail: `${m.message}${nodes.length > 1 ? ` (also on ${nodes.slice(1).join(', ')})` : ''}. No connection in the captures went to ${m.frontend}, so nothing failed because of it here.`,
    flows: [],
    evidence: {
      sightings: [],
      frontend: m.frontend,
      rejectedWith: fe?.programmed[0]?.rejected ?? null,
      snapshot: mismatches.map(mismatchEvidence),
    },
    next: nextFor(ctx, svc, m.node ?? null, fe?.ip ?? null),
  };
}

function nextFor(ctx: RuleContext, svc: ServiceRef | null, node: string | null, ip: string | null): string[] {
  return unique([
    svc && commands.endpointSlices(svc),
    svc && commands.describeService(svc),
    svc && commands.iptablesReject(svc, node),
    ip && commands.conntrack(ip, node),
    commands.kubeProxyLogs(),
  ]);
}
