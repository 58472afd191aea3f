import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import {
  WEBHOOK_EVENTS,
  WEBHOOK_KINDS,
  WebhooksRepository,
  type WebhookDelivery,
  type WebhookSubscription,
} from '#persistence';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { boundedInt, uuidParam } from '../common/validate.js';

type Kind = (typeof WEBHOOK_KINDS)[number];

function invalid(message: string): never {
  throw new BadRequestException({ code: 'BAD_REQUEST', message });
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

/** The REST shape of a subscription; the secret itself is shown only when natlens generated it. */
export function webhookView(s: WebhookSubscription, shownSecret?: string) {
  return {
    id: s.id,
    url: s.url,
    kind: s.kind,
    events: s.events,
    active: s.active,
    secretSet: s.secret !== null,
    ...(shownSecret ? { secret: shownSecret } : {}),
    createdAt: s.createdAt.toISOString(),
    links: { deliveries: `/v1/webhooks/${s.id}/deliveries` },
  };
}

export function deliveryView(d: WebhookDelivery) {
  return {
    id: d.id,
    deliveryId: d.deliveryId,
    event: d.event,
    analysisId: d.analysisId,
    attempt: d.attempt,
    success: d.success,
    statusCode: d.statusCode,
    error: d.error,
    durationMs: d.durationMs,
    createdAt: d.createdAt.toISOString(),
  };
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksRepository) {}

  @Post()
  @HttpCode(201)
  @RequireRole('write')
  @ApiOperation({
    summary:
      'Subscribe a receiver to analysis completions (kind slack | mattermost | generic). A generic ' +
      'webhook without a secret gets a generated one, shown once in this answer.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['url'],
      properties: {
        url: { type: 'string' },
        kind: { type: 'string', enum: [...WEBHOOK_KINDS] },
        secret: { type: 'string', description: 'HMAC key of X-Natlens-Signature' },
        events: { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
      },
    },
  })
  async create(@CurrentCaller() caller: Caller, @Body() body: Record<string, unknown> | undefined) {
    const kind = (body?.kind ?? 'generic') as Kind;
    if (!WEBHOOK_KINDS.includes(kind)) invalid(`kind must be one of ${WEBHOOK_KINDS.join(', ')}`);
    let given = body?.secret === undefined ? null : secret(body.secret);
    const generated =
      kind === 'generic' && !given ? `whsec_${randomBytes(24).toString('base64url')}` : undefined;
    given ??= generated ?? null;
    const subscription = await this.webhooks.create({
      projectId: caller.projectId,
      url: url(body?.url),
      kind,
      secret: given,
      events: body?.events === undefined ? [...WEBHOOK_EVENTS] : events(body.events),
    });
    return webhookView(subscription, generated);
  }

  @Get()
  @ApiOperation({ summary: 'The project’s webhook subscriptions' })
  async list(@CurrentCaller() caller: Caller) {
    return { webhooks: (await this.webhooks.list(caller.projectId)).map((s) => webhookView(s)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook subscription' })
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return webhookView(await this.find(caller, id));
  }

  @Patch(':id')
  @RequireRole('write')
  @ApiOperation({ summary: 'Change url, secret, events, or pause it (active: false)' })
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
  ) {
    const update: { url?: string; secret?: string | null; events?: string[]; active?: boolean } = {};
    if (body?.url !== undefined) update.url = url(body.url);
    if (body?.secret !== undefined) update.secret = secret(body.secret);
    if (body?.events !== undefined) update.events = events(body.events);
    if (body?.active !== undefined) {
      if (typeof body.active !== 'boolean') invalid('active must be true or false');
      update.active = body.active as boolean;
    }
    const updated = await this.webhooks.update(caller.projectId, uuidParam(id, 'webhook'), update);
    if (!updated) throw notFound(id);
    return webhookView(updated);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('write')
  @ApiOperation({ summary: 'Remove a subscription and its delivery record' })
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<void> {
    if (!(await this.webhooks.delete(caller.projectId, uuidParam(id, 'webhook')))) throw notFound(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Delivery attempts (status code, error, duration), newest first' })
  @ApiQuery({ name: 'analysis', required: false, description: 'only attempts about this analysis' })
  @ApiQuery({ name: 'limit', required: false, description: 'at most this many (1..500, default 100)' })
  async deliveries(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Query('analysis') analysis?: string,
    @Query('limit') limit?: string,
  ) {
    const subscription = await this.find(caller, id);
    const rows = await this.webhooks.deliveries(subscription.id, {
      analysisId: analysis ? uuidParam(analysis, 'analysis') : undefined,
      take: boundedInt(limit, 'limit', 1, 500) ?? 100,
    });
    return { deliveries: rows.map(deliveryView) };
  }

  private async find(caller: Caller, id: string): Promise<WebhookSubscription> {
    const subscription = await this.webhooks.find(caller.projectId, uuidParam(id, 'webhook'));
    if (!subscription) throw notFound(id);
    return subscription;
  }
}

function notFound(id: string): NotFoundException {
  return new NotFoundException({ code: 'NOT_FOUND', message: `no webhook ${id} in this project` });
}
