import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Config } from '#config';
import {
  AnalysesRepository,
  CapturesRepository,
  ChatSettingsRepository,
  createPrismaClient,
  ProjectsRepository,
  ResultsRepository,
  FlowsQueryRepository,
  ServerSecretsRepository,
  SnapshotsRepository,
  WebhooksRepository,
  type PrismaClient,
} from '#persistence';
import { CONFIG } from './config.module.js';
import { ShareLinks } from './share-links.js';
import { UploadStorage } from './storage.js';

export const PRISMA = Symbol('PRISMA');

const REPOSITORIES = [
  ProjectsRepository,
  AnalysesRepository,
  CapturesRepository,
  SnapshotsRepository,
  ResultsRepository,
  FlowsQueryRepository,
  ChatSettingsRepository,
  WebhooksRepository,
  ServerSecretsRepository,
];

/** One Prisma client per process, the repositories built on it, the upload store and share links. */
@Global()
@Module({
  providers: [
    {
      provide: PRISMA,
      inject: [CONFIG],
      useFactory: (config: Config): PrismaClient => createPrismaClient(config.databaseUrl),
    },
    ...REPOSITORIES.map((Repository) => ({
      provide: Repository,
      inject: [PRISMA],
      useFactory: (prisma: PrismaClient) => new Repository(prisma),
    })),
    {
      provide: UploadStorage,
      inject: [CONFIG],
      useFactory: (config: Config) => new UploadStorage(config.storageDir),
    },
    ShareLinks,
  ],
  exports: [PRISMA, ...REPOSITORIES, UploadStorage, ShareLinks],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
