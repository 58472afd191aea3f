import { Module } from '@nestjs/common';
import { ConfigModule, PersistenceModule, RedisModule } from '#platform';
import { AnalysisProcessor } from './analysis.processor.js';
import { AnalysisWorker } from './analysis.worker.js';

@Module({
  imports: [ConfigModule, PersistenceModule, RedisModule],
  providers: [AnalysisProcessor, AnalysisWorker],
})
export class WorkerModule {}
