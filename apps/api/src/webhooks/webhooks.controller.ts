import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { WEBHOOK_EVENTS, WEBHOOK_KINDS, type WebhookDelivery, type WebhookSubscription } from '#persistence';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { boundedInt } from '../common/validate.js';
import { WebhooksService, type WebhookInput } from './webhooks.service.js';

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
  constructor(private readonly webhooks: WebhooksService) {}

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
  async create(@CurrentCaller() caller: Caller, @Body() body: WebhookInput | undefined) {
    const { subscription, generatedSecret } = await this.webhooks.create(caller, body ?? {});
    return webhookView(subscription, generatedSecret);
  }

  @Get()
  @ApiOperation({ summary: 'The project’s webhook subscriptions' })
  async list(@CurrentCaller() caller: Caller) {
    return { webhooks: (await this.webhooks.list(caller)).map((s) => webhookView(s)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook subscription' })
  async get(@CurrentCaller() caller: Caller, @Param('id') id: string) {
    return webhookView(await this.webhooks.get(caller, id));
  }

  @Patch(':id')
  @RequireRole('write')
  @ApiOperation({ summary: 'Change url, secret, events, or pause it (active: false)' })
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() body: WebhookInput | undefined,
  ) {
    return webhookView(await this.webhooks.update(caller, id, body ?? {}));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('write')
  @ApiOperation({ summary: 'Remove a subscription and its delivery record' })
  async delete(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<void> {
    await this.webhooks.delete(caller, id);
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
    const rows = await this.webhooks.deliveries(caller, id, {
      analysisId: analysis || undefined,
      take: boundedInt(limit, 'limit', 1, 500) ?? 100,
    });
    return { deliveries: rows.map(deliveryView) };
  }
}
