import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../prisma.js';

/** One flow as the worker stores it; `detail` keeps what has no column of its own. */
export interface FlowRow {
  key: string;
  protocol: string;
  client: string;
  service: string;
  backend: string | null;
  clientSeenByBackend: string | null;
  serviceName: string | null;
  backendPod: string | null;
  state: string;
  ips: string[];
  ports: number[];
  translationKinds: string[];
  findingCodes: string[];
  communityIdClient: string | null;
  communityIdBackend: string | null;
  packetsForward: number;
  packetsReverse: number;
  bytesForward: number;
  bytesReverse: number;
  firstNs: string;
  lastNs: string;
  detail: unknown;
  perspectives: PerspectiveRow[];
  translations: TranslationRow[];
}

export interface PerspectiveRow {
  captureId: string | null;
  capture: string;
  direction: string;
  src: string;
  dst: string;
  packets: number;
  firstNs: string;
  lastNs: string;
}

export interface TranslationRow {
  kind: string;
  beforeSrc: string;
  beforeDst: string;
  afterSrc: string;
  afterDst: string;
  captureId: string | null;
  capture: string;
  interfaces: string[];
  latencyNs: string | null;
}

export interface FindingRow {
  code: string;
  severity: string;
  title: string;
  detail: string;
  flowKeys: string[];
  evidence: unknown;
  next: string[];
}

/** Rows per INSERT: one statement per chunk keeps parameters small and round-trips few. */
const CHUNK = 2000;

/**
 * An analysis' results, written as a whole: the old ones are deleted and the new ones inserted
 * in one transaction, so a retried or re-run analysis never shows duplicates or a half-written
 * set. Inserts are set-based: each chunk is one `INSERT ... SELECT FROM jsonb_to_recordset($1)`.
 */
export class ResultsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async replace(analysisId: string, flows: FlowRow[], findings: FindingRow[]): Promise<void> {
    const flowRecords: object[] = [];
    const perspectiveRecords: object[] = [];
    const translationRecords: object[] = [];
    for (const flow of flows) {
      const flowId = randomUUID();
      const { perspectives, translations, ...columns } = flow;
      flowRecords.push({ id: flowId, analysis_id: analysisId, ...snake(columns) });
      perspectives.forEach((p, position) =>
        perspectiveRecords.push({
          id: randomUUID(),
          flow_id: flowId,
          analysis_id: analysisId,
          position,
          ...snake(p),
        }),
      );
      translations.forEach((t, position) =>
        translationRecords.push({
          id: randomUUID(),
          flow_id: flowId,
          analysis_id: analysisId,
          position,
          ...snake(t),
        }),
      );
    }
    const findingRecords = findings.map((f, position) => ({
      id: randomUUID(),
      analysis_id: analysisId,
      position,
      ...snake(f),
    }));

    await this.prisma.$transaction(
      async (tx) => {
        // Cascades remove perspectives and translations with their flows.
        await tx.$executeRaw`DELETE FROM flows WHERE analysis_id = ${analysisId}::uuid`;
        await tx.$executeRaw`DELETE FROM findings WHERE analysis_id = ${analysisId}::uuid`;
        for (const rows of chunks(flowRecords))
          await tx.$executeRaw`
            INSERT INTO flows (id, analysis_id, key, protocol, client, service, backend, client_seen_by_backend,
              service_name, backend_pod, state, ips, ports, translation_kinds, finding_codes, community_id_client,
              community_id_backend, packets_forward, packets_reverse, bytes_forward, bytes_reverse, first_ns, last_ns,
              detail)
            SELECT * FROM jsonb_to_recordset(${json(rows)}::jsonb) AS r(id uuid, analysis_id uuid, key text,
              protocol text, client text, service text, backend text, client_seen_by_backend text, service_name text,
              backend_pod text, state text, ips text[], ports int[], translation_kinds text[], finding_codes text[],
              community_id_client text, community_id_backend text, packets_forward int, packets_reverse int,
              bytes_forward bigint, bytes_reverse bigint, first_ns numeric, last_ns numeric, detail jsonb)`;
        for (const rows of chunks(perspectiveRecords))
          await tx.$executeRaw`
            INSERT INTO perspectives (id, flow_id, analysis_id, position, capture_id, capture, direction, src, dst,
              packets, first_ns, last_ns)
            SELECT * FROM jsonb_to_recordset(${json(rows)}::jsonb) AS r(id uuid, flow_id uuid, analysis_id uuid,
              position int, capture_id uuid, capture text, direction text, src text, dst text, packets int,
              first_ns numeric, last_ns numeric)`;
        for (const rows of chunks(translationRecords))
          await tx.$executeRaw`
            INSERT INTO translations (id, flow_id, analysis_id, position, kind, before_src, before_dst, after_src,
              after_dst, capture_id, capture, interfaces, latency_ns)
            SELECT * FROM jsonb_to_recordset(${json(rows)}::jsonb) AS r(id uuid, flow_id uuid, analysis_id uuid,
              position int, kind text, before_src text, before_dst text, after_src text, after_dst text,
              capture_id uuid, capture text, interfaces text[], latency_ns numeric)`;
        for (const rows of chunks(findingRecords))
          await tx.$executeRaw`
            INSERT INTO findings (id, analysis_id, position, code, severity, title, detail, flow_keys, evidence, next)
            SELECT * FROM jsonb_to_recordset(${json(rows)}::jsonb) AS r(id uuid, analysis_id uuid, position int,
              code text, severity text, title text, detail text, flow_keys text[], evidence jsonb, next text[])`;
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  }

  /** Counts per table, for summaries and tests. */
  async counts(
    analysisId: string,
  ): Promise<{ flows: number; perspectives: number; translations: number; findings: number }> {
    const [flows, perspectives, translations, findings] = await Promise.all([
      this.prisma.flow.count({ where: { analysisId } }),
      this.prisma.perspective.count({ where: { analysisId } }),
      this.prisma.translation.count({ where: { analysisId } }),
      this.prisma.finding.count({ where: { analysisId } }),
    ]);
    return { flows, perspectives, translations, findings };
  }

  flows(analysisId: string) {
    return this.prisma.flow.findMany({
      where: { analysisId },
      orderBy: [{ firstNs: 'asc' }, { key: 'asc' }],
      include: {
        perspectives: { orderBy: { position: 'asc' } },
        translations: { orderBy: { position: 'asc' } },
      },
    });
  }

  findings(analysisId: string) {
    return this.prisma.finding.findMany({ where: { analysisId }, orderBy: { position: 'asc' } });
  }
}

function snake(row: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  return out;
}

function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += CHUNK) yield rows.slice(i, i + CHUNK);
}

function json(rows: object[]): string {
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

export type ResultsFlow = Prisma.FlowGetPayload<{ include: { perspectives: true; translations: true } }>;
