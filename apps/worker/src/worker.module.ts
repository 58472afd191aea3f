import { Module } from '@nestjs/common';
import { ConfigModule } from '#platform';
import { AnalysisProcessor } from './analysis.processor.js';
import { AnalysisWorker } from './analysis.worker.js';

@Module({ imports: [ConfigModule], providers: [AnalysisProcessor, AnalysisWorker] })
export class WorkerModule {}
