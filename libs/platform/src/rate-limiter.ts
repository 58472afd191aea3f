import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends (for Retry-After). */
  retryAfter: number;
}

/**
 * Fixed-window counters in Redis, per key and action: shared by every api replica, and a
 * window's counter expires with it.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(subject: string, action: string, limit: number, windowSeconds = 60): Promise<RateDecision> {
    const now = Math.floor(Date.now() / 1000);
    const window = Math.floor(now / windowSeconds);
    const key = `${this.prefix}:ratelimit:${action}:${subject}:${window}`;
    const [[, count]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, windowSeconds + 1)
      .exec()) as [[Error | null, number], unknown];
    return { allowed: count <= limit, retryAfter: (window + 1) * windowSeconds - now };
  }
}
