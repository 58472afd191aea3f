import type { Analysis, Prisma, PrismaClient } from '../prisma.js';

/** Filters on an analysis' flows; every one given must hold (AND). */
export interface FlowFilter {
  /** `namespace/name` (any port) or `namespace/name:port-name`. */
  service?: string | null;
  /** A pod, `namespace/name` or just `name`: the flow's backend pod, or any of `podIps` on any side. */
  pod?: string | null;
  /** The pod's addresses (from the snapshots' address book), so a client pod matches too. */
  podIps?: string[] | null;
  /** Node name: flows seen by a capture taken on that node. */
  node?: string | null;
  /** Any address the flow had anywhere (client, service, backend, translated). */
  ip?: string | null;
  port?: number | null;
  protocol?: string | null;
  translationKind?: string | null;
  states?: string[] | null;
  findingCode?: string | null;
  /** Flows active at some point in [fromNs, toNs] (decimal ns since the epoch). */
  fromNs?: string | null;
  toNs?: string | null;
}

export type FlowOrder = 'FIRST_SEEN_ASC' | 'FIRST_SEEN_DESC' | 'LAST_SEEN_ASC' | 'LAST_SEEN_DESC';

export interface Page<T> {
  rows: T[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export type FlowRecord = Prisma.FlowGetPayload<object>;
export type PerspectiveRecord = Prisma.PerspectiveGetPayload<object>;
export type TranslationRecord = Prisma.TranslationGetPayload<object>;
export type FindingRecord = Prisma.FindingGetPayload<object>;

/** A position in an ordered listing: the sort value and the unique tie-breaker after it. */
interface Cursor {
  v: string;
  k: string;
}

export function encodeCursor(value: string, key: string): string {
  return Buffer.from(JSON.stringify({ v: value, k: key } satisfies Cursor)).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    return typeof parsed.v === 'string' && typeof parsed.k === 'string' ? { v: parsed.v, k: parsed.k } : null;
  } catch {
    return null;
  }
}

/**
 * Read side of an analysis' results for the query APIs: filtered, keyset-paginated flow listings
 * and batch loaders (perspectives, translations, findings for many flows in one query each), so
 * a page of flows with everything under it costs a fixed number of queries.
 */
export class FlowsQueryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Flows of one analysis (the caller has checked it belongs to their project). */
  async flows(
    analysisId: string,
    filter: FlowFilter,
    page: { first: number; after?: Cursor | null; orderBy?: FlowOrder },
  ): Promise<Page<FlowRecord>> {
    const where = await this.flowWhere(analysisId, filter);
    const order = page.orderBy ?? 'FIRST_SEEN_ASC';
    const column = order.startsWith('FIRST') ? 'firstNs' : 'lastNs';
    const dir = order.endsWith('ASC') ? 'asc' : 'desc';
    const cmp = dir === 'asc' ? 'gt' : 'lt';
    const keyset: Prisma.FlowWhereInput | null = page.after
      ? {
          OR: [
            { [column]: { [cmp]: page.after.v } },
            { [column]: page.after.v, key: { [cmp]: page.after.k } },
          ],
        }
      : null;
    const rows = await this.prisma.flow.findMany({
      where: keyset ? { AND: [where, keyset] } : where,
      orderBy: [{ [column]: dir }, { key: dir }],
      take: page.first + 1,
    });
    return {
      rows: rows.slice(0, page.first),
      hasNextPage: rows.length > page.first,
      totalCount: () => this.prisma.flow.count({ where }),
    };
  }

  /** The sort value a cursor of this order holds for a flow. */
  static sortValue(flow: FlowRecord, orderBy: FlowOrder = 'FIRST_SEEN_ASC'): string {
    return (orderBy.startsWith('FIRST') ? flow.firstNs : flow.lastNs).toFixed(0);
  }

