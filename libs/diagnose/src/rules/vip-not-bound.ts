// VIP_NOT_BOUND: an IPVS virtual service whose VIP is not on the node's kube-ipvs0, so the node does
// not accept traffic for it. Confirmed when captured connections to it through that node failed.
// Only where IPVS is the node's dataplane: when the same node's iptables or nft rules program the
// frontend (or rules no snapshot ties to a known node do), kube-proxy runs in that mode and an IPVS
// table there routes nothing.
import type { DataplaneMismatch } from '#cluster';
import { commands, unique } from '../commands.js';
import { endpoint, type RuleContext } from '../context.js';
import { flowsOfFrontend, groupBy, mismatchEvidence, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const vipNotBound: Rule = {
  codes: ['VIP_NOT_BOUND'],
  run(ctx) {
    const mismatches = (ctx.dataplane?.mismatches ?? []).filter(
      (m) => m.kind === 'VIP_NOT_BOUND' && !programmedByRules(ctx, m),
    );
    return [...groupBy(mismatches, (m) => `${m.frontend}|${m.node}`).values()].map((g) => finding(ctx, g));
  },
};

function programmedByRules(ctx: RuleContext, m: DataplaneMismatch): boolean {
  const programmed = ctx.frontendById(m.frontend)?.programmed ?? [];
  // Nodes the cluster declares (kubectl); a dataplane snapshot without a node is named after its file.
  const known = new Set(ctx.book?.nodes.map((n) => n.name) ?? ctx.dataplane?.nodes ?? []);
  return programmed.some((p) => p.form !== 'ipvs' && (p.node === m.node || !known.has(p.node)));
}

function finding(ctx: RuleContext, group: DataplaneMismatch[]): Finding {
  const m = group[0]!;
  const svc = ctx.serviceNamed(m.service);
  const fe = ctx.frontendById(m.frontend);
  const flows = flowsOfFrontend(ctx, m.frontend, m.node).filter((f) => {
    const seenOnNode = f.perspectives.some((p) => ctx.nodeOf(p.capture) === m.node);
    return seenOnNode || !m.node;
  });
  const failed = flows.filter(
    (f) => f.state !== 'CLOSED' && f.state !== 'ESTABLISHED' && f.state !== 'ANSWERED',
  );
  const confirmed = failed.length > 0;
  const vip = fe?.ip ?? endpoint(m.frontend.replace(/^\w+\//, ''))?.ip ?? null;
  return {
    code: 'VIP_NOT_BOUND',
    severity: confirmed ? 'error' : 'warning',
    title: `${m.service ?? m.frontend}: VIP not bound to kube-ipvs0 on ${m.node ?? 'a node'}`,
    detail:
      `${m.message}.` +
      (confirmed
        ? ` ${plural(failed.length, 'captured connection')} to it through ${m.node ?? 'that node'} failed.`
        : flows.length > 0
          ? ` ${plural(flows.length, 'captured connection')} to it succeeded: the snapshot may predate the capture.`
          : ' No captured connection went to it: not confirmed by packets.'),
    flows: (confirmed ? failed : flows).map((f) => f.id),
    evidence: {
      sightings: failed.slice(0, 3).flatMap((f) => sightings(ctx, f, () => true, 6)),
      confirmedByPackets: confirmed,
      frontend: m.frontend,
      node: m.node ?? null,
      snapshot: group.map(mismatchEvidence),
    },
    next: unique([
      `ip addr show kube-ipvs0${m.node ? `  # on ${m.node}` : ''}`,
      vip && fe && commands.ipvsadm(vip, fe.port, fe.protocol, m.node),
      svc && commands.describeService(svc),
      commands.kubeProxyLogs(),
    ]),
  };
}
