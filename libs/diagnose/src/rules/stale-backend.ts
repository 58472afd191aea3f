// STALE_BACKEND: the node sends a Service's traffic to an address that is no (serving) endpoint any
// more, or that nobody answers at (its neighbour entry INCOMPLETE/FAILED). From the dataplane model
// (STALE_BACKEND, BACKEND_UNREACHABLE), confirmed when captured connections went there and failed,
// or from packets alone: the node answered a Service connection with ICMP host unreachable.
import type { DataplaneMismatch } from '#cluster';
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import {
  flowsOfFrontend,
  groupBy,
  hostUnreachable,
  mismatchEvidence,
  pathOf,
  plural,
  sightings,
} from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const staleBackend: Rule = {
  codes: ['STALE_BACKEND'],
  run(ctx) {
    const findings: Finding[] = [];
    const covered = new Set<string>();
    const mismatches = (ctx.dataplane?.mismatches ?? []).filter(
      (m) => m.kind === 'STALE_BACKEND' || m.kind === 'BACKEND_UNREACHABLE',
    );
    for (const group of groupBy(mismatches, (m) => `${m.frontend}|${m.backend}|${m.node}`).values()) {
      const m = group[0]!;
      const flows = flowsOfFrontend(ctx, m.frontend, m.node).filter(
        (f) =>
          f.backend === m.backend || hostUnreachable(f) || (f.backend === null && f.state === 'UNANSWERED'),
      );
      for (const f of flows) covered.add(f.id);
      findings.push(fromSnapshot(ctx, group, flows));
    }
    const orphans = ctx.flows.filter((f) => hostUnreachable(f) && !covered.has(f.id));
    for (const group of groupBy(orphans, (f) => `${f.protocol}|${f.service}`).values())
      findings.push(fromPackets(ctx, group));
    return findings;
  },
};

function fromSnapshot(ctx: RuleContext, group: DataplaneMismatch[], flows: Flow[]): Finding {
  const m = group[0]!;
  const svc = ctx.serviceNamed(m.service);
  const be = endpoint(m.backend);
  const failed = flows.filter(
    (f) => f.state !== 'CLOSED' && f.state !== 'ESTABLISHED' && f.state !== 'ANSWERED',
  );
  const confirmed = failed.length > 0;
  const what =
    m.kind === 'BACKEND_UNREACHABLE'
      ? `is still programmed but nothing answers at that address (neighbour entry INCOMPLETE/FAILED)`
      : `is programmed but is no serving endpoint of the Service any more`;
  const packets = confirmed
    ? ` ${plural(failed.length, 'captured connection')} to ${m.frontend.replace(/^\w+\//, '')} failed this way` +
      `${failed.some(hostUnreachable) ? ' (ICMP host unreachable)' : ''}.`
    : flows.length > 0
      ? ` ${plural(flows.length, 'captured connection')} went there and did not fail: the snapshot may be older than the capture.`
      : ' No captured connection went there: not confirmed by packets.';
  return {
    code: 'STALE_BACKEND',
    severity: confirmed ? 'error' : 'warning',
    title: `${m.service ?? m.frontend}: stale backend ${m.backend}${m.node ? ` on ${m.node}` : ''}`,
    detail: `${m.node ?? 'A node'} sends ${m.service ?? m.frontend} traffic to ${m.backend}${m.pod ? ` (${m.pod})` : ''}, which ${what}.${packets}`,
    flows: (confirmed ? failed : flows).map((f) => f.id),
    evidence: {
      sightings: (confirmed ? failed : flows).flatMap((f) => sightings(ctx, f, () => true, 6)),
      confirmedByPackets: confirmed,
      frontend: m.frontend,
      backend: m.backend ?? null,
      node: m.node ?? null,
      icmp: failed.find(hostUnreachable)?.icmpError ?? null,
      snapshot: group.map(mismatchEvidence),
    },
    next: unique([
      svc && commands.endpointSlices(svc),
      be && commands.ipNeigh(be.ip, m.node),
      svc && commands.iptablesFor(svc, m.node),
      be && commands.conntrack(be.ip, m.node),
      commands.kubeProxyLogs(),
    ]),
  };
}

function fromPackets(ctx: RuleContext, flows: Flow[]): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const reply = pathOf(ctx, flow, 'reply')[0];
  const node = (reply && ctx.nodeOf(reply.capture)) ?? null;
  const ip = ipOf(flow.service)!;
  const e = flow.icmpError!;
  return {
    code: 'STALE_BACKEND',
    severity: 'error',
    title: `${svc?.display ?? flow.service}: backend unreachable (ICMP host unreachable)`,
    detail:
      `${plural(flows.length, 'connection')} to ${target} ${flows.length === 1 ? 'was' : 'were'} answered with ICMP ` +
      `host unreachable (type ${e.type} code ${e.code}, from ${e.from})${node ? ` by node ${node}` : ''} after ` +
      `${plural(flow.request.packets, 'attempt')}: the node DNATs to a backend address nobody answers ARP for — ` +
      `typically an endpoint whose pod is gone while kube-proxy still has it.`,
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows.flatMap((f) => sightings(ctx, f, () => true, 8)),
      confirmedByPackets: true,
      service: flow.service,
      icmp: e,
      node,
      attempts: flow.request.packets,
    },
    next: unique([
      svc && commands.endpointSlices(svc),
      svc && commands.iptablesFor(svc, node),
      commands.conntrack(ip, node),
      commands.ipNeighIncomplete(node),
      commands.kubeProxyLogs(),
    ]),
  };
}
