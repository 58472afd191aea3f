import { Inject } from '@nestjs/common';
import { Args, Context, Field, ID, Int, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import type { Request } from 'express';
import type { Config } from '#config';
import { CONFIG, SHARE_TTL_DEFAULT_SECONDS, SHARE_TTL_MAX_SECONDS, ShareLinks } from '#platform';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { publicUrl } from '../common/public-url.js';
import { badInput, GraphqlScope, notFound } from './scope.js';

@ObjectType({ description: 'A signed, expiring, read-only link to one analysis page' })
export class ShareLink {
  @Field({ description: 'The analysis page with the token: /analyses/<id>?share=<token>' })
  url!: string;
  @Field({ description: 'When the link stops working (ISO 8601)' })
  expiresAt!: string;
}

@Resolver()
export class ShareResolver {
  constructor(
    private readonly scope: GraphqlScope,
    private readonly shares: ShareLinks,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Mutation(() => ShareLink, {
    description:
      'A share link to an analysis: opens its page in a browser without an API key, read-only, until it ' +
      'expires (needs a write key)',
  })
  @RequireRole('write')
  async shareAnalysis(
    @CurrentCaller() caller: Caller,
    @Context('req') req: Request,
    @Args('id', { type: () => ID, description: 'Analysis id' }) id: string,
    @Args('ttlSeconds', {
      type: () => Int,
      nullable: true,
      description: `Seconds the link stays valid (default ${SHARE_TTL_DEFAULT_SECONDS}, at most ${SHARE_TTL_MAX_SECONDS})`,
    })
    ttlSeconds: number | null,
  ): Promise<ShareLink> {
    const ttl = ttlSeconds ?? SHARE_TTL_DEFAULT_SECONDS;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > SHARE_TTL_MAX_SECONDS)
      throw badInput(`ttlSeconds must be 1..${SHARE_TTL_MAX_SECONDS}`);
    const analysis = await this.scope.analysis(caller, id);
    if (!analysis) throw notFound(`analysis ${id}`);
    const link = await this.shares.link(
      publicUrl(req, this.config.publicUrl),
      analysis.id,
      caller.projectId,
      ttl,
    );
    return { url: link.url, expiresAt: link.expiresAt.toISOString() };
  }
}
