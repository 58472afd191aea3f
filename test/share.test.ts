// Share links through the real api and worker: minted with a write key, they read one analysis
// (GraphQL, REST, report, pcapng) without an API key; tampered and expired links are 401s that say
// what to do, other analyses are not found, everything else (writes, listings) is refused. Chat
// answers and completion notifications link to share links.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const PUBLIC_URL = 'https://natlens.share.test';
const SCENARIO = `${fixturesDir}single-node/clusterip/`;
const SLACK_SECRET = 'share-test-slack-signing-secret-0001';
const SLACK_TEAM = 'T0SHARE001';
const DAY = 24 * 3600;

interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface ErrorAnswer {
  error: { code: string; message: string };
}

/** A webhook receiver on 127.0.0.1 that keeps what it is sent. */
async function receiver(): Promise<{
  server: Server;
  url: string;
  got: Array<{ path: string; raw: string }>;
}> {
  const got: Array<{ path: string; raw: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', raw: Buffer.concat(chunks).toString() });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The token of a share URL, checked to be the analysis page under PUBLIC_URL. */
function tokenOf(url: string, analysisId: string): string {
  const parsed = new URL(url);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(`${PUBLIC_URL}/analyses/${analysisId}`);
  const token = parsed.searchParams.get('share');
  expect(token).toMatch(/^nls1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  return token!;
}

const share = (token: string): Record<string, string> => ({
  authorization: `Share ${token}`,
  'content-type': 'application/json',
});

describe('share links: a signed, expiring, read-only link to one analysis', () => {
  let stack: Stack;
  let api: RunningApi;
  let write: string;
  let admin: string;
  let analysisId: string;
  let otherId: string;
  let hook: Awaited<ReturnType<typeof receiver>>;

  async function mint(id: string, key: string, query = ''): Promise<Response> {
    return fetch(`${api.url}/v1/analyses/${id}/share${query}`, { method: 'POST', headers: bearer(key) });
  }

  async function link(
    id = analysisId,
    query = '',
  ): Promise<{ url: string; expiresAt: string; token: string }> {
    const res = await mint(id, write, query);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { url: string; expiresAt: string };
    return { ...body, token: tokenOf(body.url, id) };
  }

  async function graphql(
    headers: Record<string, string>,
    query: string,
    variables = {},
  ): Promise<GraphqlAnswer> {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphqlAnswer;
  }

  beforeAll(async () => {
    hook = await receiver();
    stack = await createStack();
    write = (await issueKey(stack.databaseUrl, 'sharing', 'write')).key;
    admin = (await issueKey(stack.databaseUrl, 'sharing', 'admin')).key;
    api = await stack.startApi({ PUBLIC_URL });
    await stack.startWorker({ PUBLIC_URL });

    const subscribed = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: bearer(write),
      body: JSON.stringify({ url: `${hook.url}/generic`, kind: 'generic', events: ['analysis.succeeded'] }),
    });
    expect(subscribed.status).toBe(201);
    const slackHook = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: bearer(write),
      body: JSON.stringify({ url: `${hook.url}/slack`, kind: 'slack', events: ['analysis.succeeded'] }),
    });
    expect(slackHook.status).toBe(201);

    const upload = (
      file: string,
      fields: Record<string, string>,
      route: 'captures' | 'snapshots' = 'captures',
    ) => uploadFile(api.url, write, `${SCENARIO}${file}`, fields, route);
    const node = 'k8s-compute-02';
    const captures = [
      await upload('client.pcap', { role: 'client', node }),
      await upload('node.pcap', { role: 'node', node }),
      await upload('backend.pcap', { role: 'backend', node }),
    ];
    const snapshot = await upload('snapshot/kubectl-get-svc-pods-endpointslices-nodes.json', {}, 'snapshots');
    const start = async (name: string, wait: boolean) => {
      const res = await fetch(`${api.url}/v1/analyses${wait ? '?wait=90' : ''}`, {
        method: 'POST',
        headers: bearer(write),
        body: JSON.stringify({ captures, snapshots: [snapshot], name }),
      });
      return (await res.json()) as { id: string; status: string };
    };
    const analysis = await start('shared', true);
    expect(analysis.status).toBe('SUCCEEDED');
    analysisId = analysis.id;
    otherId = (await start('not-shared', false)).id;
  }, 150_000);

  afterAll(async () => {
    hook?.server.close();
    await stack?.dispose();
  });

  it('a write key mints a link (7 days by default, ?ttl up to 30 days); read keys and other projects cannot', async () => {
    const before = Date.now();
    const { url, expiresAt } = await link();
    expect(url.startsWith(`${PUBLIC_URL}/analyses/${analysisId}?share=nls1.`)).toBe(true);
    const expires = Date.parse(expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 7 * DAY * 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 7 * DAY * 1000 + 1000);

    const month = Date.parse((await link(analysisId, `?ttl=${30 * DAY}`)).expiresAt);
    expect(month).toBeGreaterThanOrEqual(before + 30 * DAY * 1000);
    for (const ttl of ['0', String(30 * DAY + 1), 'soon']) {
      const res = await mint(analysisId, write, `?ttl=${ttl}`);
      expect(res.status, ttl).toBe(400);
      expect(((await res.json()) as ErrorAnswer).error.message).toMatch(/ttl/);
    }

    const read = (await issueKey(stack.databaseUrl, 'sharing', 'read')).key;
    expect((await mint(analysisId, read)).status).toBe(403);
    const stranger = (await issueKey(stack.databaseUrl, 'elsewhere', 'write')).key;
    const foreign = await mint(analysisId, stranger);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as ErrorAnswer).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${api.url}/v1/analyses/${analysisId}/share`, { method: 'POST' })).status).toBe(401);

    // The same over GraphQL.
    const minted = await graphql(
      bearer(write),
      'mutation($id: ID!) { shareAnalysis(id: $id, ttlSeconds: 60) { url expiresAt } }',
      {
        id: analysisId,
      },
    );
    expect(minted.errors).toBeUndefined();
    const viaGraphql = minted.data!.shareAnalysis as { url: string; expiresAt: string };
    tokenOf(viaGraphql.url, analysisId);
    expect(Date.parse(viaGraphql.expiresAt) - Date.now()).toBeLessThanOrEqual(61_000);
  });

  it('opens its analysis without a key: GraphQL queries, the analysis, its report and a flow as pcapng', async () => {
    const { token } = await link();
    const answer = await graphql(
      share(token),
      `
        query ($id: ID!) {
          analysis(id: $id) {
            id
            name
            status
          }
          flows(analysisId: $id, first: 2) {
            totalCount
            edges {
              node {
                id
                key
                client
                service
                state
                pcapngUrl
                sightings(first: 2) {
                  edges {
                    node {
                      captureId
                      timestampNs
                    }
                  }
                }
              }
            }
          }
          findings(analysisId: $id) {
            code
            severity
          }
          services(analysisId: $id) {
            frontend
            backends {
              backend
              flows
            }
          }
        }
      `,
      { id: analysisId },
    );
    expect(answer.errors).toBeUndefined();
    const data = answer.data as {
      analysis: { id: string; name: string; status: string };
      flows: {
        totalCount: number;
        edges: Array<{
          node: { id: string; key: string; pcapngUrl: string; sightings: { edges: unknown[] } };
        }>;
      };
      services: Array<{ frontend: string }>;
    };
    expect(data.analysis).toEqual({ id: analysisId, name: 'shared', status: 'SUCCEEDED' });
    expect(data.flows.totalCount).toBeGreaterThanOrEqual(20);
    expect(data.flows.edges[0].node.sightings.edges.length).toBeGreaterThan(0);
    expect(data.services.length).toBeGreaterThan(0);
    const flow = data.flows.edges[0].node;

    const one = await graphql(
      share(token),
      'query($a: ID!, $f: ID!) { flow(analysisId: $a, id: $f) { id key } }',
      {
        a: analysisId,
        f: flow.key,
      },
    );
    expect(one.errors).toBeUndefined();
    expect(one.data!.flow).toEqual({ id: flow.id, key: flow.key });

    const rest = await fetch(`${api.url}/v1/analyses/${analysisId}`, { headers: share(token) });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { id: string; status: string }).status).toBe('SUCCEEDED');

    const report = await fetch(`${api.url}/v1/analyses/${analysisId}/report?format=md`, {
      headers: share(token),
    });
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('10.233.9.232');

    const pcapng = await fetch(`${api.url}${flow.pcapngUrl}`, { headers: share(token) });
    expect(pcapng.status).toBe(200);
    expect(pcapng.headers.get('content-type')).toBe('application/vnd.tcpdump.pcapng');
    expect(Number(pcapng.headers.get('x-natlens-packets'))).toBeGreaterThan(0);
  });

  it('reads nothing else: other analyses are not found, listings and writes are refused', async () => {
    const { token } = await link();

    for (const path of [`/v1/analyses/${otherId}`, `/v1/analyses/${otherId}/report?format=md`]) {
      const res = await fetch(`${api.url}${path}`, { headers: share(token) });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as ErrorAnswer).error.message).toContain(
        `opens analysis ${analysisId} only`,
      );
    }
    const other = await graphql(share(token), 'query($id: ID!) { analysis(id: $id) { id } }', {
      id: otherId,
    });
    expect(other.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const otherFlows = await graphql(
      share(token),
      'query($id: ID!) { flows(analysisId: $id) { totalCount } }',
      {
        id: otherId,
      },
    );
    expect(otherFlows.errors?.[0].extensions?.code).toBe('NOT_FOUND');

    const refused: Array<[string, string]> = [
      ['GET', '/v1/analyses'],
      ['GET', '/v1/captures'],
      ['GET', '/v1/snapshots'],
      ['GET', '/v1/webhooks'],
      ['POST', `/v1/analyses/${analysisId}/rerun`],
      ['POST', `/v1/analyses/${analysisId}/share`],
      ['DELETE', `/v1/analyses/${analysisId}`],
    ];
    for (const [method, path] of refused) {
      const res = await fetch(`${api.url}${path}`, { method, headers: share(token) });
      expect(res.status, `${method} ${path}`).toBe(403);
      const body = (await res.json()) as ErrorAnswer;
      expect(body.error.message, `${method} ${path}`).toMatch(
        /share link only reads analysis .* needs an API key/,
      );
    }
    for (const query of [
      '{ analyses { totalCount } }',
      '{ captures { id } }',
      '{ webhooks { id } }',
      `mutation { deleteAnalysis(id: "${analysisId}") }`,
      `mutation { rerunAnalysis(id: "${analysisId}") { id } }`,
      `mutation { shareAnalysis(id: "${analysisId}") { url } }`,
    ]) {
      const answer = await graphql(share(token), query);
      expect(answer.errors?.[0].extensions?.code, query).toBe('FORBIDDEN');
    }

    // Nothing was changed on the way.
    const still = await fetch(`${api.url}/v1/analyses/${analysisId}`, { headers: bearer(write) });
    expect(((await still.json()) as { status: string }).status).toBe('SUCCEEDED');
  });

  it('a tampered or cut link is a 401 that says to copy it again or ask for a new one', async () => {
    const { token } = await link();
    const [version, payload, signature] = token.split('.');
    const flip = (s: string) => `${s.slice(0, 5)}${s[5] === 'A' ? 'B' : 'A'}${s.slice(6)}`;
    // The other analysis' id in the payload, under the first one's signature.
    const { token: otherToken } = await link(otherId);
    const otherPayload = otherToken.split('.')[1];
    const forged = [
      `${version}.${payload}.${flip(signature)}`,
      `${version}.${flip(payload)}.${signature}`,
      `${version}.${otherPayload}.${signature}`,
      token.slice(0, -4),
      `${version}.${payload}`,
      'not-a-share-token',
    ];
    for (const bad of forged) {
      const res = await fetch(`${api.url}/v1/analyses/${analysisId}`, { headers: share(bad) });
      expect(res.status, bad).toBe(401);
      const body = (await res.json()) as ErrorAnswer;
      expect(body.error.code).toBe('SHARE_LINK_INVALID');
      expect(body.error.message).toMatch(
        /not valid.*Copy the whole link again, or ask whoever shared it for a new one/,
      );
    }
    // A link signed with another secret is no better.
    const mac = createHmac('sha256', 'a-secret-that-is-not-the-servers-0123456789')
      .update(`natlens-share-v1\n${analysisId}\n00000000-0000-0000-0000-000000000000\n9999999999`)
      .digest('base64url');
    expect(
      (
        await fetch(`${api.url}/v1/analyses/${analysisId}`, {
          headers: share(`${version}.${payload}.${mac}`),
        })
      ).status,
    ).toBe(401);

    const answer = await graphql(share(flip(token)), 'query($id: ID!) { analysis(id: $id) { id } }', {
      id: analysisId,
    });
    expect(answer.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.errors?.[0].message).toMatch(/share link is not valid/);
  });

  it('an expired link is a 401 that says when it expired and how to get a new one', async () => {
    const { token, expiresAt } = await link(analysisId, '?ttl=1');
    expect((await fetch(`${api.url}/v1/analyses/${analysisId}`, { headers: share(token) })).status).toBe(200);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now()) + 300),
    );
    const res = await fetch(`${api.url}/v1/analyses/${analysisId}/report`, { headers: share(token) });
    expect(res.status).toBe(401);
    const body = (await res.json()) as ErrorAnswer;
    expect(body.error.code).toBe('SHARE_LINK_EXPIRED');
    expect(body.error.message).toContain(`expired at ${expiresAt}`);
    expect(body.error.message).toMatch(/ask whoever shared it for a new one/);
    const answer = await graphql(share(token), 'query($id: ID!) { analysis(id: $id) { id } }', {
      id: analysisId,
    });
    expect(answer.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.errors?.[0].message).toMatch(/share link expired/);
  });

  it('a chat answer links to a share link that opens the analysis', async () => {
    const settings = await fetch(`${api.url}/v1/chatops/settings`, {
      method: 'PUT',
      headers: bearer(admin),
      body: JSON.stringify({ slackSigningSecret: SLACK_SECRET, teamIds: [SLACK_TEAM] }),
    });
    expect(settings.status).toBe(200);
    const body = new URLSearchParams({
      team_id: SLACK_TEAM,
      command: '/natlens',
      text: `status ${analysisId.slice(0, 8)}`,
      user_id: 'U1',
      channel_id: 'C1',
    }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const res = await fetch(`${api.url}/v1/chatops/slack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
      },
      body,
    });
    expect(res.status).toBe(200);
    const reply = JSON.stringify(await res.json());
    const url = /https:\/\/natlens\.share\.test\/analyses\/[0-9a-f-]+\?share=[A-Za-z0-9._%-]+/.exec(
      reply,
    )?.[0];
    expect(url, reply).toBeDefined();
    expect(reply).toContain('Full report');
    const token = tokenOf(url!, analysisId);
    expect((await fetch(`${api.url}/v1/analyses/${analysisId}`, { headers: share(token) })).status).toBe(200);
  });

  it('a completion notification links to a share link that opens the analysis', async () => {
    const generic = await until('the generic notification', () =>
      hook.got.find((r) => r.path === '/generic'),
    );
    const notice = JSON.parse(generic.raw) as {
      analysis: { id: string };
      links: { share: string; report: string };
    };
    expect(notice.analysis.id).toBe(analysisId);
    expect(notice.links.report).toBe(`${PUBLIC_URL}/v1/analyses/${analysisId}/report?format=md`);
    const token = tokenOf(notice.links.share, analysisId);
    const res = await fetch(`${api.url}/v1/analyses/${analysisId}/report?format=md`, {
      headers: share(token),
    });
    expect(res.status).toBe(200);

    const slack = await until('the Slack notification', () => hook.got.find((r) => r.path === '/slack'));
    expect(slack.raw).toContain(`<${notice.links.share}|Report>`);
  });
});
