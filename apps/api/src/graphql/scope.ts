import { HttpException, Injectable } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import {
  AnalysesRepository,
  CapturesRepository,
  FlowsQueryRepository,
  type AnalysisWithInputs,
} from '#persistence';
import type { Caller } from '../auth/auth.guard.js';
import { loadersFor, type Loaders } from './loaders.js';

export function notFound(what: string): GraphQLError {
  return new GraphQLError(`no ${what} in this project`, { extensions: { code: 'NOT_FOUND' } });
}

export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/** Runs a REST-side service call, turning its HTTP errors ({ code, message }) into GraphQL errors. */
export async function asGraphql<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    const body = error.getResponse() as { code?: string; message?: string } | string;
    const code = typeof body === 'object' && body.code ? body.code : 'BAD_REQUEST';
    const message = typeof body === 'object' && body.message ? body.message : error.message;
    throw new GraphQLError(message, { extensions: { code, http: { status: error.getStatus() } } });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every GraphQL read starts here: the analysis must be the caller's project's, or it does not exist. */
@Injectable()
export class GraphqlScope {
  constructor(
    private readonly analyses: AnalysesRepository,
    private readonly flows: FlowsQueryRepository,
    private readonly captures: CapturesRepository,
  ) {}

  async analysis(caller: Caller, id: string): Promise<AnalysisWithInputs | null> {
    if (!UUID.test(id)) return null;
    // A share link reads its own analysis only (the auth guard checks this too).
    if (caller.share && caller.share.analysisId !== id.toLowerCase()) return null;
    return this.analyses.find(caller.projectId, id);
  }

  async requireAnalysis(caller: Caller, id: string): Promise<AnalysisWithInputs> {
    const analysis = await this.analysis(caller, id);
    if (!analysis) throw notFound(`analysis ${id}`);
    return analysis;
  }

  loaders(req: object, caller: Caller): Loaders {
    return loadersFor(req, this.flows, this.captures, this.analyses, caller.projectId);
  }
}

/** `first` bounded to 1..max (default `fallback`). */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1 || first > max) throw badInput(`first must be 1..${max}`);
  return first;
}
