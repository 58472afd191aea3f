import { Module } from '@nestjs/common';
import { ConfigModule, PersistenceModule } from '#platform';
import { AnalysisProcessor } from './analysis.processor.js';
import { AnalysisWorker } from './analysis.worker.js';

@Module({ imports: [ConfigModule, PersistenceModule], providers: [AnalysisProcessor, AnalysisWorker] })
export class WorkerModule {}
