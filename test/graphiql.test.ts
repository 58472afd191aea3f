// GraphiQL at /graphql for browsers, served by the real api itself: the page and every script and
// style it loads come from natlens (no CDN, works offline), while POST /graphql and GET requests
// that are not a browser's keep going to Apollo. Then the page in Debian's chromium (playwright-core):
// it loads nothing from elsewhere, shows the docs without a key, and runs a query with a pasted key.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const BROWSER_ACCEPT =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

/** The src/href of every script, stylesheet and other linked resource in a page. */
function references(html: string): string[] {
  const found: string[] = [];
  for (const match of html.matchAll(/<(script|link|img|iframe)\b[^>]*?\b(src|href)="([^"]*)"/gi))
    found.push(match[3]);
  return found;
}

describe('GraphiQL in the browser at /graphql, served by natlens (no CDN)', () => {
  let stack: Stack;
  let api: RunningApi;

  beforeAll(async () => {
    stack = await createStack();
    api = await stack.startApi();
  }, 60_000);

  afterAll(async () => {
    await stack?.dispose();
  });

  it('a browser gets a page whose every script and style is served by natlens, same origin', async () => {
    const res = await fetch(`${api.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const html = await res.text();
    expect(html).toContain('<title>natlens GraphQL</title>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/apollo|sandbox|unpkg|jsdelivr|esm\.sh/i);

    const assets = references(html);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    const page = new URL(`${api.url}/graphql`);
    const kinds = new Set<string>();
    for (const ref of assets) {
      const url = new URL(ref, page);
      expect(url.origin, ref).toBe(page.origin);
      const asset = await fetch(url);
      expect(asset.status, ref).toBe(200);
      const type = asset.headers.get('content-type') ?? '';
      kinds.add(type.split(';')[0]);
      const body = await asset.text();
      expect(body.length, ref).toBeGreaterThan(10_000);
      // What the bundle loads at run time stays here too: no module or stylesheet from a CDN.
      expect(body, ref).not.toMatch(/unpkg\.com|cdn\.jsdelivr\.net|esm\.sh\/|@import\s+url\(\s*["']?https?:/);
    }
    expect([...kinds].sort()).toEqual(['text/css', 'text/javascript']);
    // The bundle is GraphiQL and reads the key from sessionStorage, never from the URL.
    const script = await (
      await fetch(
        new URL(
          assets.find((a) => a.endsWith('.js'))!,
          page,
        ),
      )
    ).text();
    expect(script).toContain('graphiql');
    expect(script).toContain('sessionStorage');
  });

  it('an unknown asset is a 404, not a page', async () => {
    const res = await fetch(`${api.url}/graphiql/secrets.json`);
    expect(res.status).toBe(404);
  });

  it('POST /graphql and non-browser GETs still reach Apollo; introspection (the docs) needs no key', async () => {
    const { key } = await issueKey(stack.databaseUrl, 'graphiql', 'read');
    const version = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ query: '{ version { natlens } analyses { totalCount } }' }),
    });
    expect(version.status).toBe(200);
    expect(await version.json()).toMatchObject({ data: { analyses: { totalCount: 0 } } });

    const introspection = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name description } types { name } } }' }),
    });
    const schema = (await introspection.json()) as {
      data: { __schema: { queryType: { name: string }; types: Array<{ name: string }> } };
    };
    expect(schema.data.__schema.queryType.name).toBe('Query');
    expect(schema.data.__schema.types.map((t) => t.name)).toContain('Flow');

    for (const accept of ['application/json', '*/*']) {
      const res = await fetch(`${api.url}/graphql`, { headers: { accept } });
      expect(res.headers.get('content-type') ?? '', accept).not.toMatch(/text\/html/);
    }
    const query = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ version { natlens } }')}`, {
      headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
    });
    expect(query.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await query.text()).toContain('natlens');
  });

  it('in chromium: nothing from elsewhere, the docs without a key, a query with a pasted key', async () => {
    const { key } = await issueKey(stack.databaseUrl, 'graphiql', 'read');
    const profile = await mkdtemp(join(tmpdir(), 'natlens-graphiql-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = await browser.newPage();
      const origin = new URL(api.url).origin;
      const elsewhere: string[] = [];
      const errors: string[] = [];
      const posted: Array<{ authorization?: string; body: string }> = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.protocol === 'data:' || url.protocol === 'blob:') return;
        if (url.origin !== origin) elsewhere.push(request.url());
        if (request.method() === 'POST')
          posted.push({ authorization: request.headers().authorization, body: request.postData() ?? '' });
      });
      page.on('pageerror', (error) => errors.push(error.message));

      await page.goto(`${api.url}/graphql`);
      await page.locator('.graphiql-container').waitFor();
      // The schema is read without a key (introspection), and the docs show its described roots.
      await page.getByRole('button', { name: /documentation explorer/i }).click();
      await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();

      // No key yet: the default query is refused, with the guard's message in the result pane.
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => page.locator('.result-window').innerText()).toContain('missing API key');

      await page.locator('#natlens-key').fill(key);
      await page.getByRole('button', { name: 'Use key' }).click();
      await page
        .getByRole('status')
        .getByText(/API key nl_.* in use/)
        .waitFor();
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => page.locator('.result-window').innerText()).toContain('"analyses"');
      expect(await page.locator('.result-window').innerText()).not.toContain('errors');

      const last = posted[posted.length - 1];
      expect(last.authorization).toBe(`Bearer ${key}`);
      expect(last.body).toContain('analyses');
      expect(page.url()).toBe(`${api.url}/graphql`);
      // Kept in this tab's sessionStorage only (strings: the test is compiled without the DOM types).
      const local = await page.evaluate<string>('JSON.stringify(Object.values(localStorage))');
      expect(local).not.toContain(key);
      const inSession = await page.evaluate<string>('JSON.stringify(Object.values(sessionStorage))');
      expect(inSession).toContain(key);
      expect(elsewhere).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 60_000);
});
