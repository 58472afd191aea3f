import type { Job } from 'bullmq';
import type { AnalysesRepository } from '#persistence';

/**
 * Reports a stage's progress to the job and the analysis row at most once a second (and
 * always at the end), so a long stage shows life without a write per packet.
 */
export class ProgressReporter {
  private last = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly job: Job,
    private readonly analyses: AnalysesRepository,
    private readonly analysisId: string,
    private readonly stage: string,
    /** The slice of 0–100 this stage covers. */
    private readonly from: number,
    private readonly to: number,
  ) {}

  update(fraction: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < 1000) return;
    this.last = now;
    const progress = Math.round(this.from + (this.to - this.from) * Math.max(0, Math.min(1, fraction)));
    this.pending = this.pending
      .then(() => this.analyses.setProgress(this.analysisId, this.stage, progress))
      .then(() => this.job.updateProgress({ stage: this.stage, progress }))
      .catch(() => undefined);
  }

  async done(): Promise<void> {
    this.update(1, true);
    await this.pending;
  }
}
