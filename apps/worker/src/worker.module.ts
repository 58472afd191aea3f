import { Module } from '@nestjs/common';
import { ConfigModule, PersistenceModule, RedisModule } from '#platform';
import { AnalysisProcessor } from './analysis.processor.js';
import { AnalysisWorker } from './analysis.worker.js';
import { NotificationsModule } from './notifications/notifications.module.js';

@Module({
  imports: [ConfigModule, PersistenceModule, RedisModule, NotificationsModule],
  providers: [AnalysisProcessor, AnalysisWorker],
})
export class WorkerModule {}
