import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Config } from '#config';
import { NOTIFICATIONS_QUEUE, type DeliverJobData } from '#jobs';
import { WebhooksRepository } from '#persistence';
import { CONFIG, createRedis } from '#platform';
import { renderDelivery, type ReceiverKind } from './render.js';
import { notificationSettings } from './settings.js';

/** 4xx answers other than these mean the request itself is wrong: retrying cannot help. */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

/**
 * Consumes the notifications queue: POSTs each delivery to its receiver with a timeout, records
 * every attempt (status code, error, duration) and lets BullMQ retry failures with exponential
 * back-off. Its own queue and worker: a dead receiver delays only its own notifications.
 */
@Injectable()
export class NotificationsWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationsWorker.name);
  private readonly settings = notificationSettings();
  private worker?: Worker;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly webhooks: WebhooksRepository,
  ) {}

  onModuleInit(): void {
    this.worker = new Worker(NOTIFICATIONS_QUEUE, (job: Job<DeliverJobData>) => this.deliver(job), {
      connection: createRedis(this.config.redisUrl, 'notifications'),
      prefix: this.config.queuePrefix,
      concurrency: 4,
    });
    this.worker.on('error', (error) => this.logger.error(`notifications worker error: ${error.message}`));
  }

  async deliver(job: Job<DeliverJobData>): Promise<{ status: number } | null> {
    const { deliveryId, subscriptionId, notice } = job.data;
    const subscription = await this.webhooks.findById(subscriptionId);
    if (!subscription || !subscription.active) return null; // removed or paused since: nothing to send
    const { body, headers } = renderDelivery(
      subscription.kind as ReceiverKind,
      notice,
      deliveryId,
      subscription.secret,
    );
    const attempt = job.attemptsMade + 1;
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(subscription.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (!res.ok) error = `receiver answered ${res.status} ${res.statusText}`.trim();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      error =
        (e as Error).name === 'TimeoutError'
          ? `no answer within ${this.settings.timeoutMs} ms`
          : `${(e as Error).message}${cause?.code || cause?.message ? ` (${cause.code ?? cause.message})` : ''}`;
    }
    await this.webhooks.recordAttempt({
      subscriptionId,
      deliveryId,
      event: notice.event,
      analysisId: notice.analysis.id,
      attempt,
      success: error === null,
      statusCode,
      error,
      durationMs: Date.now() - started,
    });
    const log = { analysisId: notice.analysis.id, deliveryId, attempt, statusCode, error };
    if (error === null) {
      this.logger.log(JSON.stringify({ ...log, delivered: true }));
      return { status: statusCode! };
    }
    this.logger.warn(JSON.stringify(log));
    if (statusCode !== null && statusCode >= 400 && statusCode < 500 && !RETRYABLE_4XX.has(statusCode))
      throw new UnrecoverableError(error);
    throw new Error(error);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }
}
