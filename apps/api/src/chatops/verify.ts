import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects replays older than this; so do we (either direction, for clock skew). */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

export type Verdict = { ok: true } | { ok: false; reason: string };

function equalConstantTime(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the
 * app's signing secret, compared in constant time; timestamps more than 5 minutes off are refused.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowSeconds?: number;
}): Verdict {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'no X-Slack-Request-Timestamp' };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS)
    return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes off' };
  if (!signature || !/^v0=[0-9a-f]{64}$/i.test(signature))
    return { ok: false, reason: 'no v0 X-Slack-Signature' };
  const expected = createHmac('sha256', input.signingSecret)
    .update(`v0:${timestamp}:`)
    .update(input.rawBody)
    .digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return equalConstantTime(expected, given) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/** Mattermost's slash command token against the stored sha256 of the configured one. */
export function verifyMattermostToken(token: string | undefined, storedHash: string | null): Verdict {
  if (!token) return { ok: false, reason: 'no token' };
  if (!storedHash) return { ok: false, reason: 'no Mattermost token configured for this team' };
  const given = createHash('sha256').update(token).digest();
  return equalConstantTime(given, Buffer.from(storedHash, 'hex'))
    ? { ok: true }
    : { ok: false, reason: 'token mismatch' };
}
