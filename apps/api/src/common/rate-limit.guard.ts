import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  SetMetadata,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { Config } from '#config';
import { CONFIG, RateLimiter } from '#platform';
import type { Caller } from '../auth/auth.guard.js';

type Action = 'uploads' | 'analyses';
const ACTION = 'natlens:rate-limit';

/** Per-key limit on the route (after authentication): 429 with Retry-After beyond it. */
export const RateLimit = (action: Action) =>
  applyDecorators(SetMetadata(ACTION, action), UseGuards(RateLimitGuard));

@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const action = this.reflector.get<Action>(ACTION, context.getHandler());
    const caller = context.switchToHttp().getRequest<{ caller?: Caller }>().caller;
    if (!action || !caller) return true;
    const limit =
      action === 'uploads' ? this.config.rateLimitUploadsPerMinute : this.config.rateLimitAnalysesPerMinute;
    const decision = await this.limiter.hit(caller.keyId, action, limit);
    if (decision.allowed) return true;
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(decision.retryAfter));
    throw new HttpException(
      {
        code: 'TOO_MANY_REQUESTS',
        message: `this key may make ${limit} ${action} a minute; retry in ${decision.retryAfter} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
