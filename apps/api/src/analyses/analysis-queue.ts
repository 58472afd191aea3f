import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Config } from '#config';
import { ANALYSIS_QUEUE, AnalysisJob, type AnalyzeJobData } from '#jobs';
import { CONFIG, createRedis } from '#platform';

/** The api's side of the analysis queue: it only enqueues. */
@Injectable()
export class AnalysisQueue implements OnApplicationShutdown {
  private readonly queue: Queue;

  constructor(@Inject(CONFIG) config: Config) {
    this.queue = new Queue(ANALYSIS_QUEUE, {
      connection: createRedis(config.redisUrl, 'api'),
      prefix: config.queuePrefix,
    });
  }

  /** One job per analysis id: enqueueing twice (a retried request) does not run it twice. */
  async enqueue(analysisId: string): Promise<void> {
    const data: AnalyzeJobData = { analysisId };
    await this.queue.add(AnalysisJob.analyze, data, {
      jobId: `analysis-${analysisId}`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
