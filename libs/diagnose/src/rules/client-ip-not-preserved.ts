// CLIENT_IP_NOT_PRESERVED: the backend saw a node address instead of the client's (SNAT/masquerade
// observed on the path), with the Service's externalTrafficPolicy and what `Local` would change.
// A pod reaching itself through its own Service (hairpin) must be SNATed for the reply to come back
// through the node: that case is info.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { groupBy, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const clientIpNotPreserved: Rule = {
  codes: ['CLIENT_IP_NOT_PRESERVED'],
  run(ctx) {
    const snated = ctx.flows.filter(
      (f) =>
        f.backend !== null &&
        f.clientSeenByBackend !== null &&
        ipOf(f.clientSeenByBackend) !== ipOf(f.client),
    );
    const hairpin = (f: Flow) => ipOf(f.client) === ipOf(f.backend);
    return [...groupBy(snated, (f) => `${f.protocol}|${f.service}|${hairpin(f)}`).values()].map((g) =>
      finding(ctx, g, hairpin(g[0]!)),
    );
  },
};

function finding(ctx: RuleContext, flows: Flow[], hairpin: boolean): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const seenAs = unique(flows.map((f) => ipOf(f.clientSeenByBackend)));
  const clients = unique(flows.map((f) => ipOf(f.client)));
  const nat = flow.translations.find(
    (t) => t.direction === 'request' && (t.kind === 'DNAT_SNAT' || t.kind === 'SNAT'),
  );
  const node = (nat && ctx.nodeOf(nat.capture)) ?? ctx.natNode(flow);
  const frontend = ctx.frontend(flow);
  const policy =
    svc?.entity?.externalTrafficPolicy ??
    (frontend?.kind !== 'ClusterIP' ? frontend?.trafficPolicy : undefined);
  const external = frontend ? frontend.kind !== 'ClusterIP' : isNodeOrExternal(ctx, flow);
  const whose = seenAs.map((ip) => (ctx.nodeName(ip) ? `${ip} (node ${ctx.nodeName(ip)})` : ip)).join(', ');
  const backends = unique(flows.map((f) => f.backend));
  const seen = `the backend${backends.length > 1 ? 's' : ''} saw ${whose} instead of ${clients.join(', ')}`;
  let detail: string;
  if (hairpin) {
    detail =
      `${plural(flows.length, 'connection')} from a pod to ${target} came back to the same pod (hairpin) and ` +
      `were masqueraded${node ? ` on ${node}` : ''}: ${seen}. kube-proxy SNATs hairpin traffic on purpose so the ` +
      `reply returns through the node.`;
  } else if (external) {
    const local = backendsOn(ctx, flow, node);
    detail =
      `${plural(flows.length, 'connection')} to ${target} were DNATed and masqueraded${node ? ` on ${node}` : ''}: ${seen}. ` +
      `externalTrafficPolicy is ${policy ?? 'unknown (Cluster is the default)'}; with Local, kube-proxy would not ` +
      `masquerade and the pods would see the client address, but only nodes with a ready local endpoint would ` +
      `accept the traffic${local !== null ? ` (${node} has ${plural(local, 'local endpoint')})` : ''} and the load ` +
      `balancer must health-check healthCheckNodePort.`;
  } else {
    detail =
      `${plural(flows.length, 'connection')} from inside the cluster to ${target} were masqueraded` +
      `${node ? ` on ${node}` : ''}: ${seen}. For in-cluster clients that happens with kube-proxy's masqueradeAll or ` +
      `a clusterCIDR that does not cover the client.`;
  }
  const ep = endpoint(flow.service);
  return {
    code: 'CLIENT_IP_NOT_PRESERVED',
    severity: hairpin ? 'info' : 'warning',
    title: hairpin
      ? `${svc?.display ?? flow.service}: hairpin connections SNATed to ${seenAs.join(', ')}`
      : `${svc?.display ?? flow.service}: backends see ${seenAs.join(', ')} instead of the client address`,
    detail,
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows
        .slice(0, 3)
        .flatMap((f) =>
          sightings(
            ctx,
            f,
            (s) => s.direction === 'request' && (s.src === f.client || s.src === f.clientSeenByBackend),
            4,
          ),
        ),
      service: flow.service,
      serviceName: svc?.display ?? null,
      externalTrafficPolicy: policy ?? null,
      hairpin,
      node,
      translations: flows.map((f) => ({
        flow: f.id,
        client: f.client,
        seenByBackend: f.clientSeenByBackend,
        backend: f.backend,
        backendPod: f.backendPod,
      })),
    },
    next: unique([
      svc && !hairpin && commands.serviceField(svc, 'externalTrafficPolicy'),
      svc && !hairpin && external && commands.patchService(svc, '{"spec":{"externalTrafficPolicy":"Local"}}'),
      ep && commands.conntrack(ep.ip, node),
      svc && commands.iptablesFor(svc, node),
      !hairpin && !external && commands.kubeProxyLogs(),
    ]),
  };
}

function isNodeOrExternal(ctx: RuleContext, flow: Flow): boolean {
  const ip = ipOf(flow.service);
  if (!ip || !ctx.book) return false;
  return ctx.book
    .lookupAll(ip)
    .some((m) => m.kind === 'Node' || m.kind === 'LoadBalancer' || m.role === 'external-ip');
}

/** Ready endpoints of the flow's frontend on a node, or null if the snapshots do not say. */
function backendsOn(ctx: RuleContext, flow: Flow, node: string | null): number | null {
  const fe = ctx.frontend(flow);
  if (!fe || !node || fe.intended.length === 0) return null;
  return fe.intended.filter((b) => b.ready && b.node === node).length;
}
