import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { CaptureFormatError } from '#capture';
import { SnapshotParseError } from '#cluster';
import { AnalysisJob, type AnalyzeJobData, type DecodeJobData } from '#jobs';
import { AnalysesRepository, CapturesRepository, ResultsRepository, SnapshotsRepository } from '#persistence';
import { MetricsStore, UploadStorage } from '#platform';
import { AnalysisNotifier } from './notifications/notifier.js';
import { analyzeStage } from './stages/analyze.stage.js';
import { decodeStage } from './stages/decode.stage.js';

/**
 * Dispatches analysis-queue jobs by name to their stage. Bad input (a broken capture or
 * snapshot, a missing file) fails the analysis at once with the reader's message; anything
 * else is retried with back-off, and fails the analysis only on the last attempt.
 */
@Injectable()
export class AnalysisProcessor {
  private readonly logger = new Logger(AnalysisProcessor.name);

  constructor(
    readonly analyses: AnalysesRepository,
    readonly captures: CapturesRepository,
    readonly snapshots: SnapshotsRepository,
    readonly results: ResultsRepository,
    readonly storage: UploadStorage,
    readonly metrics: MetricsStore,
    readonly notifier: AnalysisNotifier,
  ) {}

  async process(job: Job): Promise<unknown> {
    const analysisId = (job.data as { analysisId?: string }).analysisId;
    if (!analysisId) throw new UnrecoverableError(`job ${job.name} ${job.id} has no analysisId`);
    const started = Date.now();
    try {
      await this.analyses.markRunning(analysisId);
      const result = await this.run(job);
      if (job.name === AnalysisJob.analyze) await this.notifier.finished(analysisId);
      await this.metrics
        .observeJob(job.name, (Date.now() - started) / 1000, 'completed')
        .catch(() => undefined);
      this.logger.log({ analysisId, job: job.name, id: job.id, ms: Date.now() - started, result });
      return result;
    } catch (error) {
      await this.metrics.observeJob(job.name, (Date.now() - started) / 1000, 'failed').catch(() => undefined);
      const badInput = isBadInput(error);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const message = describe(error);
      this.logger.warn(
        JSON.stringify({ analysisId, job: job.name, id: job.id, badInput, lastAttempt, message }),
      );
      if (badInput || lastAttempt)
        await this.analyses
          .markFailed(analysisId, message)
          .then(() => this.notifier.finished(analysisId))
          .catch(() => undefined);
      if (badInput) throw new UnrecoverableError(message);
      throw error;
    }
  }

  private run(job: Job): Promise<unknown> {
    switch (job.name) {
      case AnalysisJob.decode:
        return decodeStage(job as Job<DecodeJobData>, this);
      case AnalysisJob.analyze:
        return analyzeStage(job as Job<AnalyzeJobData>, this);
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on the analysis queue`);
    }
  }
}

function isBadInput(error: unknown): boolean {
  return (
    error instanceof CaptureFormatError ||
    error instanceof SnapshotParseError ||
    (error as NodeJS.ErrnoException)?.code === 'ENOENT'
  );
}

function describe(error: unknown): string {
  if ((error as NodeJS.ErrnoException)?.code === 'ENOENT')
    return `a stored capture is missing from STORAGE_DIR (${(error as Error).message}); upload it again`;
  return error instanceof Error ? error.message : String(error);
}
