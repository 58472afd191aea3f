// WEIGHT_ZERO: an IPVS real server with weight 0 gets no new connections. kube-proxy drains
// terminating endpoints so (info); for an endpoint that is not terminating it is a problem
// (warning). The packets show whether new connections still went there.
import type { DataplaneMismatch } from '#cluster';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { flowsOfFrontend, groupBy, mismatchEvidence, plural } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const weightZero: Rule = {
  codes: ['WEIGHT_ZERO'],
  run(ctx) {
    const mismatches = (ctx.dataplane?.mismatches ?? []).filter((m) => m.kind === 'WEIGHT_ZERO');
    return [...groupBy(mismatches, (m) => `${m.frontend}|${m.node}|${m.backend}`).values()].map((g) =>
      finding(ctx, g),
    );
  },
};

function finding(ctx: RuleContext, group: DataplaneMismatch[]): Finding {
  const m = group[0]!;
  const svc = ctx.serviceNamed(m.service);
  const fe = ctx.frontendById(m.frontend);
  const intended = fe?.intended.find((b) => `${b.ip}:${b.port}` === m.backend || ipOf(m.backend) === b.ip);
  const draining = intended?.terminating === true;
  const flows = flowsOfFrontend(ctx, m.frontend, m.node);
  const toIt = flows.filter((f) => f.backend === m.backend);
  const packets =
    flows.length === 0
      ? ' No captured connection went through it.'
      : toIt.length === 0
        ? ` Confirmed: none of ${plural(flows.length, 'captured connection')} went to it.`
        : ` Yet ${plural(toIt.length, 'captured connection')} of ${flows.length} went to it (existing connections, or the weight changed during the capture).`;
  const vs = fe?.ip ? fe : null;
  const be = endpoint(m.backend);
  return {
    code: 'WEIGHT_ZERO',
    severity: draining ? 'info' : 'warning',
    title: `${m.service ?? m.frontend}: real server ${m.backend} has weight 0 on ${m.node ?? 'a node'}`,
    detail: `${m.message}${draining ? ' — the endpoint is terminating, so kube-proxy is draining it as intended' : ' — the endpoint is not terminating, so it gets no new connections for no reason'}.${packets}`,
    flows: toIt.map((f) => f.id),
    evidence: {
      sightings: [],
      confirmedByPackets: flows.length > 0 && toIt.length === 0,
      frontend: m.frontend,
      backend: m.backend ?? null,
      terminating: intended?.terminating ?? null,
      connectionsThroughFrontend: flows.length,
      connectionsToBackend: toIt.length,
      snapshot: group.map(mismatchEvidence),
    },
    next: unique([
      vs && commands.ipvsadm(vs.ip!, vs.port, vs.protocol, m.node),
      svc && commands.endpointSlices(svc),
      be && commands.conntrack(be.ip, m.node),
      commands.kubeProxyLogs(),
    ]),
  };
}
