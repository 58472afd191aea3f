import type { PrismaClient, WebhookDelivery, WebhookKind, WebhookSubscription } from '../generated/client.js';

export type { WebhookDelivery, WebhookSubscription };

export const WEBHOOK_KINDS = ['slack', 'mattermost', 'generic'] as const satisfies readonly WebhookKind[];
export const WEBHOOK_EVENTS = ['analysis.succeeded', 'analysis.failed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface NewWebhookSubscription {
  projectId: string;
  url: string;
  kind: WebhookKind;
  secret?: string | null;
  events: string[];
}

export interface WebhookSubscriptionUpdate {
  url?: string;
  secret?: string | null;
  events?: string[];
  active?: boolean;
}

export interface NewDeliveryAttempt {
  subscriptionId: string;
  deliveryId: string;
  event: string;
  analysisId: string | null;
  attempt: number;
  success: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** Webhook subscriptions of a project and the record of every delivery attempt. */
export class WebhooksRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(input: NewWebhookSubscription): Promise<WebhookSubscription> {
    return this.prisma.webhookSubscription.create({
      data: {
        projectId: input.projectId,
        url: input.url,
        kind: input.kind,
        secret: input.secret ?? null,
        events: input.events,
      },
    });
  }

  list(projectId: string): Promise<WebhookSubscription[]> {
    return this.prisma.webhookSubscription.findMany({ where: { projectId }, orderBy: { createdAt: 'asc' } });
  }

  /** Only within the project: another project's subscription does not exist for the caller. */
  find(projectId: string, id: string): Promise<WebhookSubscription | null> {
    return this.prisma.webhookSubscription.findFirst({ where: { id, projectId } });
  }

  findById(id: string): Promise<WebhookSubscription | null> {
    return this.prisma.webhookSubscription.findUnique({ where: { id } });
  }

  /** Active subscriptions of the project that want this event. */
  subscribers(projectId: string, event: string): Promise<WebhookSubscription[]> {
    return this.prisma.webhookSubscription.findMany({
      where: { projectId, active: true, events: { has: event } },
      orderBy: { createdAt: 'asc' },
    });
  }

  async update(
    projectId: string,
    id: string,
    update: WebhookSubscriptionUpdate,
  ): Promise<WebhookSubscription | null> {
    const { count } = await this.prisma.webhookSubscription.updateMany({
      where: { id, projectId },
      data: update,
    });
    return count === 1 ? this.findById(id) : null;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.webhookSubscription.deleteMany({ where: { id, projectId } });
    return count === 1;
  }

  recordAttempt(attempt: NewDeliveryAttempt): Promise<WebhookDelivery> {
    return this.prisma.webhookDelivery.create({ data: attempt });
  }

  /** Attempts of one subscription, newest first; optionally only those about one analysis. */
  deliveries(subscriptionId: string, options: { analysisId?: string; take?: number } = {}) {
    return this.prisma.webhookDelivery.findMany({
      where: { subscriptionId, ...(options.analysisId ? { analysisId: options.analysisId } : {}) },
      orderBy: [{ createdAt: 'desc' }, { attempt: 'desc' }],
      take: options.take ?? 100,
    });
  }

  /** What a completion notification summarises: flows by state, translations by kind, findings. */
  async digest(analysisId: string): Promise<AnalysisDigest> {
    const [states, kinds, findings] = await Promise.all([
      this.prisma.flow.groupBy({ by: ['state'], where: { analysisId }, _count: { _all: true } }),
      this.prisma.translation.groupBy({ by: ['kind'], where: { analysisId }, _count: { _all: true } }),
      this.prisma.finding.findMany({
        where: { analysisId },
        select: { code: true, severity: true, title: true },
        orderBy: { position: 'asc' },
      }),
    ]);
    const rank = (severity: string): number =>
      SEVERITY_ORDER.indexOf(severity) + 1 || SEVERITY_ORDER.length + 1;
    return {
      flowsByState: Object.fromEntries(states.map((r) => [r.state, r._count._all])),
      translations: Object.fromEntries(kinds.map((r) => [r.kind, r._count._all])),
      findings: [...findings].sort((a, b) => rank(a.severity) - rank(b.severity)),
    };
  }
}

const SEVERITY_ORDER = ['error', 'warning', 'info'];

export interface AnalysisDigest {
  flowsByState: Record<string, number>;
  translations: Record<string, number>;
  /** Most severe first, in the diagnoser's order within a severity. */
  findings: { code: string; severity: string; title: string }[];
}
