import type { ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ConfigModule, PersistenceModule, RedisModule } from '#platform';
import { MetricsController } from './metrics/metrics.controller.js';
import { AnalysesModule } from './analyses/analyses.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { CapturesModule } from './captures/captures.module.js';
import { SnapshotsModule } from './snapshots/snapshots.module.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { VersionResolver } from './graphql/version.resolver.js';
import { graphqlConfig } from './graphql/graphql.config.js';
import { GraphqlApiModule } from './graphql/graphql-api.module.js';
import { FlowsModule } from './flows/flows.module.js';
import { HealthModule } from './health/health.module.js';
import { ChatopsModule } from './chatops/chatops.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WebModule } from './web/web.module.js';

@Module({
  imports: [
    ConfigModule,
    PersistenceModule,
    RedisModule,
    GraphQLModule.forRoot<ApolloDriverConfig>(graphqlConfig),
    GraphqlApiModule,
    FlowsModule,
    HealthModule,
    AnalysesModule,
    CapturesModule,
    SnapshotsModule,
    ChatopsModule,
    WebhooksModule,
    WebModule,
  ],
  controllers: [MetricsController],
  providers: [
    VersionResolver,
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AppModule {}