  /** One flow by its row id or its correlator key, within the analysis. */
  flow(analysisId: string, idOrKey: string): Promise<FlowRecord | null> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrKey);
    return this.prisma.flow.findFirst({
      where: { analysisId, OR: uuid ? [{ id: idOrKey }, { key: idOrKey }] : [{ key: idOrKey }] },
    });
  }

  /** Perspectives of many flows, one query, in position order. */
  perspectives(flowIds: readonly string[]): Promise<PerspectiveRecord[]> {
    return this.prisma.perspective.findMany({
      where: { flowId: { in: [...flowIds] } },
      orderBy: [{ flowId: 'asc' }, { position: 'asc' }],
    });
  }

  /** Translations of many flows, one query, in position order. */
  translations(flowIds: readonly string[]): Promise<TranslationRecord[]> {
    return this.prisma.translation.findMany({
      where: { flowId: { in: [...flowIds] } },
      orderBy: [{ flowId: 'asc' }, { position: 'asc' }],
    });
  }

  /** Findings of one analysis naming any of these flow keys, one query. */
  findingsOfFlows(analysisId: string, flowKeys: readonly string[]): Promise<FindingRecord[]> {
    return this.prisma.finding.findMany({
      where: { analysisId, flowKeys: { hasSome: [...flowKeys] } },
      orderBy: { position: 'asc' },
    });
  }

  /** Flow rows by key within one analysis (findings' evidence), one query. */
  flowsByKeys(analysisId: string, keys: readonly string[]): Promise<FlowRecord[]> {
    return this.prisma.flow.findMany({ where: { analysisId, key: { in: [...keys] } } });
  }

  findings(analysisId: string, filter: { severity?: string | null; code?: string | null }) {
    return this.prisma.finding.findMany({
      where: {
        analysisId,
        ...(filter.severity ? { severity: filter.severity } : {}),
        ...(filter.code ? { code: filter.code } : {}),
      },
      orderBy: { position: 'asc' },
    });
  }

  /** Flows per (service endpoint, service name, backend, backend pod): the observed load balancing. */
  async backendCounts(analysisId: string): Promise<
    Array<{
      service: string;
      serviceName: string | null;
      protocol: string;
      backend: string | null;
      backendPod: string | null;
      flows: number;
    }>
  > {
    const rows = await this.prisma.flow.groupBy({
      by: ['service', 'serviceName', 'protocol', 'backend', 'backendPod'],
      where: { analysisId },
      _count: { _all: true },
    });
    return rows.map((r) => ({
      service: r.service,
      serviceName: r.serviceName,
      protocol: r.protocol,
      backend: r.backend,
      backendPod: r.backendPod,
      flows: r._count._all,
    }));
  }

  /** The project's analyses, newest first, keyset-paginated on (createdAt, id). */
  async analyses(
    projectId: string,
    filter: { status?: string | null; name?: string | null },
    page: { first: number; after?: Cursor | null },
  ): Promise<Page<Analysis>> {
    const where: Prisma.AnalysisWhereInput = {
      projectId,
      ...(filter.status ? { status: filter.status as Analysis['status'] } : {}),
      ...(filter.name ? { name: { contains: filter.name, mode: 'insensitive' } } : {}),
    };
    const after = page.after;
    const keyset: Prisma.AnalysisWhereInput | null = after
      ? {
          OR: [
            { createdAt: { lt: new Date(after.v) } },
            { createdAt: new Date(after.v), id: { lt: after.k } },
          ],
        }
      : null;
    const rows = await this.prisma.analysis.findMany({
      where: keyset ? { AND: [where, keyset] } : where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: page.first + 1,
    });
    return {
      rows: rows.slice(0, page.first),
      hasNextPage: rows.length > page.first,
      totalCount: () => this.prisma.analysis.count({ where }),
    };
  }

  /** Capture and snapshot ids of many analyses, two queries. */
  async analysisInputs(analysisIds: readonly string[]): Promise<{
    captures: { analysisId: string; captureId: string }[];
    snapshots: { analysisId: string; snapshotId: string }[];
  }> {
    const ids = [...analysisIds];
    const [captures, snapshots] = await Promise.all([
      this.prisma.analysisCapture.findMany({ where: { analysisId: { in: ids } } }),
      this.prisma.analysisSnapshot.findMany({ where: { analysisId: { in: ids } } }),
    ]);
    return { captures, snapshots };
  }

  private async flowWhere(analysisId: string, filter: FlowFilter): Promise<Prisma.FlowWhereInput> {
    const and: Prisma.FlowWhereInput[] = [{ analysisId }];
    if (filter.service) {
      const s = filter.service;
      and.push({ OR: [{ serviceName: s }, { serviceName: { startsWith: `${s}:` } }, { service: s }] });
    }
    if (filter.pod) {
      const p = filter.pod;
      and.push({
        OR: [
          { backendPod: p },
          ...(p.includes('/') ? [] : [{ backendPod: { endsWith: `/${p}` } }]),
          ...(filter.podIps?.length ? [{ ips: { hasSome: filter.podIps } }] : []),
        ],
      });
    }
    if (filter.node) {
      const onNode = await this.prisma.capture.findMany({
        where: { node: filter.node, analyses: { some: { analysisId } } },
        select: { id: true },
      });
      and.push({ perspectives: { some: { captureId: { in: onNode.map((c) => c.id) } } } });
    }
    if (filter.ip) and.push({ ips: { has: filter.ip } });
    if (filter.port !== null && filter.port !== undefined) and.push({ ports: { has: filter.port } });
    if (filter.protocol) and.push({ protocol: filter.protocol.toLowerCase() });
    if (filter.translationKind) and.push({ translationKinds: { has: filter.translationKind } });
    if (filter.states?.length) and.push({ state: { in: filter.states } });
    if (filter.findingCode) and.push({ findingCodes: { has: filter.findingCode } });
    if (filter.fromNs) and.push({ lastNs: { gte: filter.fromNs } });
    if (filter.toNs) and.push({ firstNs: { lte: filter.toNs } });
    return { AND: and };
  }
}
