import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller.js';

/** REST management of completion-notification subscriptions; the worker delivers them. */
@Module({ controllers: [WebhooksController] })
export class WebhooksModule {}
