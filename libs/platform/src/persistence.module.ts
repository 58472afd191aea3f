import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Config } from '#config';
import { AnalysesRepository, createPrismaClient, ProjectsRepository, type PrismaClient } from '#persistence';
import { CONFIG } from './config.module.js';

export const PRISMA = Symbol('PRISMA');

/** One Prisma client per process, and the repositories built on it. */
@Global()
@Module({
  providers: [
    {
      provide: PRISMA,
      inject: [CONFIG],
      useFactory: (config: Config): PrismaClient => createPrismaClient(config.databaseUrl),
    },
    {
      provide: ProjectsRepository,
      inject: [PRISMA],
      useFactory: (p: PrismaClient) => new ProjectsRepository(p),
    },
    {
      provide: AnalysesRepository,
      inject: [PRISMA],
      useFactory: (p: PrismaClient) => new AnalysesRepository(p),
    },
  ],
  exports: [PRISMA, ProjectsRepository, AnalysesRepository],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
