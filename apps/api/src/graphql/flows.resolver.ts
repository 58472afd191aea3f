import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { buildAddressBook, buildDataplaneModel, type ParsedSnapshot } from '#cluster';
import { decodeCursor, encodeCursor, FlowsQueryRepository, SnapshotsRepository } from '#persistence';
import { AllowShare, CurrentCaller, type Caller } from '../auth/auth.guard.js';
import { badInput, GraphqlScope, pageSize } from './scope.js';
import {
  forwardPageInfo,
  Capture,
  Finding,
  Flow,
  FlowConnection,
  FlowFilterInput,
  FlowOrderEnum,
  Perspective,
  Service,
  Sighting,
  SightingConnection,
  Translation,
} from './types.js';
import { captureObject, findingObject, flowObject, perspectiveObject, translationObject } from './views.js';
import { flowSightings } from './sightings.js';

type Req = { req: object };

@Resolver(() => Flow)
export class FlowsResolver {
  constructor(
    private readonly scope: GraphqlScope,
    private readonly repo: FlowsQueryRepository,
    private readonly snapshots: SnapshotsRepository,
  ) {}

  @Query(() => FlowConnection, {
    description:
      "An analysis' flows, filtered (every filter given must hold) and paginated with `first`/`after` " +
      '(at most 500 per page)',
  })
  @AllowShare()
  async flows(
    @CurrentCaller() caller: Caller,
    @Args('analysisId', { type: () => ID, description: 'Analysis id' }) analysisId: string,
    @Args('filter', { type: () => FlowFilterInput, nullable: true, description: 'Which flows' })
    filter: FlowFilterInput | null,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size (default 50, max 500)' })
    first: number | null,
    @Args('after', { type: () => String, nullable: true, description: 'Cursor to continue after' })
    after: string | null,
    @Args('orderBy', {
      type: () => FlowOrderEnum,
      nullable: true,
      description: 'Order (default FIRST_SEEN_ASC)',
    })
    orderBy: FlowOrderEnum | null,
  ): Promise<FlowConnection> {
    const analysis = await this.scope.requireAnalysis(caller, analysisId);
    const size = pageSize(first, 50, 500);
    const cursor = after ? decodeCursor(after) : null;
    if (after && !cursor) throw badInput(`after: not a cursor of this listing`);
    for (const ns of [filter?.fromNs, filter?.toNs])
      if (ns && !/^\d{1,20}$/.test(ns)) throw badInput(`fromNs/toNs: ${ns} is not a decimal ns timestamp`);
    const order = orderBy ?? FlowOrderEnum.FIRST_SEEN_ASC;
    const podIps = filter?.pod ? await this.podIps(analysis.snapshots, filter.pod) : null;
    const page = await this.repo.flows(
      analysisId,
      { ...filter, podIps },
      { first: size, after: cursor, orderBy: order },
    );
    const edges = page.rows.map((row) => ({
      cursor: encodeCursor(FlowsQueryRepository.sortValue(row, order), row.key),
      node: flowObject(row),
    }));
    return {
      edges,
      pageInfo: forwardPageInfo(edges, page.hasNextPage),
      totalCount: 0,
      countFn: page.totalCount,
    };
  }

  /** A pod's own addresses (not host-network ones: those are the node's) from the analysis' snapshots. */
  private async podIps(snapshotIds: { snapshotId: string }[], pod: string): Promise<string[]> {
    if (!snapshotIds.length) return [];
    const snapshots = await this.snapshots.findMany(snapshotIds.map((s) => s.snapshotId));
    const book = buildAddressBook(snapshots.map((s) => s.parsed as unknown as ParsedSnapshot));
    return book.pods
      .filter(
        (p) => !p.hostNetwork && (pod.includes('/') ? `${p.namespace}/${p.name}` === pod : p.name === pod),
      )
      .flatMap((p) => p.ips);
  }

  @Query(() => Flow, { nullable: true, description: 'One flow of an analysis by id or correlator key' })
  @AllowShare()
  async flow(
    @CurrentCaller() caller: Caller,
    @Args('analysisId', { type: () => ID, description: 'Analysis id' }) analysisId: string,
    @Args('id', { type: () => ID, description: 'Flow id or key' }) id: string,
  ): Promise<Flow | null> {
    await this.scope.requireAnalysis(caller, analysisId);
    const row = await this.repo.flow(analysisId, id);
    return row ? flowObject(row) : null;
  }

