import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AnalysisJob, type AnalyzeJobData } from '#jobs';

/** Dispatches analysis-queue jobs by name to the pipeline stage that handles them. */
@Injectable()
export class AnalysisProcessor {
  private readonly logger = new Logger(AnalysisProcessor.name);

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case AnalysisJob.analyze:
        return this.analyze(job as Job<AnalyzeJobData>);
      default:
        throw new Error(`unknown job ${job.name} on the analysis queue`);
    }
  }

  private async analyze(job: Job<AnalyzeJobData>): Promise<{ analysisId: string }> {
    this.logger.log(`analysis ${job.data.analysisId}: started`);
    await job.updateProgress(100);
    return { analysisId: job.data.analysisId };
  }
}
