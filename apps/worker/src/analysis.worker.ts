import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Worker, type Job } from 'bullmq';
import type { Config } from '#config';
import { ANALYSIS_QUEUE } from '#jobs';
import { CONFIG, createRedis } from '#platform';
import { AnalysisProcessor } from './analysis.processor.js';

/**
 * The BullMQ worker on the analysis queue. On SIGTERM Nest calls
 * onApplicationShutdown, and `worker.close()` waits for the running jobs to finish
 * (a job cut off by SIGKILL instead is returned to the queue by BullMQ's stalled-job check).
 */
@Injectable()
export class AnalysisWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AnalysisWorker.name);
  private worker?: Worker;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly processor: AnalysisProcessor,
  ) {}

  onModuleInit(): void {
    this.worker = new Worker(ANALYSIS_QUEUE, (job: Job) => this.processor.process(job), {
      connection: createRedis(this.config.redisUrl, 'worker'),
      prefix: this.config.queuePrefix,
      concurrency: this.config.workerConcurrency,
      // A job whose worker died (SIGKILL, lost node) is handed to another once its lock lapses.
      lockDuration: this.config.workerLockMs,
      stalledInterval: this.config.workerLockMs,
    });
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`job ${job?.name} ${job?.id} failed: ${error.message}`),
    );
    this.worker.on('error', (error) => this.logger.error(`worker error: ${error.message}`));
    this.logger.log(
      `consuming queue ${this.config.queuePrefix}:${ANALYSIS_QUEUE} with concurrency ${this.config.workerConcurrency}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.worker) return;
    await this.worker.close();
  }
}
