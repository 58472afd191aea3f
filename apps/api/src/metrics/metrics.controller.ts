import { Controller, Get, Header, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import type { Config } from '#config';
import { ANALYSIS_QUEUE } from '#jobs';
import { AnalysesRepository } from '#persistence';
import { CONFIG, createRedis, MetricsStore } from '#platform';
import { Public } from '../auth/auth.guard.js';
import { renderPrometheus } from './prometheus.js';

/** Prometheus scrape endpoint (public, like /healthz: it carries no project data). */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController implements OnApplicationShutdown {
  private readonly queue: Queue;

  constructor(
    @Inject(CONFIG) config: Config,
    private readonly analyses: AnalysesRepository,
    private readonly metrics: MetricsStore,
  ) {
    this.queue = new Queue(ANALYSIS_QUEUE, {
      connection: createRedis(config.redisUrl, 'metrics'),
      prefix: config.queuePrefix,
    });
  }

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const [analysesByStatus, queueJobs, counters] = await Promise.all([
      this.analyses.countByStatus(),
      this.queue.getJobCounts('waiting', 'waiting-children', 'active', 'delayed', 'failed', 'completed'),
      this.metrics.read(),
    ]);
    return renderPrometheus({ analysesByStatus, queueJobs, counters });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
