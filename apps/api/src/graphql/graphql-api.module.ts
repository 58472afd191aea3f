import { Module } from '@nestjs/common';
import { AnalysesService } from '../analyses/analyses.service.js';
import { AnalysisQueue } from '../analyses/analysis-queue.js';
import { AnalysesResolver } from './analyses.resolver.js';
import {
  FindingResolver,
  FlowConnectionResolver,
  FlowsResolver,
  PerspectiveResolver,
  TranslationResolver,
} from './flows.resolver.js';
import { GraphqlScope } from './scope.js';

/** The GraphQL query API: analyses, flows, services, findings, mutations and the progress subscription. */
@Module({
  providers: [
    GraphqlScope,
    AnalysesService,
    AnalysisQueue,
    AnalysesResolver,
    FlowsResolver,
    FlowConnectionResolver,
    PerspectiveResolver,
    TranslationResolver,
    FindingResolver,
  ],
})
export class GraphqlApiModule {}
