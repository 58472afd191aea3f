import { Module } from '@nestjs/common';
import { NotificationsWorker } from './delivery.worker.js';
import { AnalysisNotifier } from './notifier.js';

/** Completion notifications: the notifier enqueues, the worker delivers (queue `notifications`). */
@Module({
  providers: [AnalysisNotifier, NotificationsWorker],
  exports: [AnalysisNotifier],
})
export class NotificationsModule {}
