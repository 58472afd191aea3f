import { Inject, Injectable } from '@nestjs/common';
import type { Config } from '#config';
import { pingDatabase } from '#persistence';
import { CONFIG, pingRedis } from '#platform';

export interface DependencyStatus {
  name: 'postgres' | 'redis';
  ok: boolean;
  error?: string;
  latencyMs: number;
}

/** Asks each dependency the api cannot work without whether it answers right now. */
@Injectable()
export class ReadinessService {
  constructor(@Inject(CONFIG) private readonly config: Config) {}

  async check(): Promise<DependencyStatus[]> {
    return Promise.all([
      this.probe('postgres', () => pingDatabase(this.config.databaseUrl, 2000)),
      this.probe('redis', () => pingRedis(this.config.redisUrl, 2000)),
    ]);
  }

  private async probe(name: DependencyStatus['name'], ping: () => Promise<void>): Promise<DependencyStatus> {
    const started = performance.now();
    try {
      await ping();
      return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] || error.name : String(error);
      return { name, ok: false, error: message, latencyMs: Math.round(performance.now() - started) };
    }
  }
}
