// Configuration from the environment, validated once at start. Every bad value is
// reported together, each with what was expected, so a person fixes them in one go.

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  storageDir: string;
  port: number;
  workerConcurrency: number;
  maxUploadBytes: number;
  /** BullMQ key prefix: lets several deployments (or test runs) share one Redis. */
  queuePrefix: string;
  /** Apply pending migrations when the api starts (one replica is enough; they take a lock). */
  migrateOnStart: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Per API key and minute: uploads (captures and snapshots) and analyses started. */
  rateLimitUploadsPerMinute: number;
  rateLimitAnalysesPerMinute: number;
  /** How long a worker's job lock lives without renewal: a killed worker's job is retried after it. */
  workerLockMs: number;
  /** How chat servers and webhook receivers reach the api (report links); null: derived per request. */
  publicUrl: string | null;
  /** Completion notifications: first retry delay (doubled per retry) and per-attempt timeout. */
  notificationBackoffMs: number;
  notificationTimeoutMs: number;
  /**
   * Key of the HMAC that signs share links (read-only links to one analysis). null: a secret the
   * server generated once and keeps in the database (table server_secrets), shared by every api
   * and worker on that database. Changing it invalidates every link handed out.
   */
  shareSecret: string | null;
}

export const DEFAULTS = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/natlens',
  REDIS_URL: 'redis://127.0.0.1:6379',
  STORAGE_DIR: './data/uploads',
  PORT: '3000',
  WORKER_CONCURRENCY: '2',
  MAX_UPLOAD_BYTES: String(2 * 1024 ** 3),
  QUEUE_PREFIX: 'natlens',
  MIGRATE_ON_START: 'true',
  LOG_LEVEL: 'info',
  RATE_LIMIT_UPLOADS_PER_MINUTE: '120',
  RATE_LIMIT_ANALYSES_PER_MINUTE: '30',
  WORKER_LOCK_MS: '30000',
  PUBLIC_URL: '',
  NOTIFICATION_BACKOFF_MS: '5000',
  NOTIFICATION_TIMEOUT_MS: '10000',
  SHARE_SECRET: '',
} as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const get = (key: keyof typeof DEFAULTS): string => {
    const value = env[key];
    return value === undefined || value.trim() === '' ? DEFAULTS[key] : value.trim();
  };

  const url = (key: 'DATABASE_URL' | 'REDIS_URL', protocols: string[]): string => {
    const raw = get(key);
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol))
        problems.push(`${key}=${redactUrl(raw)}: expected a ${protocols.join(' or ')}// URL`);
    } catch {
      problems.push(`${key}=${raw}: not a URL (expected e.g. ${DEFAULTS[key]})`);
    }
    return raw;
  };

  const integer = (key: keyof typeof DEFAULTS, min: number, max: number): number => {
    const raw = get(key);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${key}=${raw}: expected a whole number from ${min} to ${max}`);
      return Number(DEFAULTS[key]);
    }
    return value;
  };

  const boolean = (key: keyof typeof DEFAULTS): boolean => {
    const raw = get(key).toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${key}=${raw}: expected true or false`);
    return DEFAULTS[key] === 'true';
  };

  const optionalUrl = (key: 'PUBLIC_URL'): string | null => {
    const raw = get(key);
    if (!raw) return null;
    if (!/^https?:\/\/[^/\s]+/.test(raw)) problems.push(`${key}=${raw}: expected an http(s):// URL`);
    return raw.replace(/\/+$/, '');
  };

  const secret = (key: 'SHARE_SECRET', minLength: number): string | null => {
    const raw = get(key);
    if (!raw) return null;
    if (raw.length < minLength)
      problems.push(
        `${key}: ${raw.length} characters; expected at least ${minLength} (e.g. the output of openssl rand -hex 32)`,
      );
    return raw;
  };

  const logLevel = get('LOG_LEVEL');
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel))
    problems.push(`LOG_LEVEL=${logLevel}: expected debug, info, warn or error`);
  const queuePrefix = get('QUEUE_PREFIX');
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(queuePrefix))
    problems.push(`QUEUE_PREFIX=${queuePrefix}: expected 1-64 letters, digits, '_', '.', ':' or '-'`);

  const config: Config = {
    databaseUrl: url('DATABASE_URL', ['postgresql:', 'postgres:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    storageDir: get('STORAGE_DIR'),
    port: integer('PORT', 0, 65535),
    workerConcurrency: integer('WORKER_CONCURRENCY', 1, 256),
    maxUploadBytes: integer('MAX_UPLOAD_BYTES', 1024, Number.MAX_SAFE_INTEGER),
    queuePrefix,
    migrateOnStart: boolean('MIGRATE_ON_START'),
    logLevel: logLevel as Config['logLevel'],
    rateLimitUploadsPerMinute: integer('RATE_LIMIT_UPLOADS_PER_MINUTE', 1, 1_000_000),
    rateLimitAnalysesPerMinute: integer('RATE_LIMIT_ANALYSES_PER_MINUTE', 1, 1_000_000),
    workerLockMs: integer('WORKER_LOCK_MS', 1000, 3_600_000),
    publicUrl: optionalUrl('PUBLIC_URL'),
    notificationBackoffMs: integer('NOTIFICATION_BACKOFF_MS', 10, 3_600_000),
    notificationTimeoutMs: integer('NOTIFICATION_TIMEOUT_MS', 100, 600_000),
    shareSecret: secret('SHARE_SECRET', 32),
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** A URL safe to print: the password replaced by `***`. */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return raw;
  }
}
