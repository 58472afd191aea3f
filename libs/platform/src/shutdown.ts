import type { INestApplicationContext } from '@nestjs/common';

/**
 * On SIGTERM/SIGINT: close the Nest context (which runs every onApplicationShutdown hook,
 * e.g. the worker waiting for its running jobs) and exit 0. A second signal exits at once.
 */
export function closeOnSignals(app: INestApplicationContext, name: string): void {
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) process.exit(130);
      closing = true;
      process.stdout.write(`natlens ${name}: ${signal}: finishing running work, then exiting\n`);
      app.close().then(
        () => process.exit(0),
        (error: Error) => {
          process.stderr.write(`natlens ${name}: shutdown failed: ${error.message}\n`);
          process.exit(1);
        },
      );
    });
  }
}
