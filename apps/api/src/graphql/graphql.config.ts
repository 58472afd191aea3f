import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { checkLimits, queryLimitsPlugin } from './limits.js';

/** The built schema, for checking subscriptions (graphql-ws bypasses Apollo's plugins). */
let builtSchema: GraphQLSchema | null = null;

/** graphql-ws onSubscribe: the same depth and complexity limits as over HTTP. */
function limitSubscription(
  _ctx: unknown,
  _id: string,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): GraphQLError[] | void {
  if (!builtSchema) return;
  try {
    checkLimits(builtSchema, parse(payload.query), payload.operationName, payload.variables ?? {});
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    // A syntax error: graphql-ws reports it itself when it parses the query.
  }
}

/** A graphql-ws connection: the API key comes in connectionParams (`{ authorization: 'Bearer nl_...' }`). */
interface WsContext {
  connectionInitReceived?: boolean;
  connectionParams?: Record<string, unknown>;
}

/**
 * The request the auth guard reads: HTTP's own, or for a graphql-ws subscription one made from the
 * connection parameters (browsers cannot set headers on a WebSocket).
 */
function wsRequest(ctx: WsContext): { headers: Record<string, string | undefined> } {
  const params = ctx.connectionParams ?? {};
  const value = params.authorization ?? params.Authorization;
  return { headers: { authorization: typeof value === 'string' ? value : undefined } };
}

/** GraphQLModule.forRoot options: code-first schema, depth/complexity limits, graphql-ws subscriptions. */
export const graphqlConfig: ApolloDriverConfig = {
  driver: ApolloDriver,
  path: '/graphql',
  autoSchemaFile: true,
  sortSchema: true,
  introspection: true,
  // No landing page from Apollo or @nestjs/apollo (both load theirs from a CDN): GraphiqlController
  // serves a bundled GraphiQL to browsers at this URL.
  graphiql: false,
  context: (arg: { req?: unknown } & WsContext) =>
    'connectionInitReceived' in arg ? { req: wsRequest(arg) } : { req: arg.req },
  plugins: [queryLimitsPlugin()],
  transformSchema: (schema) => {
    const roots = {
      Query: 'Read analyses, flows, services and findings of the key’s project',
      Mutation: 'Start, re-run and delete analyses (needs a write key)',
      Subscription: 'Follow an analysis while it runs (graphql-ws at the same path)',
    };
    for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()])
      if (type && !type.description) type.description = roots[type.name as keyof typeof roots] ?? null;
    builtSchema = schema;
    return schema;
  },
  subscriptions: {
    'graphql-ws': { path: '/graphql', onSubscribe: limitSubscription },
  },
};
