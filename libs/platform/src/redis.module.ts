import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Config } from '#config';
import { CONFIG } from './config.module.js';
import { MetricsStore } from './metrics-store.js';
import { RateLimiter } from './rate-limiter.js';
import { createRedis } from './redis.js';

export const REDIS = Symbol('REDIS');

/** One shared Redis connection for counters (metrics, rate limits); queues have their own. */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [CONFIG],
      useFactory: (config: Config) => createRedis(config.redisUrl, 'shared'),
    },
    {
      provide: MetricsStore,
      inject: [REDIS, CONFIG],
      useFactory: (redis: Redis, config: Config) => new MetricsStore(redis, config.queuePrefix),
    },
    {
      provide: RateLimiter,
      inject: [REDIS, CONFIG],
      useFactory: (redis: Redis, config: Config) => new RateLimiter(redis, config.queuePrefix),
    },
  ],
  exports: [REDIS, MetricsStore, RateLimiter],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
