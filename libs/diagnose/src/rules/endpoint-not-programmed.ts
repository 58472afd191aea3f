// ENDPOINT_NOT_PROGRAMMED: a ready endpoint a node's rules do not send traffic to (or, from the
// dataplane model's SERVICE_NOT_PROGRAMMED, a Service the node has no rules for at all). Confirmed
// by packets when connections DNATed on that node never went to the endpoint (or, for a missing
// Service, were never DNATed and failed).
import type { DataplaneMismatch } from '#cluster';
import { commands, unique } from '../commands.js';
import { endpoint, type RuleContext } from '../context.js';
import { flowsOfFrontend, groupBy, mismatchEvidence, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const endpointNotProgrammed: Rule = {
  codes: ['ENDPOINT_NOT_PROGRAMMED'],
  run(ctx) {
    const mismatches = (ctx.dataplane?.mismatches ?? []).filter(
      (m) => m.kind === 'ENDPOINT_NOT_PROGRAMMED' || m.kind === 'SERVICE_NOT_PROGRAMMED',
    );
    return [...groupBy(mismatches, (m) => `${m.kind}|${m.frontend}|${m.node}|${m.backend}`).values()].map(
      (g) => finding(ctx, g),
    );
  },
};

function finding(ctx: RuleContext, group: DataplaneMismatch[]): Finding {
  const m = group[0]!;
  const svc = ctx.serviceNamed(m.service);
  const whole = m.kind === 'SERVICE_NOT_PROGRAMMED';
  const flows = flowsOfFrontend(ctx, m.frontend, m.node);
  const toIt = flows.filter((f) => f.backend === m.backend);
  const failed = flows.filter((f) => f.backend === null && f.state !== 'CLOSED' && f.state !== 'ANSWERED');
  const confirmed = whole ? failed.length > 0 : flows.length > 0 && toIt.length === 0;
  const name = m.service ?? m.frontend;
  const packets = whole
    ? confirmed
      ? ` ${plural(failed.length, 'captured connection')} to it failed without being DNATed.`
      : ' No captured connection failed because of it.'
    : flows.length === 0
      ? ' No captured connection went through that frontend on that node: not confirmed by packets.'
      : toIt.length === 0
        ? ` Confirmed: none of ${plural(flows.length, 'captured connection')} went to it.`
        : ` Yet ${plural(toIt.length, 'captured connection')} of ${flows.length} went to it: the snapshot may predate the capture.`;
  const be = endpoint(m.backend);
  return {
    code: 'ENDPOINT_NOT_PROGRAMMED',
    severity: whole && confirmed ? 'error' : 'warning',
    title: whole
      ? `${name}: not programmed on ${m.node ?? 'a node'}`
      : `${name}: endpoint ${m.backend}${m.pod ? ` (${m.pod})` : ''} not programmed on ${m.node ?? 'a node'}`,
    detail: `${m.message}.${packets}`,
    flows: (whole ? failed : flows).map((f) => f.id),
    evidence: {
      sightings: (whole ? failed : toIt).slice(0, 3).flatMap((f) => sightings(ctx, f, () => true, 4)),
      confirmedByPackets: confirmed,
      frontend: m.frontend,
      backend: m.backend ?? null,
      node: m.node ?? null,
      connectionsThroughFrontend: flows.length,
      connectionsToBackend: toIt.length,
      snapshot: group.map(mismatchEvidence),
    },
    next: unique([
      svc && commands.endpointSlices(svc),
      svc && commands.iptablesFor(svc, m.node),
      be && m.form === 'ipvs' && commands.ipvsadm(be.ip, be.port, m.frontend.split('/')[0]!, m.node),
      commands.kubeProxyLogs(),
    ]),
  };
}
