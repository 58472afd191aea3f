import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { monospace } from './reply.js';
import { verifyMattermostToken, verifySlackSignature } from './verify.js';

// Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BODY = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const TS = '1531420618';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('verifySlackSignature', () => {
  const at = Number(TS) + 10;
  it("accepts Slack's own example", () => {
    expect(
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp: TS,
        signature: SIGNATURE,
        rawBody: BODY,
        nowSeconds: at,
      }),
    ).toEqual({ ok: true });
  });

  it('refuses a changed body, another secret, a malformed signature', () => {
    const base = {
      signingSecret: SECRET,
      timestamp: TS,
      signature: SIGNATURE,
      rawBody: BODY,
      nowSeconds: at,
    };
    expect(verifySlackSignature({ ...base, rawBody: Buffer.concat([BODY, Buffer.from('x')]) }).ok).toBe(
      false,
    );
    expect(verifySlackSignature({ ...base, signingSecret: `${SECRET}0` }).ok).toBe(false);
    expect(verifySlackSignature({ ...base, signature: SIGNATURE.slice(0, -2) }).ok).toBe(false);
    expect(verifySlackSignature({ ...base, signature: undefined }).ok).toBe(false);
  });

  it('refuses timestamps more than 5 minutes off, either way', () => {
    const sign = (ts: number) =>
      `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:`).update(BODY).digest('hex')}`;
    const now = 1_800_000_000;
    for (const [skew, ok] of [
      [0, true],
      [-300, true],
      [-301, false],
      [301, false],
    ] as const) {
      const ts = now + skew;
      expect(
        verifySlackSignature({
          signingSecret: SECRET,
          timestamp: String(ts),
          signature: sign(ts),
          rawBody: BODY,
          nowSeconds: now,
        }).ok,
        `skew ${skew}`,
      ).toBe(ok);
    }
    expect(
      verifySlackSignature({ signingSecret: SECRET, timestamp: 'soon', signature: SIGNATURE, rawBody: BODY })
        .ok,
    ).toBe(false);
  });
});

describe('verifyMattermostToken', () => {
  const stored = createHash('sha256').update('tok3n').digest('hex');
  it('compares the token with the stored hash', () => {
    expect(verifyMattermostToken('tok3n', stored).ok).toBe(true);
    expect(verifyMattermostToken('tok3N', stored).ok).toBe(false);
    expect(verifyMattermostToken(undefined, stored).ok).toBe(false);
    expect(verifyMattermostToken('tok3n', null).ok).toBe(false);
  });
});

describe('monospace', () => {
  it('pads columns and says how many rows did not fit', () => {
    const text = monospace(
      {
        columns: ['a', 'bb'],
        rows: [
          ['xxx', '1'],
          ['y', '22'],
          ['z', '3'],
        ],
      },
      40,
    );
    expect(text.split('\n')).toEqual(['a    bb', '---  --', 'xxx  1', 'y    22', '… 1 more']);
  });
});
