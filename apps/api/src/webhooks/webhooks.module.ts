import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksResolver } from './webhooks.resolver.js';
import { WebhooksService } from './webhooks.service.js';

/** Management of completion-notification subscriptions (REST and GraphQL); the worker delivers them. */
@Module({ controllers: [WebhooksController], providers: [WebhooksService, WebhooksResolver] })
export class WebhooksModule {}
