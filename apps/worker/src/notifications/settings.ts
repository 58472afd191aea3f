import { loadConfig, type Config } from '#config';

/**
 * Notification settings from the validated configuration (libs/config):
 * PUBLIC_URL (report links; default http://127.0.0.1:$PORT), NOTIFICATION_BACKOFF_MS (first retry
 * delay, doubled on each retry) and NOTIFICATION_TIMEOUT_MS (one attempt's wait for the receiver).
 */
export interface NotificationSettings {
  publicUrl: string;
  backoffMs: number;
  timeoutMs: number;
}

export function notificationSettings(config: Config = loadConfig()): NotificationSettings {
  return {
    publicUrl: config.publicUrl ?? `http://127.0.0.1:${config.port}`,
    backoffMs: config.notificationBackoffMs,
    timeoutMs: config.notificationTimeoutMs,
  };
}
