import type { Redis } from 'ioredis';

/** Upper bounds (seconds) of the job-duration histogram buckets. */
export const DURATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 1800];

/**
 * Counters shared by every api and worker process through one Redis hash, so `GET /metrics`
 * on any api replica reports the whole deployment (Prometheus' rate() turns totals into
 * per-second figures such as packets decoded per second).
 */
export class MetricsStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:metrics`;
  }

  async add(field: string, by = 1): Promise<void> {
    await this.redis.hincrbyfloat(this.key, field, by);
  }

  /** One observation of a job's duration for its stage (histogram with cumulative buckets). */
  async observeJob(stage: string, seconds: number, outcome: 'completed' | 'failed'): Promise<void> {
    const multi = this.redis.multi();
    multi.hincrbyfloat(this.key, `job_seconds_sum|${stage}`, seconds);
    multi.hincrby(this.key, `job_seconds_count|${stage}`, 1);
    multi.hincrby(this.key, `jobs_total|${stage}|${outcome}`, 1);
    for (const le of DURATION_BUCKETS)
      if (seconds <= le) multi.hincrby(this.key, `job_seconds_bucket|${stage}|${le}`, 1);
    await multi.exec();
  }

  async read(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.key);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }
}
