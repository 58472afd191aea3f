import {
  Args,
  Context,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import {
  CapturesRepository,
  decodeCursor,
  encodeCursor,
  FlowsQueryRepository,
  SnapshotsRepository,
} from '#persistence';
import { Inject } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import type { Config } from '#config';
import { CONFIG, RateLimiter } from '#platform';
import { AllowShare, CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { AnalysesService } from '../analyses/analyses.service.js';
import { asGraphql, badInput, GraphqlScope, notFound, pageSize } from './scope.js';
import {
  forwardPageInfo,
  Analysis,
  AnalysisConnection,
  AnalysisFilter,
  AnalysisProgress,
  AnalysisStatusEnum,
  Capture,
  CreateAnalysisInput,
  Snapshot,
} from './types.js';
import { analysisObject, captureObject, snapshotObject } from './views.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FINISHED = new Set(['SUCCEEDED', 'FAILED']);

@Resolver(() => Analysis)
export class AnalysesResolver {
  constructor(
    private readonly scope: GraphqlScope,
    private readonly service: AnalysesService,
    private readonly repo: FlowsQueryRepository,
    private readonly capturesRepo: CapturesRepository,
    private readonly snapshotsRepo: SnapshotsRepository,
    private readonly limiter: RateLimiter,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Query(() => Analysis, {
    nullable: true,
    description: 'One analysis of this project (null if there is none)',
  })
  @AllowShare()
  async analysis(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'Analysis id' }) id: string,
  ): Promise<Analysis | null> {
    const row = await this.scope.analysis(caller, id);
    return row ? analysisObject(row) : null;
  }

  @Query(() => AnalysisConnection, { description: "This project's analyses, newest first" })
  async analyses(
    @CurrentCaller() caller: Caller,
    @Args('filter', { type: () => AnalysisFilter, nullable: true, description: 'Which analyses' })
    filter: AnalysisFilter | null,
    @Args('first', { type: () => Int, nullable: true, description: 'Page size (default 20, max 100)' })
    first: number | null,
    @Args('after', { type: () => String, nullable: true, description: 'Cursor to continue after' })
    after: string | null,
  ): Promise<AnalysisConnection> {
    const size = pageSize(first, 20, 100);
    const cursor = after ? decodeCursor(after) : null;
    if (after && !cursor) throw badInput('after: not a cursor of this listing');
    const page = await this.repo.analyses(caller.projectId, filter ?? {}, { first: size, after: cursor });
    const edges = page.rows.map((row) => ({
      cursor: encodeCursor(row.createdAt.toISOString(), row.id),
      node: analysisObject(row),
    }));
    return {
      edges,
      pageInfo: forwardPageInfo(edges, page.hasNextPage),
      totalCount: await page.totalCount(),
    };
  }

  @Query(() => [Capture], { description: "This project's captures, newest first (at most 100)" })
  async captures(@CurrentCaller() caller: Caller): Promise<Capture[]> {
    return (await this.capturesRepo.list(caller.projectId)).map(captureObject);
  }

  @Query(() => [Snapshot], { description: "This project's snapshots, newest first (at most 100)" })
  async snapshots(@CurrentCaller() caller: Caller): Promise<Snapshot[]> {
    return (await this.snapshotsRepo.list(caller.projectId)).map(snapshotObject);
  }

  @ResolveField('captures', () => [Capture], { description: 'The captures it analyses' })
  async analysisCaptures(
    @Parent() analysis: Analysis,
    @CurrentCaller() caller: Caller,
    @Context() ctx: { req: object },
  ): Promise<Capture[]> {
    const loaders = this.scope.loaders(ctx.req, caller);
    const ids = await loaders.inputs(analysis.id);
    const rows = await Promise.all(ids.captures.map((id) => loaders.captures.load(id)));
    return rows.filter((c) => c !== null).map(captureObject);
  }

  @ResolveField('snapshots', () => [Snapshot], { description: 'The snapshots it uses' })
  async analysisSnapshots(
    @Parent() analysis: Analysis,
    @CurrentCaller() caller: Caller,
    @Context() ctx: { req: object },
  ): Promise<Snapshot[]> {
    const ids = await this.scope.loaders(ctx.req, caller).inputs(analysis.id);
    if (!ids.snapshots.length) return [];
    const rows = await this.snapshotsRepo.findMany(ids.snapshots);
    return rows.filter((s) => s.projectId === caller.projectId).map(snapshotObject);
  }

  @Mutation(() => Analysis, {
    description: 'Start an analysis of captures and snapshots of this project (needs a write key)',
  })
  @RequireRole('write')
  async createAnalysis(
    @CurrentCaller() caller: Caller,
    @Args('input', { type: () => CreateAnalysisInput, description: 'What to analyse' })
    input: CreateAnalysisInput,
  ): Promise<Analysis> {
    const ids = [...input.captures, ...(input.snapshots ?? [])];
    if (!input.captures.length) throw badInput('captures: at least one capture id');
    for (const id of ids) if (!UUID.test(id)) throw badInput(`${id} is not an id`);
    // The same per-key budget as POST /v1/analyses.
    const limit = this.config.rateLimitAnalysesPerMinute;
    const decision = await this.limiter.hit(caller.keyId, 'analyses', limit);
    if (!decision.allowed)
      throw new GraphQLError(
        `this key may make ${limit} analyses a minute; retry in ${decision.retryAfter} s`,
        {
          extensions: { code: 'TOO_MANY_REQUESTS', retryAfter: decision.retryAfter },
        },
      );
    const row = await asGraphql(() =>
      this.service.create(caller, {
        name: input.name ?? null,
        captures: [...new Set(input.captures)],
        snapshots: [...new Set(input.snapshots ?? [])],
      }),
    );
    return analysisObject(row);
  }

  @Mutation(() => Boolean, { description: 'Delete an analysis and its results (needs a write key)' })
  @RequireRole('write')
  async deleteAnalysis(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'Analysis id' }) id: string,
  ): Promise<boolean> {
    if (!UUID.test(id)) throw notFound(`analysis ${id}`);
    await asGraphql(() => this.service.delete(caller, id));
    return true;
  }

  @Mutation(() => Analysis, {
    description: 'Run a finished analysis again; its results are replaced (needs a write key)',
  })
  @RequireRole('write')
  async rerunAnalysis(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'Analysis id' }) id: string,
  ): Promise<Analysis> {
    if (!UUID.test(id)) throw notFound(`analysis ${id}`);
    return analysisObject(await asGraphql(() => this.service.rerun(caller, id)));
  }

  @Subscription(() => AnalysisProgress, {
    description:
      "An analysis' status, stage and progress over graphql-ws: one event per change (checked each " +
      'second), ending once it SUCCEEDED or FAILED',
    resolve: (value: AnalysisProgress) => value,
  })
  @AllowShare()
  async analysisProgress(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'Analysis id' }) id: string,
  ): Promise<AsyncIterator<AnalysisProgress>> {
    if (!(await this.scope.analysis(caller, id))) throw notFound(`analysis ${id}`);
    return this.poll(caller, id)[Symbol.asyncIterator]();
  }

  private async *poll(caller: Caller, id: string): AsyncGenerator<AnalysisProgress> {
    let last = '';
    while (true) {
      const row = await this.scope.analysis(caller, id);
      if (!row) return;
      const event: AnalysisProgress = {
        id: row.id,
        status: row.status as AnalysisStatusEnum,
        stage: row.stage,
        progress: row.progress,
        error: row.error,
      };
      const seen = JSON.stringify(event);
      if (seen !== last) {
        last = seen;
        yield event;
      }
      if (FINISHED.has(row.status)) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
