import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import { ProjectsRepository, type ApiKeyRole } from '#persistence';
import { ShareLinks, type ShareGrant } from '#platform';

/** Who is calling: the key's project scopes every query. */
export interface Caller {
  projectId: string;
  projectName: string;
  keyId: string;
  role: ApiKeyRole;
  /** Set when the caller holds a share link rather than a key: read-only, this one analysis only. */
  share?: ShareGrant;
}

const ROLE_KEY = 'natlens:role';
const PUBLIC_KEY = 'natlens:public';
const SHARE_KEY = 'natlens:share';
const RANK: Record<ApiKeyRole, number> = { read: 0, write: 1, admin: 2 };

/** The least role a route needs (read < write < admin). Routes without it need `read`. */
export const RequireRole = (role: ApiKeyRole) => SetMetadata(ROLE_KEY, role);
/** Routes anyone may call (health, docs, chat endpoints with their own signatures). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/**
 * Read routes a share link may call: they name one analysis in the route parameter or argument `id`
 * or `analysisId`, which must be the link's analysis. Every other route refuses share links (403).
 */
export const AllowShare = () => SetMetadata(SHARE_KEY, true);

type AuthRequest = {
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, string | undefined>;
  caller?: Caller;
};

function requestOf(context: ExecutionContext): AuthRequest {
  if (context.getType<string>() === 'graphql')
    return GqlExecutionContext.create(context).getContext<{ req: AuthRequest }>().req;
  return context.switchToHttp().getRequest<AuthRequest>();
}

export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = requestOf(context).caller;
  if (!caller) throw new UnauthorizedException('no API key on this request');
  return caller;
});

const GRAPHQL_CODES: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

/**
 * A share link refused: REST gets the status with `{ error: { code, message } }`; GraphQL an error
 * with the GraphQL code (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND) and the share-specific one as `reason`.
 */
function refusal(context: ExecutionContext, status: 401 | 403 | 404, code: string, message: string[]): Error {
  const text = message.join('');
  if (context.getType<string>() === 'graphql')
    return new GraphQLError(text, { extensions: { code: GRAPHQL_CODES[status], reason: code } });
  const body = { code, message: text };
  if (status === 401) return new UnauthorizedException(body);
  if (status === 403) return new ForbiddenException(body);
  return new NotFoundException(body);
}

/** The analysis a request names: route parameter `id` (REST) or argument `id`/`analysisId` (GraphQL). */
function analysisNamed(context: ExecutionContext, request: AuthRequest): unknown {
  if (context.getType<string>() === 'graphql') {
    const args = GqlExecutionContext.create(context).getArgs<Record<string, unknown>>();
    return args.analysisId ?? args.id;
  }
  return request.params?.id;
}

/**
 * `Authorization: Bearer nl_...` on every route but the public ones; 401 without, 403 below the role.
 * `Authorization: Share <token>` (a share link) reads one analysis on the routes marked AllowShare.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly projects: ProjectsRepository,
    private readonly shares: ShareLinks,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = requestOf(context);
    const header = request.headers.authorization;
    const share = typeof header === 'string' ? /^Share\s+(\S+)$/i.exec(header) : null;
    if (share) return this.shareLink(context, request, share[1], targets);
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match)
      throw new UnauthorizedException({
        code: 'UNAUTHENTICATED',
        message: 'missing API key: send "Authorization: Bearer nl_..." (natlens keys create --project NAME)',
      });
    const key = await this.projects.authenticate(match[1]);
    if (!key)
      throw new UnauthorizedException({ code: 'UNAUTHENTICATED', message: 'unknown or revoked API key' });
    const needed = this.reflector.getAllAndOverride<ApiKeyRole>(ROLE_KEY, targets) ?? 'read';
    if (RANK[key.role] < RANK[needed])
      throw new ForbiddenException({
        code: 'FORBIDDEN',
        message: `this route needs a ${needed} key; this key is ${key.role}`,
      });
    request.caller = {
      projectId: key.projectId,
      projectName: key.project.name,
      keyId: key.id,
      role: key.role,
    };
    return true;
  }

  /** A share link: authentic and unexpired (else 401), on a route that allows it (else 403), for its analysis (else 404). */
  private async shareLink(
    context: ExecutionContext,
    request: AuthRequest,
    token: string,
    targets: Parameters<Reflector['getAllAndOverride']>[1],
  ): Promise<boolean> {
    const check = await this.shares.check(token);
    if (!check.ok && check.reason === 'expired')
      throw refusal(context, 401, 'SHARE_LINK_EXPIRED', [
        `this share link expired at ${check.grant.expiresAt.toISOString()}: ask whoever shared it for a new `,
        'one (POST /v1/analyses/:id/share with a write key), or use an API key',
      ]);
    if (!check.ok)
      throw refusal(context, 401, 'SHARE_LINK_INVALID', [
        'this share link is not valid: it was cut short or altered, or the server’s share secret changed ',
        'since it was made. Copy the whole link again, or ask whoever shared it for a new one',
      ]);
    const { grant } = check;
    const needed = this.reflector.getAllAndOverride<ApiKeyRole>(ROLE_KEY, targets) ?? 'read';
    if (!this.reflector.getAllAndOverride<boolean>(SHARE_KEY, targets) || needed !== 'read')
      throw refusal(context, 403, 'FORBIDDEN', [
        `a share link only reads analysis ${grant.analysisId}; this needs an API key`,
      ]);
    const named = analysisNamed(context, request);
    if (typeof named !== 'string' || named.toLowerCase() !== grant.analysisId)
      throw refusal(context, 404, 'NOT_FOUND', [
        `no analysis ${String(named)} for this share link: it opens analysis ${grant.analysisId} only`,
      ]);
    request.caller = {
      projectId: grant.projectId,
      projectName: '',
      keyId: `share:${grant.analysisId}`,
      role: 'read',
      share: grant,
    };
    return true;
  }
}
