import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { ProjectsRepository, type ApiKeyRole } from '#persistence';

/** Who is calling: the key's project scopes every query. */
export interface Caller {
  projectId: string;
  projectName: string;
  keyId: string;
  role: ApiKeyRole;
}

const ROLE_KEY = 'natlens:role';
const PUBLIC_KEY = 'natlens:public';
const RANK: Record<ApiKeyRole, number> = { read: 0, write: 1, admin: 2 };

/** The least role a route needs (read < write < admin). Routes without it need `read`. */
export const RequireRole = (role: ApiKeyRole) => SetMetadata(ROLE_KEY, role);
/** Routes anyone may call (health, docs, chat endpoints with their own signatures). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

type AuthRequest = { headers: Record<string, string | string[] | undefined>; caller?: Caller };

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

/** `Authorization: Bearer nl_...` on every route but the public ones; 401 without, 403 below the role. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly projects: ProjectsRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = requestOf(context);
    const header = request.headers.authorization;
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
}
