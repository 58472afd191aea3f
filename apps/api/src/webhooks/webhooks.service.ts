import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  WEBHOOK_EVENTS,
  WEBHOOK_KINDS,
  WebhooksRepository,
  type WebhookDelivery,
  type WebhookSubscription,
} from '#persistence';
import type { Caller } from '../auth/auth.guard.js';

type Kind = (typeof WEBHOOK_KINDS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(message: string): never {
  throw new BadRequestException({ code: 'BAD_REQUEST', message });
}

function notFound(id: string): NotFoundException {
  return new NotFoundException({ code: 'NOT_FOUND', message: `no webhook ${id} in this project` });
}

function url(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) invalid('url must be an http(s) URL');
  let parsed: URL;
  try {
    parsed = new URL(value as string);
  } catch {
    invalid(`url ${JSON.stringify(value)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    invalid(`url must be http or https, not ${parsed.protocol}`);
  return parsed.toString();
}

function events(value: unknown): string[] {
  if (!Array.isArray(value) || !value.length)
    invalid(`events must be a non-empty list of ${WEBHOOK_EVENTS.join(', ')}`);
  for (const e of value as unknown[])
    if (!WEBHOOK_EVENTS.includes(e as (typeof WEBHOOK_EVENTS)[number]))
      invalid(`events holds ${JSON.stringify(e)}: expected ${WEBHOOK_EVENTS.join(', ')}`);
  return [...new Set(value as string[])];
}

function secret(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || value.length < 16 || value.length > 200)
    invalid('secret must be a string of 16 to 200 characters');
  return value as string;
}

export interface WebhookInput {
  url?: unknown;
  kind?: unknown;
  secret?: unknown;
  events?: unknown;
  active?: unknown;
}

/** Webhook subscriptions of the caller's project, validated the same way for REST and GraphQL. */
@Injectable()
export class WebhooksService {
  constructor(private readonly webhooks: WebhooksRepository) {}

  /** A generic webhook without a secret gets a generated one, returned here once and never again. */
  async create(
    caller: Caller,
    input: WebhookInput,
  ): Promise<{ subscription: WebhookSubscription; generatedSecret?: string }> {
    const kind = (input.kind ?? 'generic') as Kind;
    if (!WEBHOOK_KINDS.includes(kind)) invalid(`kind must be one of ${WEBHOOK_KINDS.join(', ')}`);
    const given = input.secret === undefined || input.secret === null ? null : secret(input.secret);
    const generatedSecret =
      kind === 'generic' && !given ? `whsec_${randomBytes(24).toString('base64url')}` : undefined;
    const subscription = await this.webhooks.create({
      projectId: caller.projectId,
      url: url(input.url),
      kind,
      secret: given ?? generatedSecret ?? null,
      events:
        input.events === undefined || input.events === null ? [...WEBHOOK_EVENTS] : events(input.events),
    });
    return { subscription, generatedSecret };
  }

  list(caller: Caller): Promise<WebhookSubscription[]> {
    return this.webhooks.list(caller.projectId);
  }

  async get(caller: Caller, id: string): Promise<WebhookSubscription> {
    const subscription = UUID.test(id) ? await this.webhooks.find(caller.projectId, id) : null;
    if (!subscription) throw notFound(id);
    return subscription;
  }

  async update(caller: Caller, id: string, input: WebhookInput): Promise<WebhookSubscription> {
    const update: { url?: string; secret?: string | null; events?: string[]; active?: boolean } = {};
    if (input.url !== undefined && input.url !== null) update.url = url(input.url);
    if (input.secret !== undefined) update.secret = secret(input.secret);
    if (input.events !== undefined && input.events !== null) update.events = events(input.events);
    if (input.active !== undefined && input.active !== null) {
      if (typeof input.active !== 'boolean') invalid('active must be true or false');
      update.active = input.active as boolean;
    }
    const updated = UUID.test(id) ? await this.webhooks.update(caller.projectId, id, update) : null;
    if (!updated) throw notFound(id);
    return updated;
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!UUID.test(id) || !(await this.webhooks.delete(caller.projectId, id))) throw notFound(id);
  }

  async deliveries(
    caller: Caller,
    id: string,
    options: { analysisId?: string; take?: number },
  ): Promise<WebhookDelivery[]> {
    const subscription = await this.get(caller, id);
    if (options.analysisId && !UUID.test(options.analysisId))
      invalid(`analysis id ${options.analysisId} is not an id`);
    if (
      options.take !== undefined &&
      (!Number.isInteger(options.take) || options.take < 1 || options.take > 500)
    )
      invalid('limit must be a whole number from 1 to 500');
    return this.webhooks.deliveries(subscription.id, options);
  }
}
