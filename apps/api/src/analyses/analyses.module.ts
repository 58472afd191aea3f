import { Module } from '@nestjs/common';
import { AnalysesController } from './analyses.controller.js';
import { AnalysesService } from './analyses.service.js';
import { AnalysisQueue } from './analysis-queue.js';
import { ReportService } from './report.service.js';

@Module({
  controllers: [AnalysesController],
  providers: [AnalysesService, AnalysisQueue, ReportService],
  // One queue producer per process: chat and GraphQL use these rather than their own copies.
  exports: [AnalysesService, ReportService],
})
export class AnalysesModule {}