  @Query(() => [Finding], { description: "An analysis' findings, optionally by severity and code" })
  @AllowShare()
  async findings(
    @CurrentCaller() caller: Caller,
    @Args('analysisId', { type: () => ID, description: 'Analysis id' }) analysisId: string,
    @Args('severity', { type: () => String, nullable: true, description: 'error, warning or info' })
    severity: string | null,
    @Args('code', { type: () => String, nullable: true, description: 'e.g. SYN_UNANSWERED' })
    code: string | null,
  ): Promise<Finding[]> {
    await this.scope.requireAnalysis(caller, analysisId);
    return (await this.repo.findings(analysisId, { severity, code })).map(findingObject);
  }

  @Query(() => [Service], {
    description:
      'Each service frontend the flows used, with its backends: the observed share of flows per backend ' +
      "against the share the snapshots' dataplane model expects",
  })
  @AllowShare()
  async services(
    @CurrentCaller() caller: Caller,
    @Args('analysisId', { type: () => ID, description: 'Analysis id' }) analysisId: string,
  ): Promise<Service[]> {
    const analysis = await this.scope.requireAnalysis(caller, analysisId);
    const [counts, snapshots] = await Promise.all([
      this.repo.backendCounts(analysisId),
      analysis.snapshots.length
        ? this.snapshots.findMany(analysis.snapshots.map((s) => s.snapshotId))
        : Promise.resolve([]),
    ]);
    const model = snapshots.length
      ? buildDataplaneModel(snapshots.map((s) => s.parsed as unknown as ParsedSnapshot))
      : null;
    const services = new Map<string, Service>();
    for (const row of counts) {
      const id = `${row.protocol}/${row.service}`;
      let service = services.get(id);
      if (!service) {
        service = {
          frontend: row.service,
          protocol: row.protocol,
          serviceName: row.serviceName,
          flows: 0,
          backends: [],
          expectedUnavailable: null,
        };
        services.set(id, service);
      }
      service.serviceName ??= row.serviceName;
      service.flows += row.flows;
      const existing = service.backends.find((b) => b.backend === row.backend);
      if (existing) existing.flows += row.flows;
      else
        service.backends.push({
          backend: row.backend,
          pod: row.backendPod,
          flows: row.flows,
          observedShare: 0,
          expectedShare: null,
        });
    }
    for (const service of services.values()) {
      const frontend = model?.frontends.find(
        (f) =>
          f.protocol === service.protocol &&
          f.ip !== undefined &&
          endpoint(f.ip, f.port) === service.frontend,
      );
      if (!model) service.expectedUnavailable = 'no snapshots in this analysis';
      else if (!frontend)
        service.expectedUnavailable = `${service.frontend} is not a frontend in the snapshots`;
      else if (!frontend.expectedShares.length)
        service.expectedUnavailable = 'the snapshots show no usable endpoints for this frontend';
      for (const b of service.backends) b.observedShare = service.flows ? b.flows / service.flows : 0;
      if (!frontend || service.expectedUnavailable) continue;
      for (const b of service.backends)
        b.expectedShare = b.backend
          ? (frontend.expectedShares.find((e) => endpoint(e.ip, e.port) === b.backend)?.share ?? 0)
          : 0;
      for (const e of frontend.expectedShares) {
        const at = endpoint(e.ip, e.port);
        if (service.backends.some((b) => b.backend === at)) continue;
        const pod = frontend.intended.find((i) => endpoint(i.ip, i.port) === at)?.pod ?? null;
        service.backends.push({ backend: at, pod, flows: 0, observedShare: 0, expectedShare: e.share });
      }
    }
    return [...services.values()].sort((a, b) => b.flows - a.flows || a.frontend.localeCompare(b.frontend));
  }

