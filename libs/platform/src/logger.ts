import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { Config } from '#config';

const LEVELS: Record<Config['logLevel'], LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
  info: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
};

/** One JSON object per line (level, context, message, timestamp), for log shippers. */
export function jsonLogger(config: Config): ConsoleLogger {
  return new ConsoleLogger({ json: true, logLevels: LEVELS[config.logLevel] });
}
