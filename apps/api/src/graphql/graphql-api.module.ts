import { Module } from '@nestjs/common';
import { AnalysesModule } from '../analyses/analyses.module.js';
import { AnalysesResolver } from './analyses.resolver.js';
import {
  FindingResolver,
  FlowConnectionResolver,
  FlowsResolver,
  PerspectiveResolver,
  TranslationResolver,
} from './flows.resolver.js';
import { GraphiqlController } from '../graphiql/graphiql.controller.js';
import { GraphqlScope } from './scope.js';
import { ShareResolver } from './share.resolver.js';

/**
 * The GraphQL query API: analyses, flows, services, findings, mutations, share links and the progress
 * subscription; and GraphiQL for browsers at the same URL.
 */
@Module({
  imports: [AnalysesModule],
  controllers: [GraphiqlController],
  providers: [
    GraphqlScope,
    AnalysesResolver,
    FlowsResolver,
    FlowConnectionResolver,
    PerspectiveResolver,
    TranslationResolver,
    FindingResolver,
    ShareResolver,
  ],
})
export class GraphqlApiModule {}
