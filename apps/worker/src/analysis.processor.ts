import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { AnalysisJob, type AnalyzeJobData } from '#jobs';
import { AnalysesRepository } from '#persistence';

/** Dispatches analysis-queue jobs by name to the pipeline stage that handles them. */
@Injectable()
export class AnalysisProcessor {
  private readonly logger = new Logger(AnalysisProcessor.name);

  constructor(private readonly analyses: AnalysesRepository) {}

  async process(job: Job): Promise<unknown> {
    switch (job.name) {
      case AnalysisJob.analyze:
        return this.analyze(job as Job<AnalyzeJobData>);
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the analysis queue`);
    }
  }

  private async analyze(job: Job<AnalyzeJobData>): Promise<{ analysisId: string; status: string }> {
    const { analysisId } = job.data;
    const analysis = await this.analyses.findById(analysisId);
    // Deleted while queued: nothing to do, and nothing to retry.
    if (!analysis) return { analysisId, status: 'GONE' };
    await this.analyses.markRunning(analysisId);
    this.logger.log(`analysis ${analysisId}: running on ${analysis.captures.length} captures`);
    await job.updateProgress(100);
    await this.analyses.markSucceeded(
      analysisId,
      { captures: analysis.captures.length, snapshots: analysis.snapshots.length },
      { captures: analysis.captures.length, snapshots: analysis.snapshots.length },
    );
    return { analysisId, status: 'SUCCEEDED' };
  }
}
