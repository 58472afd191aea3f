import type { Request } from 'express';

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How people reach this api, for links we hand out (chat answers, share links): PUBLIC_URL when set,
 * else the scheme and host the request came to (X-Forwarded-* first, as a proxy sets them).
 */
export function publicUrl(req: Request, configured: string | null): string {
  if (configured) return configured;
  const proto = header(req, 'x-forwarded-proto')?.split(',')[0]?.trim() || req.protocol;
  const host = header(req, 'x-forwarded-host')?.split(',')[0]?.trim() || header(req, 'host') || '127.0.0.1';
  return `${proto}://${host}`;
}
