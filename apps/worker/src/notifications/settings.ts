import { NOTIFICATION_BACKOFF_MS } from '#jobs';

/**
 * Notification settings read from the environment (optional, with defaults):
 * - PUBLIC_URL: how receivers reach the api, for report links (default http://127.0.0.1:$PORT).
 * - NOTIFICATION_BACKOFF_MS: first retry delay, doubled on each retry (default 5000).
 * - NOTIFICATION_TIMEOUT_MS: how long one attempt waits for the receiver (default 10000).
 */
export interface NotificationSettings {
  publicUrl: string;
  backoffMs: number;
  timeoutMs: number;
}

export function notificationSettings(
  env: Record<string, string | undefined> = process.env,
): NotificationSettings {
  const int = (raw: string | undefined, fallback: number, min: number): number => {
    const n = Number(raw);
    return raw && /^\d+$/.test(raw.trim()) && n >= min ? n : fallback;
  };
  const publicUrl = (env.PUBLIC_URL?.trim() || `http://127.0.0.1:${env.PORT?.trim() || '3000'}`).replace(
    /\/+$/,
    '',
  );
  return {
    publicUrl,
    backoffMs: int(env.NOTIFICATION_BACKOFF_MS, NOTIFICATION_BACKOFF_MS, 10),
    timeoutMs: int(env.NOTIFICATION_TIMEOUT_MS, 10_000, 100),
  };
}
