import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { applyMigrations } from '#persistence';
import { closeOnSignals, jsonLogger, preflight } from '#platform';
import { AppModule } from './app.module.js';
import { useBodyParsers } from './common/body-parsers.js';
import { NATLENS_VERSION } from './version.js';
import { webRoot } from './web/web-root.js';

async function bootstrap(): Promise<void> {
  const config = await preflight('api', { postgres: 'create', redis: true });
  if (config.migrateOnStart) {
    try {
      const { applied } = await applyMigrations(config.databaseUrl);
      if (applied.length) process.stdout.write(`natlens api: applied migrations ${applied.join(', ')}\n`);
    } catch (error) {
      process.stderr.write(`natlens api: migrations failed: ${(error as Error).message}\n`);
      process.exit(1);
    }
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    logger: jsonLogger(config),
  });
  closeOnSignals(app, 'api');
  useBodyParsers(app);
  // The web UI's scripts, stylesheet and icon (its pages are WebController's). Revalidated on each
  // load, so an upgraded api never runs with an old script.
  app.useStaticAssets(webRoot(), {
    prefix: '/ui/',
    index: false,
    setHeaders: (res) => {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
    },
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('natlens')
      .setDescription('Pair packets across capture points, infer kube-proxy NAT, diagnose Services')
      .setVersion(NATLENS_VERSION)
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  await app.listen(config.port, '0.0.0.0');
  process.stdout.write(
    `natlens api: listening on http://127.0.0.1:${config.port} (web UI /, GraphQL /graphql, OpenAPI /docs)\n`,
  );
}

void bootstrap();
