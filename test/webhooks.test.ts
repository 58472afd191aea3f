// Completion notifications through the real api and worker: subscriptions managed over REST, a
// local receiver on 127.0.0.1 that checks X-Natlens-Signature and the payloads (generic, Slack,
// Mattermost), retries after the receiver fails twice, every attempt queryable, and a dead
// receiver that does not hold up analyses.
import { createHmac } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { freePort } from './support/processes.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const SECRET = 'generic-receiver-secret-0123456789';
const SCENARIO = `${fixturesDir}single-node/clusterip/`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  status: number;
}

/** Answers 503 to the first two requests on /flaky, 200 to everything else; keeps every request. */
async function receiver(): Promise<{ server: Server; url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      const status = path === '/flaky' && got.filter((r) => r.path === '/flaky').length < 2 ? 503 : 200;
      got.push({ path, headers: req.headers, raw: Buffer.concat(chunks).toString(), status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Delivery {
  deliveryId: string;
  event: string;
  analysisId: string;
  attempt: number;
  success: boolean;
  statusCode: number | null;
  error: string | null;
}

interface Notice {
  event: string;
  deliveryId: string;
  analysis: {
    id: string;
    name: string;
    status: string;
    error: string | null;
    counts: Record<string, number>;
  };
  flowsByState: Record<string, number>;
  translations: Record<string, number>;
  findings: { total: number };
  topFindings: unknown[];
  links: { report: string; share: string };
}

describe('webhooks: signed completion notifications with retries', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  let hook: Awaited<ReturnType<typeof receiver>>;
  const subs: Record<string, { id: string; secret?: string }> = {};
  let captures: string[];
  let snapshot: string;
  let succeeded: string;

  async function subscribe(name: string, body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify(body),
    });
    expect(res.status, name).toBe(201);
    subs[name] = (await res.json()) as { id: string; secret?: string };
  }

  async function deliveries(name: string): Promise<Delivery[]> {
    const res = await fetch(`${api.url}/v1/webhooks/${subs[name].id}/deliveries`, { headers: bearer(key) });
    return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
  }

  async function analyse(name: string): Promise<{ id: string; status: string; error: string | null }> {
    const res = await fetch(`${api.url}/v1/analyses?wait=90`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ captures, snapshots: [snapshot], name }),
    });
    return (await res.json()) as { id: string; status: string; error: string | null };
  }

  beforeAll(async () => {
    hook = await receiver();
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'hooks', 'write')).key;
    api = await stack.startApi({ PUBLIC_URL: 'https://natlens.example.test' });
    await stack.startWorker({ PUBLIC_URL: 'https://natlens.example.test', NOTIFICATION_BACKOFF_MS: '300' });

    const upload = (
      file: string,
      fields: Record<string, string>,
      route: 'captures' | 'snapshots' = 'captures',
    ) => uploadFile(api.url, key, `${SCENARIO}${file}`, fields, route);
    const node = 'k8s-compute-02';
    captures = [
      await upload('client.pcap', { role: 'client', node }),
      await upload('node.pcap', { role: 'node', node }),
      await upload('backend.pcap', { role: 'backend', node }),
    ];
    snapshot = await upload('snapshot/kubectl-get-svc-pods-endpointslices-nodes.json', {}, 'snapshots');
  }, 120_000);

  afterAll(async () => {
    hook?.server.close();
    await stack?.dispose();
  });

  it('subscriptions: validated, secrets never shown again, a generic one without a secret gets one', async () => {
    const read = (await issueKey(stack.databaseUrl, 'hooks', 'read')).key;
    const denied = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: bearer(read),
      body: JSON.stringify({ url: `${hook.url}/x` }),
    });
    expect(denied.status).toBe(403);
    for (const bad of [
      { url: 'ftp://example.com/' },
      { url: `${hook.url}/x`, kind: 'teams' },
      { url: `${hook.url}/x`, events: ['analysis.started'] },
      { url: `${hook.url}/x`, secret: 'short' },
    ]) {
      const res = await fetch(`${api.url}/v1/webhooks`, {
        method: 'POST',
        headers: bearer(key),
        body: JSON.stringify(bad),
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
    }

    await subscribe('generic', { url: `${hook.url}/generic`, kind: 'generic', secret: SECRET });
    await subscribe('generated', { url: `${hook.url}/generated`, events: ['analysis.succeeded'] });
    await subscribe('slack', { url: `${hook.url}/slack`, kind: 'slack', events: ['analysis.succeeded'] });
    await subscribe('mattermost', { url: `${hook.url}/mattermost`, kind: 'mattermost' });
    await subscribe('flaky', {
      url: `${hook.url}/flaky`,
      kind: 'generic',
      secret: SECRET,
      events: ['analysis.succeeded'],
    });
    await subscribe('dead', {
      url: `http://127.0.0.1:${await freePort()}/gone`,
      kind: 'generic',
      secret: SECRET,
    });
    expect(subs.generic.secret).toBeUndefined();
    expect(subs.generated.secret).toMatch(/^whsec_/);

    const list = (await (await fetch(`${api.url}/v1/webhooks`, { headers: bearer(read) })).json()) as {
      webhooks: Array<{ id: string; kind: string; secretSet: boolean; secret?: string; events: string[] }>;
    };
    expect(list.webhooks).toHaveLength(6);
    expect(list.webhooks.every((w) => w.secret === undefined)).toBe(true);
    expect(list.webhooks.filter((w) => w.secretSet).map((w) => w.id)).toEqual(
      ['generic', 'generated', 'flaky', 'dead'].map((name) => subs[name].id),
    );
    expect(list.webhooks.find((w) => w.id === subs.generic.id)!.events).toEqual([
      'analysis.succeeded',
      'analysis.failed',
    ]);
  });

  it('a finished analysis is announced to every receiver, signed; a dead receiver holds nothing up', async () => {
    const analysis = await analyse('clusterip');
    expect(analysis.status).toBe('SUCCEEDED');
    succeeded = analysis.id;

    const generic = await until('the generic delivery', async () =>
      hook.got.find((r) => r.path === '/generic'),
    );
    expect(generic.headers['x-natlens-event']).toBe('analysis.succeeded');
    const expected = `sha256=${createHmac('sha256', SECRET).update(generic.raw).digest('hex')}`;
    expect(generic.headers['x-natlens-signature']).toBe(expected);
    const notice = JSON.parse(generic.raw) as Notice;
    expect(notice).toMatchObject({
      event: 'analysis.succeeded',
      analysis: { id: succeeded, name: 'clusterip', status: 'SUCCEEDED', error: null },
      links: { report: `https://natlens.example.test/v1/analyses/${succeeded}/report?format=md` },
    });
    expect(notice.deliveryId).toBe(generic.headers['x-natlens-delivery']);
    const flows = Object.values(notice.flowsByState).reduce((a, b) => a + b, 0);
    expect(flows).toBe(notice.analysis.counts.flows);
    expect(flows).toBeGreaterThanOrEqual(20);
    expect(notice.translations.DNAT).toBeGreaterThan(0);
    expect(notice.findings.total).toBe(notice.analysis.counts.findings);

    const generated = await until('the generated-secret delivery', async () =>
      hook.got.find((r) => r.path === '/generated'),
    );
    expect(generated.headers['x-natlens-signature']).toBe(
      `sha256=${createHmac('sha256', subs.generated.secret!).update(generated.raw).digest('hex')}`,
    );

    const slack = await until('the Slack delivery', async () => hook.got.find((r) => r.path === '/slack'));
    const message = JSON.parse(slack.raw) as {
      text: string;
      blocks: Array<{ type: string; text?: { text: string } }>;
    };
    expect(message.text).toMatch(
      /^natlens: Analysis clusterip succeeded: \d+ flows \(\d+ CLOSED.*\), \d+ translations/,
    );
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: '✅ Analysis clusterip succeeded' },
    });
    expect(JSON.stringify(message.blocks)).toContain('*Translations*');
    // The Report link is a share link, which opens in a browser without an API key.
    expect(notice.links.share).toMatch(
      new RegExp(`^https://natlens\\.example\\.test/analyses/${succeeded}\\?share=nls1\\.[\\w.-]+$`),
    );
    expect(JSON.stringify(message.blocks)).toContain(`<${notice.links.share}|Report>`);

    const mattermost = await until('the Mattermost delivery', async () =>
      hook.got.find((r) => r.path === '/mattermost'),
    );
    const mm = JSON.parse(mattermost.raw) as { text: string; username: string };
    expect(mm.text).toMatch(/^#### :white_check_mark: natlens: Analysis clusterip succeeded/);
    expect(mm.text).toContain('| flows by state | translations | findings |');
    expect(mm.text).toContain(`[Report](https://natlens.example.test/analyses/${succeeded}?share=nls1.`);

    // The dead receiver's attempts are recorded as failures with the reason.
    const dead = await until('two failed attempts to the dead receiver', async () => {
      const rows = await deliveries('dead');
      return rows.length >= 2 ? rows : undefined;
    });
    expect(
      dead.every((d) => !d.success && d.statusCode === null && /ECONNREFUSED|fetch failed/.test(d.error!)),
    ).toBe(true);
  });

  it('retries with back-off after the receiver fails twice; every attempt is recorded', async () => {
    const rows = await until('the third attempt to /flaky', async () => {
      const r = await deliveries('flaky');
      return r.some((d) => d.success) ? r : undefined;
    });
    const attempts = [...rows].sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((d) => [d.attempt, d.success, d.statusCode])).toEqual([
      [1, false, 503],
      [2, false, 503],
      [3, true, 200],
    ]);
    expect(attempts[0].error).toMatch(/receiver answered 503/);
    expect(new Set(attempts.map((d) => d.deliveryId)).size).toBe(1);
    expect(attempts.every((d) => d.event === 'analysis.succeeded' && d.analysisId === succeeded)).toBe(true);
    const flaky = hook.got.filter((r) => r.path === '/flaky');
    expect(flaky.map((r) => r.status)).toEqual([503, 503, 200]);
    // The same body, signed the same way, on every attempt.
    expect(new Set(flaky.map((r) => r.raw)).size).toBe(1);
    expect(flaky[2].headers['x-natlens-signature']).toBe(
      `sha256=${createHmac('sha256', SECRET).update(flaky[2].raw).digest('hex')}`,
    );

    const filtered = await fetch(
      `${api.url}/v1/webhooks/${subs.flaky.id}/deliveries?analysis=${succeeded}&limit=1`,
      {
        headers: bearer(key),
      },
    );
    expect(((await filtered.json()) as { deliveries: Delivery[] }).deliveries).toHaveLength(1);
  });

  it('a failed analysis is announced as analysis.failed to the receivers that asked for it', async () => {
    // Captures gone from STORAGE_DIR: the worker fails the analysis at once.
    for (const entry of await readdir(stack.storageDir))
      await rm(join(stack.storageDir, entry), { recursive: true, force: true });
    const analysis = await analyse('storage-lost');
    expect(analysis.status).toBe('FAILED');

    const failed = await until('the analysis.failed delivery', async () =>
      hook.got.find((r) => r.path === '/generic' && r.headers['x-natlens-event'] === 'analysis.failed'),
    );
    const notice = JSON.parse(failed.raw) as Notice;
    expect(notice.analysis).toMatchObject({ id: analysis.id, status: 'FAILED', name: 'storage-lost' });
    expect(notice.analysis.error).toMatch(/missing from STORAGE_DIR/);
    const mm = await until('the Mattermost failure', async () =>
      hook.got.find((r) => r.path === '/mattermost' && r.raw.includes('storage-lost')),
    );
    expect(JSON.parse(mm.raw).text).toMatch(/^#### :x: natlens: Analysis storage-lost failed/);
    // Subscribed to successes only: not told.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.got.filter((r) => r.path === '/slack')).toHaveLength(1);
    expect(hook.got.filter((r) => r.path === '/generated')).toHaveLength(1);
  });

  it('the same over GraphQL: webhooks, webhookDeliveries, createWebhook, updateWebhook, deleteWebhook', async () => {
    const gql = async (query: string, variables: Record<string, unknown> = {}, as = key) =>
      (await (
        await fetch(`${api.url}/graphql`, {
          method: 'POST',
          headers: bearer(as),
          body: JSON.stringify({ query, variables }),
        })
      ).json()) as {
        data?: Record<string, unknown>;
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
      };

    const listed = await gql('{ webhooks { id kind events active secretSet secret } }');
    expect(listed.errors).toBeUndefined();
    expect((listed.data!.webhooks as unknown[]).length).toBe(6);

    const attempts = await gql(
      'query($id: ID!, $a: ID) { webhookDeliveries(id: $id, analysis: $a) { attempt success statusCode error deliveryId } }',
      { id: subs.flaky.id, a: succeeded },
    );
    expect(
      (attempts.data!.webhookDeliveries as Array<{ attempt: number; statusCode: number }>)
        .map((d) => [d.attempt, d.statusCode])
        .sort((x, y) => x[0] - y[0]),
    ).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);

    const create = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id kind events secretSet secret } }`;
    const read = (await issueKey(stack.databaseUrl, 'hooks', 'read')).key;
    const denied = await gql(create, { input: { url: `${hook.url}/gql` } }, read);
    expect(denied.errors?.[0].message).toMatch(/needs a write key/);
    const bad = await gql(create, { input: { url: 'gopher://x' } });
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    const created = await gql(create, { input: { url: `${hook.url}/gql`, events: ['analysis.failed'] } });
    const made = created.data!.createWebhook as {
      id: string;
      kind: string;
      events: string[];
      secret: string;
    };
    expect(made).toMatchObject({ kind: 'generic', events: ['analysis.failed'], secretSet: true });
    expect(made.secret).toMatch(/^whsec_/);

    const paused = await gql(
      'mutation($id: ID!) { updateWebhook(id: $id, input: { active: false }) { active secret } }',
      {
        id: made.id,
      },
    );
    expect(paused.data!.updateWebhook).toEqual({ active: false, secret: null });
    const deleted = await gql('mutation($id: ID!) { deleteWebhook(id: $id) }', { id: made.id });
    expect(deleted.data!.deleteWebhook).toBe(true);
    const again = await gql('mutation($id: ID!) { deleteWebhook(id: $id) }', { id: made.id });
    expect(again.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it("another project's subscriptions do not exist for it", async () => {
    const other = (await issueKey(stack.databaseUrl, 'elsewhere', 'write')).key;
    for (const path of [`/v1/webhooks/${subs.generic.id}`, `/v1/webhooks/${subs.generic.id}/deliveries`])
      expect((await fetch(`${api.url}${path}`, { headers: bearer(other) })).status, path).toBe(404);
    const del = await fetch(`${api.url}/v1/webhooks/${subs.generic.id}`, {
      method: 'DELETE',
      headers: bearer(other),
    });
    expect(del.status).toBe(404);
    const list = (await (await fetch(`${api.url}/v1/webhooks`, { headers: bearer(other) })).json()) as {
      webhooks: unknown[];
    };
    expect(list.webhooks).toEqual([]);
  });

  it('pausing and deleting a subscription', async () => {
    const paused = await fetch(`${api.url}/v1/webhooks/${subs.dead.id}`, {
      method: 'PATCH',
      headers: bearer(key),
      body: JSON.stringify({ active: false }),
    });
    expect(((await paused.json()) as { active: boolean }).active).toBe(false);
    const gone = await fetch(`${api.url}/v1/webhooks/${subs.dead.id}`, {
      method: 'DELETE',
      headers: bearer(key),
    });
    expect(gone.status).toBe(204);
    const missing = await fetch(`${api.url}/v1/webhooks/${subs.dead.id}/deliveries`, {
      headers: bearer(key),
    });
    expect(missing.status).toBe(404);
  });
});
