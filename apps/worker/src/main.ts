import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, jsonLogger, preflight } from '#platform';
import { WorkerModule } from './worker.module.js';

async function bootstrap(): Promise<void> {
  const config = await preflight('worker', { postgres: 'ping', redis: true });
  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: jsonLogger(config),
  });
  closeOnSignals(app, 'worker');
  process.stdout.write(`natlens worker: ready (concurrency ${config.workerConcurrency})\n`);
}

void bootstrap();
