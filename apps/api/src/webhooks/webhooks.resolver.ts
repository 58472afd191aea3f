import { HttpException } from '@nestjs/common';
import {
  Args,
  Field,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
} from '@nestjs/graphql';
import { GraphQLError } from 'graphql';
import type { WebhookDelivery as DeliveryRow, WebhookSubscription as SubscriptionRow } from '#persistence';
import { CurrentCaller, RequireRole, type Caller } from '../auth/auth.guard.js';
import { WebhooksService } from './webhooks.service.js';

export enum WebhookKindEnum {
  slack = 'slack',
  mattermost = 'mattermost',
  generic = 'generic',
}
registerEnumType(WebhookKindEnum, {
  name: 'WebhookKind',
  description:
    'How a completion notification is formatted: Slack Block Kit, Mattermost Markdown, or signed JSON',
});

@ObjectType({ description: 'A receiver told when an analysis finishes' })
export class WebhookSubscription {
  @Field(() => ID, { description: 'Subscription id' }) id!: string;
  @Field({ description: 'Where events are POSTed' }) url!: string;
  @Field(() => WebhookKindEnum, { description: 'Payload shape: slack, mattermost or generic JSON' })
  kind!: WebhookKindEnum;
  @Field(() => [String], { description: 'analysis.succeeded and/or analysis.failed' }) events!: string[];
  @Field({ description: 'false: paused, nothing is sent' }) active!: boolean;
  @Field({ description: 'Whether deliveries are signed (X-Natlens-Signature); the secret is never shown' })
  secretSet!: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'A secret natlens generated for a generic webhook: only in createWebhook’s answer',
  })
  secret!: string | null;
  @Field({ description: 'When the subscription was made' }) createdAt!: Date;
}

@ObjectType({ description: 'One attempt to deliver one event to one subscription' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Attempt id' }) id!: string;
  @Field({ description: 'Shared by all attempts of one event (X-Natlens-Delivery)' }) deliveryId!: string;
  @Field({ description: 'analysis.succeeded or analysis.failed' }) event!: string;
  @Field(() => ID, { nullable: true, description: 'The analysis the event is about' }) analysisId!:
    string | null;
  @Field(() => Int, { description: '1 for the first try, then one more per retry' }) attempt!: number;
  @Field({ description: 'The receiver answered 2xx' }) success!: boolean;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the answer; null when none came' })
  statusCode!: number | null;
  @Field(() => String, { nullable: true, description: 'Why the attempt failed' }) error!: string | null;
  @Field(() => Int, { description: 'How long the attempt took' }) durationMs!: number;
  @Field({ description: 'When the attempt was made' }) createdAt!: Date;
}

@InputType({ description: 'A new webhook subscription' })
export class CreateWebhookInput {
  @Field({ description: 'Where events are POSTed' }) url!: string;
  @Field(() => WebhookKindEnum, { nullable: true, description: 'generic when omitted' })
  kind?: WebhookKindEnum;
  @Field(() => String, {
    nullable: true,
    description: 'HMAC key (16-200 characters); generated when omitted',
  })
  secret?: string | null;
  @Field(() => [String], { nullable: true, description: 'both events when omitted' }) events?:
    string[] | null;
}

@InputType({ description: 'Changes to a webhook subscription; omitted fields are kept' })
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true, description: 'New receiver URL' }) url?: string | null;
  @Field(() => String, { nullable: true, description: 'New signing secret' }) secret?: string | null;
  @Field(() => [String], { nullable: true, description: 'New event list' }) events?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: 'false pauses deliveries' }) active?: boolean | null;
}

function subscriptionObject(row: SubscriptionRow, secret?: string): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    kind: row.kind as WebhookKindEnum,
    events: row.events,
    active: row.active,
    secretSet: row.secret !== null,
    secret: secret ?? null,
    createdAt: row.createdAt,
  };
}

function deliveryObject(row: DeliveryRow): WebhookDelivery {
  return { ...row };
}

/** The service's HTTP errors ({ code, message }) as GraphQL errors with the same code. */
async function graphql<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    const body = error.getResponse() as { code?: string; message?: string };
    throw new GraphQLError(body.message ?? error.message, {
      extensions: { code: body.code ?? 'BAD_REQUEST' },
    });
  }
}

/** Webhook subscriptions over GraphQL, with the same rules as /v1/webhooks. */
@Resolver(() => WebhookSubscription)
export class WebhooksResolver {
  constructor(private readonly service: WebhooksService) {}

  @Query(() => [WebhookSubscription], { description: 'The project’s webhook subscriptions' })
  async webhooks(@CurrentCaller() caller: Caller): Promise<WebhookSubscription[]> {
    return (await this.service.list(caller)).map((s) => subscriptionObject(s));
  }

  @Query(() => [WebhookDelivery], { description: 'Delivery attempts of one subscription, newest first' })
  async webhookDeliveries(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The subscription' }) id: string,
    @Args('analysis', { type: () => ID, nullable: true, description: 'Only attempts about this analysis' })
    analysis?: string | null,
    @Args('first', { type: () => Int, nullable: true, description: 'At most this many (newest first)' })
    first?: number | null,
  ): Promise<WebhookDelivery[]> {
    const rows = await graphql(() =>
      this.service.deliveries(caller, id, { analysisId: analysis ?? undefined, take: first ?? 100 }),
    );
    return rows.map(deliveryObject);
  }

  @Mutation(() => WebhookSubscription, { description: 'Subscribe a receiver (needs a write key)' })
  @RequireRole('write')
  async createWebhook(
    @CurrentCaller() caller: Caller,
    @Args('input', { type: () => CreateWebhookInput, description: 'The receiver and its events' })
    input: CreateWebhookInput,
  ): Promise<WebhookSubscription> {
    const { subscription, generatedSecret } = await graphql(() => this.service.create(caller, input));
    return subscriptionObject(subscription, generatedSecret);
  }

  @Mutation(() => WebhookSubscription, { description: 'Change or pause a subscription (needs a write key)' })
  @RequireRole('write')
  async updateWebhook(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID, description: 'The subscription' }) id: string,
    @Args('input', { type: () => UpdateWebhookInput, description: 'What to change' })
    input: UpdateWebhookInput,
  ): Promise<WebhookSubscription> {
    return subscriptionObject(await graphql(() => this.service.update(caller, id, input)));
  }

  @Mutation(() => Boolean, { description: 'Remove a subscription (needs a write key)' })
  @RequireRole('write')
  async deleteWebhook(
    @CurrentCaller() caller: Caller,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<boolean> {
    await graphql(() => this.service.delete(caller, id));
    return true;
  }
}
