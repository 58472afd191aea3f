import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ConfigModule } from '#platform';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { VersionResolver } from './graphql/version.resolver.js';
import { HealthModule } from './health/health.module.js';

@Module({
  imports: [
    ConfigModule,
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      path: '/graphql',
      autoSchemaFile: true,
      sortSchema: true,
      introspection: true,
    }),
    HealthModule,
  ],
  providers: [VersionResolver, { provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
export class AppModule {}