  @ResolveField(() => [Perspective], { description: 'How each capture point saw it, in capture order' })
  async perspectives(@Parent() flow: Flow, @CurrentCaller() caller: Caller, @Context() ctx: Req) {
    const stored = ((flow.detail ?? {}) as { perspectives?: unknown[] }).perspectives ?? [];
    return (await this.scope.loaders(ctx.req, caller).perspectives.load(flow.id)).map((p) =>
      perspectiveObject(p, stored[p.position]),
    );
  }

  @ResolveField(() => [Translation], { description: 'What each hop changed, where, and its latency' })
  async translations(@Parent() flow: Flow, @CurrentCaller() caller: Caller, @Context() ctx: Req) {
    const stored = ((flow.detail ?? {}) as { translations?: Array<{ outer?: unknown }> }).translations ?? [];
    return (await this.scope.loaders(ctx.req, caller).translations.load(flow.id)).map((t) =>
      translationObject(t, stored[t.position]?.outer ?? null),
    );
  }

  @ResolveField('findings', () => [Finding], { description: 'Findings about this flow' })
  async flowFindings(@Parent() flow: Flow, @CurrentCaller() caller: Caller, @Context() ctx: Req) {
    return (await this.scope.loaders(ctx.req, caller).findings(flow.analysisId, flow.key)).map(findingObject);
  }

  @ResolveField(() => SightingConnection, {
    description:
      'Packet-level detail: the sightings the analysis stored, on the reference clock, paginated ' +
      '(the pcapng export has the packets themselves)',
  })
  async sightings(
    @Parent() flow: Flow,
    @CurrentCaller() caller: Caller,
    @Context() ctx: Req,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size (default 50, max 500)' })
    first: number | null,
    @Args('after', { type: () => String, nullable: true, description: 'Cursor to continue after' })
    after: string | null,
  ): Promise<SightingConnection> {
    const size = pageSize(first, 50, 500);
    const offsets = await this.scope.loaders(ctx.req, caller).clockOffsets(flow.analysisId);
    const all: Sighting[] = flowSightings(flow.detail, offsets);
    const start = after ? Number(Buffer.from(after, 'base64url').toString()) + 1 : 0;
    if (!Number.isInteger(start) || start < 0) throw badInput('after: not a sighting cursor');
    const page = all.slice(start, start + size);
    const edges = page.map((node, i) => ({
      cursor: Buffer.from(String(start + i)).toString('base64url'),
      node,
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: start + size < all.length,
        hasPreviousPage: start > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: all.length,
    };
  }
}

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

@Resolver(() => FlowConnection)
export class FlowConnectionResolver {
  @ResolveField(() => Int, { description: 'Flows matching the filter, over all pages' })
  totalCount(@Parent() connection: FlowConnection): Promise<number> {
    return connection.countFn();
  }
}

@Resolver(() => Perspective)
export class PerspectiveResolver {
  constructor(private readonly scope: GraphqlScope) {}

  @ResolveField(() => Capture, { nullable: true, description: 'The capture point' })
  async capture(@Parent() p: Perspective, @CurrentCaller() caller: Caller, @Context() ctx: Req) {
    const row = await this.scope.loaders(ctx.req, caller).captures.load(p.captureId);
    return row ? captureObject(row) : null;
  }
}

@Resolver(() => Translation)
export class TranslationResolver {
  constructor(private readonly scope: GraphqlScope) {}

  @ResolveField(() => Capture, {
    nullable: true,
    description: 'The capture point where it was seen translated',
  })
  async capture(@Parent() t: Translation, @CurrentCaller() caller: Caller, @Context() ctx: Req) {
    const row = await this.scope.loaders(ctx.req, caller).captures.load(t.captureId);
    return row ? captureObject(row) : null;
  }
}

@Resolver(() => Finding)
export class FindingResolver {
  constructor(private readonly scope: GraphqlScope) {}

  @ResolveField(() => [Flow], { description: 'The flows it is about' })
  async flows(
    @Parent() finding: Finding,
    @CurrentCaller() caller: Caller,
    @Context() ctx: Req,
  ): Promise<Flow[]> {
    const loaders = this.scope.loaders(ctx.req, caller);
    const rows = await Promise.all(finding.flowKeys.map((key) => loaders.flowByKey(finding.analysisId, key)));
    return rows.filter((row) => row !== null).map(flowObject);
  }
}
