import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Config } from '#config';
import {
  NOTIFICATION_ATTEMPTS,
  NOTIFICATIONS_QUEUE,
  NotificationJob,
  type AnalysisNotice,
  type DeliverJobData,
} from '#jobs';
import { AnalysesRepository, WebhooksRepository } from '#persistence';
import { CONFIG, createRedis, ShareLinks } from '#platform';
import { notificationSettings } from './settings.js';

const TOP_FINDINGS = 5;

/**
 * Called by the analysis processor when an analysis finishes (either way): one delivery job per
 * subscription that wants the event, on the notifications queue. It never throws: a broken
 * subscription, database or Redis hiccup costs a notification, never the analysis.
 */
@Injectable()
export class AnalysisNotifier implements OnApplicationShutdown {
  private readonly logger = new Logger(AnalysisNotifier.name);
  private readonly queue: Queue;
  private readonly settings = notificationSettings();

  constructor(
    @Inject(CONFIG) config: Config,
    private readonly analyses: AnalysesRepository,
    private readonly webhooks: WebhooksRepository,
    private readonly shares: ShareLinks,
  ) {
    this.queue = new Queue(NOTIFICATIONS_QUEUE, {
      connection: createRedis(config.redisUrl, 'notifier'),
      prefix: config.queuePrefix,
    });
  }

  async finished(analysisId: string): Promise<void> {
    try {
      await this.enqueue(analysisId);
    } catch (error) {
      this.logger.warn(
        JSON.stringify({ analysisId, message: `notifications not sent: ${(error as Error).message}` }),
      );
    }
  }

  private async enqueue(analysisId: string): Promise<void> {
    const analysis = await this.analyses.findById(analysisId);
    if (!analysis || (analysis.status !== 'SUCCEEDED' && analysis.status !== 'FAILED')) return;
    const event = analysis.status === 'SUCCEEDED' ? 'analysis.succeeded' : 'analysis.failed';
    const subscriptions = await this.webhooks.subscribers(analysis.projectId, event);
    if (!subscriptions.length) return;

    const digest = await this.webhooks.digest(analysisId);
    const bySeverity: Record<string, number> = {};
    for (const f of digest.findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    const base = this.settings.publicUrl;
    const report = `${base}/v1/analyses/${analysis.id}/report?format=md`;
    const notice: AnalysisNotice = {
      event,
      analysis: {
        id: analysis.id,
        name: analysis.name,
        status: analysis.status,
        error: analysis.error,
        createdAt: analysis.createdAt.toISOString(),
        finishedAt: analysis.finishedAt?.toISOString() ?? null,
        counts: (analysis.counts ?? {}) as Record<string, number>,
      },
      flowsByState: digest.flowsByState,
      translations: digest.translations,
      findings: { total: digest.findings.length, bySeverity },
      topFindings: digest.findings.slice(0, TOP_FINDINGS),
      links: {
        report,
        analysis: `${base}/v1/analyses/${analysis.id}`,
        share: await this.shareLink(base, analysis.id, analysis.projectId, report),
      },
    };
    // One delivery per subscription and run: a finish reported twice (parallel decode failures)
    // is enqueued once, a re-run (new startedAt) is a new delivery.
    const run = (analysis.startedAt ?? analysis.createdAt).getTime();
    await this.queue.addBulk(
      subscriptions.map((s) => {
        const deliveryId = `${s.id}-${analysis.id}-${run}-${event.replace('.', '-')}`;
        return {
          name: NotificationJob.deliver,
          data: { deliveryId, subscriptionId: s.id, notice } satisfies DeliverJobData,
          opts: {
            jobId: deliveryId,
            attempts: NOTIFICATION_ATTEMPTS,
            backoff: { type: 'exponential', delay: this.settings.backoffMs },
            removeOnComplete: { age: 24 * 3600, count: 1000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        };
      }),
    );
    this.logger.log(JSON.stringify({ analysisId, event, deliveries: subscriptions.length }));
  }

  /** A share link to the analysis page; the REST report link if the share secret cannot be read. */
  private async shareLink(
    base: string,
    analysisId: string,
    projectId: string,
    report: string,
  ): Promise<string> {
    try {
      return (await this.shares.link(base, analysisId, projectId)).url;
    } catch (error) {
      this.logger.warn(
        JSON.stringify({
          analysisId,
          message: `no share link (${(error as Error).message}): linking the report`,
        }),
      );
      return report;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
