// SYN_UNANSWERED: a TCP connection attempt nobody answered, and where its SYN was last seen —
// only at the client, on the node before DNAT, after DNAT towards a pod but never at that pod's
// capture, or at the backend which did not reply — with the retransmissions and their timing.
import type { Flow, Perspective } from '#correlate';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import {
  backendCaptures,
  formatDuration,
  groupBy,
  lastSeen,
  mismatchEvidence,
  plural,
  sightings,
  type Stage,
} from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const synUnanswered: Rule = {
  codes: ['SYN_UNANSWERED'],
  run(ctx) {
    const unanswered = ctx.flows.filter((f) => f.protocol === 'tcp' && f.state === 'UNANSWERED');
    const described = unanswered.map((flow) => ({ flow, where: whereLost(ctx, flow) }));
    const groups = groupBy(described, (d) => `${d.flow.service}|${d.flow.backend}|${d.where.stage}`);
    return [...groups.values()].map((group) => finding(ctx, group));
  },
};

interface Loss {
  stage: Stage | 'reply-lost';
  capture: string | null;
  sentence: string;
}

function whereLost(ctx: RuleContext, flow: Flow): Loss {
  const last = lastSeen(ctx, flow);
  const backend = flow.backend ?? last?.perspective.dst ?? null;
  const backendIp = ipOf(backend);
  const pod = backendIp ? ctx.pod(backendIp, flow) : null;
  const podName = pod ? `pod ${pod.namespace}/${pod.name} (${backend})` : backend;
  const replies = flow.perspectives.filter((p) => p.direction === 'reply' && p.syn > 0);
  if (replies.length > 0) {
    const where = replies.map((p) => ctx.describeCapture(p.capture)).join(', ');
    return {
      stage: 'reply-lost',
      capture: replies.at(-1)!.capture,
      sentence: `the backend answered (SYN-ACK seen at ${where}) but the answer never reached the client`,
    };
  }
  if (!last) return { stage: 'client', capture: null, sentence: 'no capture point saw it' };
  const at = ctx.describeCapture(last.perspective.capture);
  switch (last.stage) {
    case 'client':
      return {
        stage: 'client',
        capture: last.perspective.capture,
        sentence: `it was only seen at the client, ${at}: it never reached the node`,
      };
    case 'node-before-nat':
      return {
        stage: 'node-before-nat',
        capture: last.perspective.capture,
        sentence: `it reached ${at} addressed to ${flow.service} but was never DNATed to a backend`,
      };
    case 'node-after-nat': {
      const captured = backendCaptures(ctx, flow);
      const tail =
        captured.length > 0
          ? `but never arrived at ${captured.map((c) => ctx.describeCapture(c)).join(', ')}`
          : 'and no capture was taken at that pod to tell whether it arrived';
      return {
        stage: 'node-after-nat',
        capture: last.perspective.capture,
        sentence: `it was DNATed towards ${podName} at ${at} ${tail}`,
      };
    }
    case 'backend':
      return {
        stage: 'backend',
        capture: last.perspective.capture,
        sentence: `it reached ${podName}, seen in ${last.perspective.capture}, which never replied`,
      };
    default:
      return { stage: last.stage, capture: last.perspective.capture, sentence: `it was last seen at ${at}` };
  }
}

function finding(ctx: RuleContext, group: { flow: Flow; where: Loss }[]): Finding {
  const { flow, where } = group[0]!;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const attempts = group.map(({ flow: f }) => {
    // The SYNs, their retransmissions and their span as one capture point saw them: the one that
    // saw the most (a capture started late saw fewer), the client's among equals.
    let p: Perspective | undefined;
    for (const x of f.perspectives) {
      if (x.direction !== 'request') continue;
      const better =
        p === undefined ||
        x.syn > p.syn ||
        (x.syn === p.syn && ctx.role(x.capture) === 'client' && ctx.role(p.capture) !== 'client');
      if (better) p = x;
    }
    return {
      flow: f.id,
      client: f.client,
      syns: p?.syn ?? 0,
      retransmissions: p?.retransmissions ?? f.retransmissions,
      firstNs: p?.firstNs ?? f.firstNs,
      lastNs: p?.lastNs ?? f.lastNs,
      spanNs: p ? (BigInt(p.lastNs) - BigInt(p.firstNs)).toString() : '0',
    };
  });
  const a = attempts[0]!;
  const count = group.length === 1 ? `from ${flow.client}` : `from ${plural(group.length, 'connection')}`;
  const timing =
    a.retransmissions > 0
      ? `${plural(a.syns, 'SYN')} over ${formatDuration(BigInt(a.spanNs))} (${plural(a.retransmissions, 'retransmission')})`
      : 'one SYN';
  const backendIp = ipOf(flow.backend);
  const pod = backendIp ? ctx.pod(backendIp, flow) : null;
  const svcEp = endpoint(flow.service);
  const nodeOfLoss = where.capture ? ctx.nodeOf(where.capture) : null;
  const natNode = ctx.natNode(flow) ?? nodeOfLoss;
  const be = endpoint(flow.backend);
  const next = unique([
    where.stage === 'backend' && pod && commands.podListening(pod, 'tcp'),
    where.stage === 'backend' && pod && commands.podLogs(pod),
    where.stage === 'backend' && pod && commands.describePod(pod),
    where.stage === 'node-after-nat' && be && commands.ipNeigh(be.ip, natNode),
    where.stage === 'node-after-nat' && be && commands.ipRouteGet(be.ip, natNode),
    (where.stage === 'node-before-nat' || where.stage === 'client') && svc && commands.endpointSlices(svc),
    (where.stage === 'node-before-nat' || where.stage === 'client') &&
      svc &&
      commands.iptablesFor(svc, natNode),
    svcEp && commands.conntrack(svcEp.ip, natNode),
    be
      ? commands.tcpdump(be.ip, be.port, pod?.node ?? natNode)
      : svcEp && commands.tcpdump(svcEp.ip, svcEp.port, natNode),
    where.stage === 'client' && commands.tcpdump(ipOf(flow.client)!, endpoint(flow.client)?.port, null),
  ]);
  const frontend = ctx.frontend(flow);
  const noEndpoints = ctx.dataplane?.mismatches.find(
    (m) => m.kind === 'NO_ENDPOINTS' && m.frontend === frontend?.id,
  );
  const because =
    noEndpoints && (where.stage === 'node-before-nat' || where.stage === 'client')
      ? ` The snapshots say why: ${noEndpoints.message}.`
      : '';
  return {
    code: 'SYN_UNANSWERED',
    severity: 'error',
    title: `Connection to ${target} never answered${pod ? `: backend ${pod.namespace}/${pod.name}` : ''}`,
    detail: `TCP ${count} to ${target} got no SYN-ACK: ${timing}; ${where.sentence}.${because}`,
    flows: group.map((g) => g.flow.id),
    evidence: {
      sightings: group.flatMap((g) => sightings(ctx, g.flow, () => true, 8)),
      lastSeen: { stage: where.stage, capture: where.capture, node: nodeOfLoss },
      service: flow.service,
      serviceName: svc?.display ?? null,
      backend: flow.backend,
      backendPod: pod ? `${pod.namespace}/${pod.name}` : flow.backendPod,
      snapshot: noEndpoints ? [mismatchEvidence(noEndpoints)] : [],
      attempts,
    },
    next,
  };
}
