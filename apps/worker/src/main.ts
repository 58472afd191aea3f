import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, preflight } from '#platform';
import { WorkerModule } from './worker.module.js';

async function bootstrap(): Promise<void> {
  const config = await preflight('worker', { postgres: 'ping', redis: true });
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: config.logLevel === 'debug' ? undefined : ['log', 'warn', 'error'],
  });
  closeOnSignals(app, 'worker');
  process.stdout.write(`natlens worker: ready (concurrency ${config.workerConcurrency})\n`);
}

void bootstrap();
