import type { ApolloDriverConfig } from '@nestjs/apollo';
import { ApolloDriver } from '@nestjs/apollo';
import { queryLimitsPlugin } from './limits.js';

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
  context: (arg: { req?: unknown } & WsContext) =>
    'connectionInitReceived' in arg ? { req: wsRequest(arg) } : { req: arg.req },
  plugins: [queryLimitsPlugin()],
  subscriptions: {
    'graphql-ws': { path: '/graphql' },
  },
};
