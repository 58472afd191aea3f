import type { Flow } from '#correlate';
import type { Finding } from '#diagnose';
import type { FindingRow, FlowRow } from '#persistence';

/** Splits "ip:port" / "[v6]:port" into its parts. */
function hostPort(endpoint: string): { ip: string; port: number | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(endpoint);
  if (v6) return { ip: v6[1], port: v6[2] ? Number(v6[2]) : null };
  const i = endpoint.lastIndexOf(':');
  if (i > 0 && /^\d+$/.test(endpoint.slice(i + 1)))
    return { ip: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) };
  return { ip: endpoint, port: null };
}

/** Sets each stored flow's finding codes once the findings are known (the rows were made as flows finished). */
export function addFindingCodes(rows: FlowRow[], findings: Finding[]): void {
  const codesByFlow = new Map<string, Set<string>>();
  for (const finding of findings)
    for (const flowId of finding.flows) {
      if (!codesByFlow.has(flowId)) codesByFlow.set(flowId, new Set());
      codesByFlow.get(flowId)!.add(finding.code);
    }
  for (const row of rows) row.findingCodes = [...(codesByFlow.get(row.key) ?? [])];
}

/** A finished flow as the rows stored for it (finding codes come later: addFindingCodes). */
export function flowRow(flow: Flow, captureIds: Set<string>): FlowRow {
  const endpoints = new Set<string>([flow.client, flow.service]);
  for (const e of [flow.backend, flow.clientSeenByBackend]) if (e) endpoints.add(e);
  for (const p of flow.perspectives) endpoints.add(p.src).add(p.dst);
  for (const t of flow.translations)
    for (const e of [t.before.src, t.before.dst, t.after.src, t.after.dst]) endpoints.add(e);
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const endpoint of endpoints) {
    const { ip, port } = hostPort(endpoint);
    ips.add(ip);
    if (port !== null) ports.add(port);
  }
  const { perspectives, translations, ...rest } = flow;
  const detail = {
    resetBy: rest.resetBy,
    icmpError: rest.icmpError,
    handshake: rest.handshake,
    retransmissions: rest.retransmissions,
    duplicateAcks: rest.duplicateAcks,
    ambiguousPairings: rest.ambiguousPairings,
    perspectives,
    translations,
  };
  const captureId = (capture: string): string | null => (captureIds.has(capture) ? capture : null);
  return {
    key: flow.id,
    protocol: flow.protocol,
    client: flow.client,
    service: flow.service,
    backend: flow.backend,
    clientSeenByBackend: flow.clientSeenByBackend,
    serviceName: flow.serviceName,
    backendPod: flow.backendPod,
    state: flow.state,
    ips: [...ips],
    ports: [...ports],
    translationKinds: [...new Set(translations.map((t) => t.kind))],
    findingCodes: [],
    communityIdClient: flow.communityIds.client,
    communityIdBackend: flow.communityIds.backend,
    packetsForward: flow.request.packets,
    packetsReverse: flow.reply.packets,
    bytesForward: flow.request.bytes,
    bytesReverse: flow.reply.bytes,
    firstNs: flow.firstNs,
    lastNs: flow.lastNs,
    detail,
    perspectives: perspectives.map((p) => ({
      captureId: captureId(p.capture),
      capture: p.capture,
      direction: p.direction,
      src: p.src,
      dst: p.dst,
      packets: p.packets,
      firstNs: p.firstNs,
      lastNs: p.lastNs,
    })),
    translations: translations.map((t) => ({
      kind: t.kind,
      beforeSrc: t.before.src,
      beforeDst: t.before.dst,
      afterSrc: t.after.src,
      afterDst: t.after.dst,
      captureId: captureId(t.capture),
      capture: t.capture,
      interfaces: [t.interfaces.before, t.interfaces.after].filter((i): i is string => !!i),
      latencyNs: t.latencyNs,
    })),
  };
}

export function findingRows(findings: Finding[]): FindingRow[] {
  return findings.map((f) => ({
    code: f.code,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    flowKeys: f.flows,
    evidence: f.evidence ?? {},
    next: f.next,
  }));
}
