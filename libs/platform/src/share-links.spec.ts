import { describe, expect, it } from 'vitest';
import { shareUrl, signShareToken, verifyShareToken } from './share-links.js';

const SECRET = 'a-share-secret-of-at-least-32-characters';
const grant = {
  analysisId: '068c5ef4-050c-4bcb-bc28-3df5b0790270',
  projectId: '5a7f3c1e-9b2d-4e8f-a1c3-d4e5f6a7b8c9',
  expiresAt: new Date('2030-01-02T03:04:05.000Z'),
};
const NOW = Date.parse('2029-12-31T00:00:00Z');

describe('share tokens', () => {
  it('round-trips the analysis, project and expiry, and is URL-safe', () => {
    const token = signShareToken(SECRET, grant);
    expect(token).toMatch(/^nls1\.[A-Za-z0-9_-]{54}\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(verifyShareToken(SECRET, token, NOW)).toEqual({ ok: true, grant });
    expect(shareUrl('https://n.example/', grant.analysisId, token)).toBe(
      `https://n.example/analyses/${grant.analysisId}?share=${token}`,
    );
  });

  it('is the HMAC-SHA256 the README documents', async () => {
    const { createHmac } = await import('node:crypto');
    const token = signShareToken(SECRET, grant);
    const expiry = grant.expiresAt.getTime() / 1000;
    const mac = createHmac('sha256', SECRET)
      .update(`natlens-share-v1\n${grant.analysisId}\n${grant.projectId}\n${expiry}`)
      .digest('base64url');
    expect(token.split('.')[2]).toBe(mac);
  });

  it('refuses another secret, any changed byte and anything that is not a token', () => {
    const token = signShareToken(SECRET, grant);
    expect(verifyShareToken('another-secret-of-at-least-32-characters', token, NOW)).toEqual({
      ok: false,
      reason: 'forged',
    });
    const [version, payload, mac] = token.split('.');
    for (let i = 0; i < payload.length; i++) {
      const c = payload[i] === 'A' ? 'B' : 'A';
      const changed = `${version}.${payload.slice(0, i)}${c}${payload.slice(i + 1)}.${mac}`;
      expect(verifyShareToken(SECRET, changed, NOW).ok, `payload byte ${i}`).toBe(false);
    }
    const longer = signShareToken(SECRET, { ...grant, expiresAt: new Date('2031-01-01T00:00:00Z') });
    expect(verifyShareToken(SECRET, `${version}.${longer.split('.')[1]}.${mac}`, NOW)).toEqual({
      ok: false,
      reason: 'forged',
    });
    // The same bytes spelled differently (the last character's unused bits) are not the token either.
    const respell = (part: string) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return `${part.slice(0, -1)}${alphabet[alphabet.indexOf(part[part.length - 1]) ^ 1]}`;
    };
    expect(verifyShareToken(SECRET, `${version}.${respell(payload)}.${mac}`, NOW).ok).toBe(false);
    expect(verifyShareToken(SECRET, `${version}.${payload}.${respell(mac)}`, NOW).ok).toBe(false);
    for (const bad of ['', 'nls1', 'nls1..', `nls2.${payload}.${mac}`, `${version}.${payload}`, `${token}.x`])
      expect(verifyShareToken(SECRET, bad, NOW), bad).toEqual({ ok: false, reason: 'malformed' });
  });

  it('expires at its second: an authentic but expired token says when', () => {
    const token = signShareToken(SECRET, grant);
    const at = grant.expiresAt.getTime();
    expect(verifyShareToken(SECRET, token, at - 1).ok).toBe(true);
    expect(verifyShareToken(SECRET, token, at)).toEqual({ ok: false, reason: 'expired', grant });
  });
});
