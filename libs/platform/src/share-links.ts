// Share links: a signed, expiring, read-only grant to one analysis, carried in a URL
// (`/analyses/:id?share=<token>`) and sent back as `Authorization: Share <token>`.
//
// token = "nls1." base64url(payload) "." base64url(HMAC-SHA256(secret, message))
//   payload = analysis id (16 bytes) | project id (16 bytes) | expiry (uint64 BE, seconds since the epoch)
//   message = "natlens-share-v1\n" analysisId "\n" projectId "\n" expiry   (ids lower-case, with dashes)
// Nothing is stored per link: a link is valid until its expiry, and all links die together when the
// secret changes (SHARE_SECRET, or the generated one in table server_secrets when it is unset).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Config } from '#config';
import { ServerSecretsRepository } from '#persistence';
import { CONFIG } from './config.module.js';

export const SHARE_TOKEN_VERSION = 'nls1';
/** A link's life when none is asked for: 7 days. */
export const SHARE_TTL_DEFAULT_SECONDS = 7 * 24 * 3600;
/** The longest a link may live: 30 days. */
export const SHARE_TTL_MAX_SECONDS = 30 * 24 * 3600;

/** What a share token grants: read access to one analysis of one project until `expiresAt`. */
export interface ShareGrant {
  analysisId: string;
  projectId: string;
  expiresAt: Date;
}

export type ShareCheck =
  | { ok: true; grant: ShareGrant }
  /** malformed: not a share token; forged: the signature does not match; expired: authentic but too old. */
  | { ok: false; reason: 'malformed' | 'forged' }
  | { ok: false; reason: 'expired'; grant: ShareGrant };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PAYLOAD_BYTES = 40;
const MAC_BYTES = 32;

function uuidBytes(id: string): Buffer {
  const lower = id.toLowerCase();
  if (!UUID.test(lower)) throw new Error(`not a uuid: ${id}`);
  return Buffer.from(lower.replace(/-/g, ''), 'hex');
}

function uuidString(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function mac(secret: string, analysisId: string, projectId: string, expiry: number): Buffer {
  return createHmac('sha256', secret)
    .update(`natlens-share-v1\n${analysisId}\n${projectId}\n${expiry}`)
    .digest();
}

/** A token for `grant`, signed with `secret` (the expiry is kept to the second, rounded up). */
export function signShareToken(secret: string, grant: ShareGrant): string {
  const analysisId = grant.analysisId.toLowerCase();
  const projectId = grant.projectId.toLowerCase();
  const expiry = Math.ceil(grant.expiresAt.getTime() / 1000);
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  uuidBytes(analysisId).copy(payload, 0);
  uuidBytes(projectId).copy(payload, 16);
  payload.writeBigUInt64BE(BigInt(expiry), 32);
  const signature = mac(secret, analysisId, projectId, expiry);
  return `${SHARE_TOKEN_VERSION}.${payload.toString('base64url')}.${signature.toString('base64url')}`;
}

/** Checks a token's signature (in constant time), then its expiry against `now` (ms since the epoch). */
export function verifyShareToken(secret: string, token: string, now = Date.now()): ShareCheck {
  const parts = token.split('.');
  if (
    parts.length !== 3 ||
    parts[0] !== SHARE_TOKEN_VERSION ||
    !parts.slice(1).every((p) => BASE64URL.test(p))
  )
    return { ok: false, reason: 'malformed' };
  const payload = Buffer.from(parts[1], 'base64url');
  const given = Buffer.from(parts[2], 'base64url');
  if (payload.length !== PAYLOAD_BYTES || given.length !== MAC_BYTES)
    return { ok: false, reason: 'malformed' };
  // Canonical encodings only: the unused low bits of a last character would give one token several spellings.
  if (payload.toString('base64url') !== parts[1] || given.toString('base64url') !== parts[2])
    return { ok: false, reason: 'malformed' };
  const analysisId = uuidString(payload.subarray(0, 16));
  const projectId = uuidString(payload.subarray(16, 32));
  const expiry = payload.readBigUInt64BE(32);
  if (expiry > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'malformed' };
  if (!timingSafeEqual(given, mac(secret, analysisId, projectId, Number(expiry))))
    return { ok: false, reason: 'forged' };
  const grant = { analysisId, projectId, expiresAt: new Date(Number(expiry) * 1000) };
  if (grant.expiresAt.getTime() <= now) return { ok: false, reason: 'expired', grant };
  return { ok: true, grant };
}

/** The analysis page a share link opens: `<base>/analyses/<id>?share=<token>`. */
export function shareUrl(base: string, analysisId: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/analyses/${analysisId}?share=${encodeURIComponent(token)}`;
}

export interface ShareLink {
  url: string;
  token: string;
  expiresAt: Date;
}

/**
 * Mints and checks share tokens with the server's share secret: SHARE_SECRET, else the one generated
 * on first use and kept in the database (so every api and worker on it agrees without configuration).
 */
@Injectable()
export class ShareLinks {
  private secret: Promise<string> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly secrets: ServerSecretsRepository,
  ) {}

  private key(): Promise<string> {
    if (this.config.shareSecret) return Promise.resolve(this.config.shareSecret);
    this.secret ??= this.secrets
      .getOrCreate('share', () => randomBytes(32).toString('base64url'))
      .catch((error: unknown) => {
        this.secret = null; // try the database again next time
        throw error;
      });
    return this.secret;
  }

  /** A link to the analysis page at `base` (PUBLIC_URL or the request's origin), valid `ttlSeconds`. */
  async link(
    base: string,
    analysisId: string,
    projectId: string,
    ttlSeconds = SHARE_TTL_DEFAULT_SECONDS,
  ): Promise<ShareLink> {
    const expiresAt = new Date(Math.ceil(Date.now() / 1000 + ttlSeconds) * 1000);
    const token = signShareToken(await this.key(), { analysisId, projectId, expiresAt });
    return { url: shareUrl(base, analysisId, token), token, expiresAt };
  }

  async check(token: string): Promise<ShareCheck> {
    return verifyShareToken(await this.key(), token);
  }
}
