import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { FlowProducer } from 'bullmq';
import type { Config } from '#config';
import {
  ANALYSIS_QUEUE,
  AnalysisJob,
  JOB_ATTEMPTS,
  JOB_BACKOFF,
  type AnalyzeJobData,
  type DecodeJobData,
} from '#jobs';
import { CONFIG, createRedis } from '#platform';

/** The api's side of the analysis queue: it only enqueues. */
@Injectable()
export class AnalysisQueue implements OnApplicationShutdown {
  private readonly flows: FlowProducer;

  constructor(@Inject(CONFIG) private readonly config: Config) {
    this.flows = new FlowProducer({
      connection: createRedis(config.redisUrl, 'api'),
      prefix: config.queuePrefix,
    });
  }

  /**
   * One BullMQ flow per run: a `decode` child per capture, then the `analyze` parent. Job ids
   * derive from the analysis (and run), so a retried request does not enqueue the work twice.
   */
  async enqueue(analysisId: string, captureIds: string[], run = 0): Promise<void> {
    const opts = {
      attempts: JOB_ATTEMPTS,
      backoff: JOB_BACKOFF,
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
    await this.flows.add({
      name: AnalysisJob.analyze,
      queueName: ANALYSIS_QUEUE,
      data: { analysisId } satisfies AnalyzeJobData,
      opts: { ...opts, jobId: `analysis-${analysisId}-${run}` },
      children: captureIds.map((captureId) => ({
        name: AnalysisJob.decode,
        queueName: ANALYSIS_QUEUE,
        data: { analysisId, captureId } satisfies DecodeJobData,
        opts: { ...opts, jobId: `decode-${analysisId}-${run}-${captureId}`, failParentOnFailure: true },
      })),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flows.close();
  }
}
