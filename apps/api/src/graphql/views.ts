// Rows (libs/persistence) to GraphQL objects.
import { describeTranslation } from '#report';
import type {
  Analysis as AnalysisRow,
  Capture as CaptureRow,
  FindingRecord,
  FlowRecord,
  PerspectiveRecord,
  Snapshot as SnapshotRow,
  TranslationRecord,
} from '#persistence';
import type {
  Analysis,
  AnalysisStatusEnum,
  Capture,
  ClockOffset,
  Finding,
  Flow,
  FlowStateEnum,
  HandshakeTiming,
  Perspective,
  Snapshot,
  Translation,
  TranslationKindEnum,
} from './types.js';

export function analysisObject(a: AnalysisRow): Analysis {
  const counts = (a.counts ?? null) as Record<string, number> | null;
  const summary = (a.summary ?? {}) as { clockOffsets?: ClockOffset[] };
  return {
    id: a.id,
    name: a.name,
    status: a.status as AnalysisStatusEnum,
    stage: a.stage,
    progress: a.progress,
    error: a.error,
    counts: counts
      ? {
          flows: counts.flows ?? null,
          translations: counts.translations ?? null,
          findings: counts.findings ?? null,
          errors: counts.errors ?? null,
          packets: counts.packets ?? null,
        }
      : null,
    clockOffsets: (summary.clockOffsets ?? []).map((o) => ({
      capture: o.capture,
      offsetNs: String(o.offsetNs),
      spreadNs: String(o.spreadNs),
      reference: !!o.reference,
    })),
    createdAt: a.createdAt.toISOString(),
    startedAt: a.startedAt?.toISOString() ?? null,
    finishedAt: a.finishedAt?.toISOString() ?? null,
  };
}

export function captureObject(c: CaptureRow): Capture {
  return {
    id: c.id,
    role: c.role,
    label: c.label,
    node: c.node,
    pod: c.podName ? `${c.podNamespace}/${c.podName}` : null,
    fileName: c.fileName,
    format: c.format,
    sha256: c.sha256,
    sizeBytes: c.sizeBytes.toString(),
    packetCount: c.packetCount,
    createdAt: c.createdAt.toISOString(),
  };
}

export function snapshotObject(s: Omit<SnapshotRow, 'raw' | 'parsed'>): Snapshot {
  return {
    id: s.id,
    kind: s.kind,
    node: s.node,
    fileName: s.fileName,
    sizeBytes: s.sizeBytes.toString(),
    createdAt: s.createdAt.toISOString(),
  };
}

interface FlowDetail {
  resetBy?: string | null;
  retransmissions?: number | null;
  handshake?: Record<string, { synToSynAckNs: string | null; synAckToAckNs: string | null }>;
}

export function flowObject(f: FlowRecord): Flow {
  const detail = (f.detail ?? {}) as FlowDetail;
  const handshake: HandshakeTiming[] = Object.entries(detail.handshake ?? {}).map(([captureId, h]) => ({
    captureId,
    synToSynAckNs: h.synToSynAckNs,
    synAckToAckNs: h.synAckToAckNs,
  }));
  return {
    id: f.id,
    key: f.key,
    analysisId: f.analysisId,
    protocol: f.protocol,
    client: f.client,
    service: f.service,
    backend: f.backend,
    clientSeenByBackend: f.clientSeenByBackend,
    serviceName: f.serviceName,
    backendPod: f.backendPod,
    original: { src: f.client, dst: f.service },
    translated: f.backend ? { src: f.clientSeenByBackend ?? f.client, dst: f.backend } : null,
    state: f.state as FlowStateEnum,
    resetBy: detail.resetBy ?? null,
    firstNs: f.firstNs.toFixed(0),
    lastNs: f.lastNs.toFixed(0),
    durationNs: f.lastNs.minus(f.firstNs).toFixed(0),
    packetsForward: f.packetsForward,
    packetsReverse: f.packetsReverse,
    bytesForward: f.bytesForward.toString(),
    bytesReverse: f.bytesReverse.toString(),
    retransmissions: detail.retransmissions ?? 0,
    handshake,
    translationKinds: f.translationKinds as TranslationKindEnum[],
    findingCodes: f.findingCodes,
    communityIdClient: f.communityIdClient,
    communityIdBackend: f.communityIdBackend,
    pcapngUrl: `/v1/analyses/${f.analysisId}/flows/${f.id}/pcapng`,
    detail: f.detail,
  };
}

/** What the flow's detail keeps of a perspective beyond its row: interfaces and the overlay header. */
interface StoredPerspective {
  interfaces?: Array<{ name: string; type: string; packets: number }>;
  outer?: { tunnel: string; src: string; dst: string; vni: number | null } | null;
}

/** `stored`: the same perspective in the flow's detail (detail.perspectives[position]). */
export function perspectiveObject(p: PerspectiveRecord, stored?: unknown): Perspective {
  const extra = (stored ?? {}) as StoredPerspective;
  return {
    position: p.position,
    captureId: p.captureId ?? p.capture,
    direction: p.direction,
    src: p.src,
    dst: p.dst,
    packets: p.packets,
    firstNs: p.firstNs.toFixed(0),
    lastNs: p.lastNs.toFixed(0),
    interfaces: (extra.interfaces ?? []).map((i) => ({ name: i.name, type: i.type, packets: i.packets })),
    outer: extra.outer
      ? {
          tunnel: extra.outer.tunnel,
          src: extra.outer.src,
          dst: extra.outer.dst,
          vni: extra.outer.vni ?? null,
        }
      : null,
  };
}

/** `outer`: the overlay header an ENCAP/DECAP added or removed (kept in the flow's detail). */
export function translationObject(t: TranslationRecord, outer: unknown = null): Translation {
  const before = { src: t.beforeSrc, dst: t.beforeDst };
  const after = { src: t.afterSrc, dst: t.afterDst };
  return {
    kind: t.kind as TranslationKindEnum,
    before,
    after,
    captureId: t.captureId ?? t.capture,
    interfaces: t.interfaces,
    latencyNs: t.latencyNs?.toFixed(0) ?? null,
    description: describeTranslation({ kind: t.kind, before, after, outer } as Parameters<
      typeof describeTranslation
    >[0]),
  };
}

export function findingObject(f: FindingRecord): Finding {
  return {
    id: f.id,
    code: f.code,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    flowKeys: f.flowKeys,
    evidenceJson: JSON.stringify(f.evidence ?? {}),
    next: f.next,
    analysisId: f.analysisId,
  };
}
