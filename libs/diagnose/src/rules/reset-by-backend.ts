// RESET_BY_BACKEND: the backend pod answered the SYN with a reset (or, for UDP, with ICMP port
// unreachable) — the connection reached the pod but nothing listens on the target port (wrong
// targetPort, container not started, crash loop).
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { groupBy, handshakeAnswered, plural, sightings } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const resetByBackend: Rule = {
  codes: ['RESET_BY_BACKEND'],
  run(ctx) {
    const refused = ctx.flows.filter(
      (f) =>
        (f.protocol === 'tcp' && f.state === 'RESET' && f.resetBy === 'backend' && !handshakeAnswered(f)) ||
        udpRefusedByBackend(f),
    );
    return [...groupBy(refused, (f) => `${f.service}|${f.backend}`).values()].map((g) => finding(ctx, g));
  },
};

/** ICMP port unreachable for a UDP flow that was DNATed to a backend: the pod refused it. */
function udpRefusedByBackend(f: Flow): boolean {
  const e = f.icmpError;
  return f.protocol === 'udp' && f.backend !== null && e !== null && e.type === 3 && e.code === 3;
}

function finding(ctx: RuleContext, flows: Flow[]): Finding {
  const flow = flows[0]!;
  const svc = ctx.service(flow);
  const be = endpoint(flow.backend) ?? endpoint(flow.service)!;
  const pod = ctx.pod(be.ip, flow);
  const podName = pod ? `${pod.namespace}/${pod.name}` : be.ip;
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const udp = flow.protocol === 'udp';
  const rst = flow.perspectives.find((p) => p.direction === 'reply' && (udp ? p.icmpErrors > 0 : p.rst > 0));
  const node = pod?.node ?? ctx.natNode(flow);
  return {
    code: 'RESET_BY_BACKEND',
    severity: 'error',
    title: `${podName} refused connections on port ${be.port}`,
    detail:
      `${plural(flows.length, 'connection')} to ${target} reached backend ${podName} (${flow.backend ?? be.ip}) ` +
      `which answered ${udp ? 'with ICMP port unreachable' : 'the SYN with a TCP reset'}` +
      `${rst ? ` (first seen at ${ctx.describeCapture(rst.capture)})` : ''}: ` +
      `nothing listens on port ${be.port} in that pod — check the Service's targetPort and the container's port.`,
    flows: flows.map((f) => f.id),
    evidence: {
      sightings: flows.flatMap((f) => sightings(ctx, f, () => true, 6)),
      service: flow.service,
      serviceName: svc?.display ?? null,
      backend: flow.backend,
      backendPod: pod ? podName : null,
      resetSeenAt: rst?.capture ?? null,
    },
    next: unique([
      pod && commands.podListening(pod, flow.protocol),
      pod && commands.describePod(pod),
      pod && commands.podLogs(pod),
      svc && commands.serviceField(svc, 'ports'),
      svc && commands.endpointSlices(svc),
      commands.tcpdump(ipOf(flow.backend) ?? be.ip, be.port, node),
    ]),
  };
}
