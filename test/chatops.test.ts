// Slash commands through the real api and worker: Slack requests signed the way Slack signs them
// (and tampered, expired, unsigned ones refused with nothing executed), Mattermost's token, every
// command, and long answers posted to a response_url served by a local receiver.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const MM_TOKEN = 'xbktnnmm5pzppfr8o3wj7bsuga';
const SLACK_TEAM = 'T0CHATOPS1';
const MM_TEAM = 'mmteam0chatops';
const SCENARIO = `${fixturesDir}single-node/clusterip/`;

interface Posted {
  path: string;
  body: Record<string, unknown>;
}

/** A response_url endpoint on 127.0.0.1 that keeps what it is sent. */
async function receiver(): Promise<{
  server: Server;
  url: string;
  posts: Posted[];
  next(path: string): Promise<Posted>;
}> {
  const posts: Posted[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      res.writeHead(200).end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const next = async (path: string): Promise<Posted> => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const found = posts.find((p) => p.path === path);
      if (found) return found;
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
    throw new Error(`nothing posted to ${path}`);
  };
  return { server, url, posts, next };
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function slackHeaders(body: string, secret = SLACK_SECRET, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

type SlackReply = {
  response_type: string;
  text: string;
  blocks: Array<{ type: string; text?: { type: string; text: string } }>;
};

function blockText(reply: SlackReply): string {
  return reply.blocks.map((b) => b.text?.text ?? '').join('\n');
}

describe('chatops: Slack and Mattermost slash commands', () => {
  let stack: Stack;
  let api: RunningApi;
  let admin: string;
  let analysisId: string;
  let hook: Awaited<ReturnType<typeof receiver>>;

  const slackFields = (text: string, responsePath = '/slack'): Record<string, string> => ({
    token: 'legacy-verification-token',
    team_id: SLACK_TEAM,
    team_domain: 'natlens-test',
    channel_id: 'C0123',
    user_id: 'U0123',
    user_name: 'operator',
    command: '/natlens',
    text,
    response_url: `${hook.url}${responsePath}`,
    trigger_id: '123.456.abc',
  });

  async function slack(
    text: string,
    responsePath?: string,
  ): Promise<{ status: number; reply: SlackReply; ms: number }> {
    const body = form(slackFields(text, responsePath));
    const started = Date.now();
    const res = await fetch(`${api.url}/v1/chatops/slack`, {
      method: 'POST',
      headers: slackHeaders(body),
      body,
    });
    return { status: res.status, reply: (await res.json()) as SlackReply, ms: Date.now() - started };
  }

  beforeAll(async () => {
    hook = await receiver();
    stack = await createStack();
    admin = (await issueKey(stack.databaseUrl, 'chat', 'admin')).key;
    api = await stack.startApi({ PUBLIC_URL: 'https://natlens.example.test' });
    await stack.startWorker();

    const upload = (
      file: string,
      fields: Record<string, string>,
      route: 'captures' | 'snapshots' = 'captures',
    ) => uploadFile(api.url, admin, `${SCENARIO}${file}`, fields, route);
    const node = 'k8s-compute-02';
    const captures = [
      await upload('client.pcap', { role: 'client', node }),
      await upload('node.pcap', { role: 'node', node }),
      await upload('backend.pcap', { role: 'backend', node }),
    ];
    const snapshot = await upload('snapshot/kubectl-get-svc-pods-endpointslices-nodes.json', {}, 'snapshots');
    const res = await fetch(`${api.url}/v1/analyses?wait=90`, {
      method: 'POST',
      headers: bearer(admin),
      body: JSON.stringify({ captures, snapshots: [snapshot], name: 'clusterip' }),
    });
    const analysis = (await res.json()) as { id: string; status: string };
    expect(analysis.status).toBe('SUCCEEDED');
    analysisId = analysis.id;
  }, 150_000);

  afterAll(async () => {
    hook?.server.close();
    await stack?.dispose();
  });

  it('chat settings: admin keys set them, nobody reads the secrets back, a team maps to one project', async () => {
    const read = (await issueKey(stack.databaseUrl, 'chat', 'read')).key;
    const denied = await fetch(`${api.url}/v1/chatops/settings`, {
      method: 'PUT',
      headers: bearer(read),
      body: JSON.stringify({ teamIds: [SLACK_TEAM] }),
    });
    expect(denied.status).toBe(403);

    const res = await fetch(`${api.url}/v1/chatops/settings`, {
      method: 'PUT',
      headers: bearer(admin),
      body: JSON.stringify({
        slackSigningSecret: SLACK_SECRET,
        mattermostToken: MM_TOKEN,
        teamIds: [SLACK_TEAM, MM_TEAM],
      }),
    });
    expect(res.status).toBe(200);
    const view = await res.json();
    expect(view).toMatchObject({
      teamIds: [SLACK_TEAM, MM_TEAM],
      slack: { signingSecretSet: true },
      mattermost: { tokenSet: true },
    });
    expect(JSON.stringify(view)).not.toContain(SLACK_SECRET);
    expect(JSON.stringify(view)).not.toContain(MM_TOKEN);

    const other = (await issueKey(stack.databaseUrl, 'other', 'admin')).key;
    const clash = await fetch(`${api.url}/v1/chatops/settings`, {
      method: 'PUT',
      headers: bearer(other),
      body: JSON.stringify({ teamIds: [SLACK_TEAM] }),
    });
    expect(clash.status).toBe(409);
  });

  it('a signed Slack request is answered in Block Kit with a plain-text fallback', async () => {
    const help = await slack('help');
    expect(help.status).toBe(200);
    expect(help.reply.response_type).toBe('ephemeral');
    expect(help.reply.text).toContain('/natlens flows <analysis>');
    expect(help.reply.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });

    const status = await slack('status');
    expect(status.status).toBe(200);
    expect(status.reply.response_type).toBe('in_channel');
    expect(status.reply.text).toContain(`Analysis clusterip (${analysisId.slice(0, 8)}): SUCCEEDED`);
    expect(blockText(status.reply)).toMatch(/```[\s\S]*flows\s+\d+/);
    // The report link is a share link: the analysis page, readable without an API key.
    expect(JSON.stringify(status.reply.blocks)).toContain(
      `https://natlens.example.test/analyses/${analysisId}?share=nls1.`,
    );

    const last = await slack('last 3');
    expect(blockText(last.reply)).toMatch(/id\s+name\s+status/);
    expect(blockText(last.reply)).toContain(analysisId.slice(0, 8));
  });

  it('tampered, expired, unsigned and unknown-team Slack requests get 401 and run nothing', async () => {
    const body = form(slackFields('flows last', '/tampered'));
    const headers = slackHeaders(body);
    const tampered = body.replace('flows+last', 'findings+last');
    const cases: Array<[string, Record<string, string>, string]> = [
      ['tampered body', headers, tampered],
      ['wrong secret', slackHeaders(body, 'not-the-signing-secret'), body],
      ['expired timestamp', slackHeaders(body, SLACK_SECRET, Math.floor(Date.now() / 1000) - 301), body],
      ['future timestamp', slackHeaders(body, SLACK_SECRET, Math.floor(Date.now() / 1000) + 301), body],
      ['no signature', { 'content-type': 'application/x-www-form-urlencoded' }, body],
      [
        'unknown team',
        slackHeaders(body.replace(SLACK_TEAM, 'TUNKNOWN')),
        body.replace(SLACK_TEAM, 'TUNKNOWN'),
      ],
    ];
    for (const [what, h, b] of cases) {
      const res = await fetch(`${api.url}/v1/chatops/slack`, { method: 'POST', headers: h, body: b });
      expect(res.status, what).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe('UNAUTHENTICATED');
    }
    // A correctly signed request 4m50s old is still fine.
    const recent = await fetch(`${api.url}/v1/chatops/slack`, {
      method: 'POST',
      headers: slackHeaders(form(slackFields('help')), SLACK_SECRET, Math.floor(Date.now() / 1000) - 290),
      body: form(slackFields('help')),
    });
    expect(recent.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(hook.posts.filter((p) => p.path === '/tampered')).toEqual([]);
  });

  it('flows: acknowledged at once, the table and the first flow’s perspectives follow on response_url', async () => {
    const { status, reply, ms } = await slack(
      `flows ${analysisId.slice(0, 8)} svc=network-test/nginx`,
      '/flows',
    );
    expect(status).toBe(200);
    expect(ms).toBeLessThan(3000);
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/^Working on `flows`/);

    const posted = (await hook.next('/flows')).body as unknown as SlackReply;
    expect(posted.response_type).toBe('in_channel');
    const blocks = blockText(posted);
    expect(posted.text).toMatch(/Flows of analysis clusterip .*svc=network-test\/nginx.*: \d+ of \d+/);
    expect(blocks).toMatch(/```#\s+proto\s+client\s+service\s+backend\s+state\s+translations/);
    expect(blocks).toContain('network-test/nginx:http 10.233.9.232:80');
    expect(blocks).toMatch(/DNAT/);
    expect(blocks).toMatch(/capture\s+direction\s+stage\s+src\s+dst\s+packets/);
    expect(blocks).toMatch(/pre-DNAT[\s\S]*post-DNAT/);
  });

  it('findings and backends (observed vs expected share) arrive on response_url', async () => {
    await slack('findings last', '/findings');
    const findings = (await hook.next('/findings')).body as unknown as SlackReply;
    expect(findings.text).toMatch(/^Findings of analysis clusterip/);

    await slack('backends clusterip svc=network-test/nginx', '/backends');
    const backends = (await hook.next('/backends')).body as unknown as SlackReply;
    const blocks = blockText(backends);
    expect(blocks).toMatch(/pod\s+backend\s+connections\s+observed\s+expected\s+states/);
    expect(blocks).toContain('10.233.67.86:80');
    expect(blocks).toMatch(/\d+%\s+\d+%/);
  });

  it('unknown commands and bad arguments get a helpful ephemeral answer, never a 500', async () => {
    const cases: Array<[string, RegExp]> = [
      ['frobnicate', /Unknown command `frobnicate`/],
      ['flows last state=BOGUS', /`state=BOGUS` is not a flow state/],
      ['flows last colour=blue', /does not take `colour=`/],
      ['flows', /Which analysis\?/],
      ['backends last', /Which service\?/],
      ['status 00000000-0000-4000-8000-000000000000', /No analysis `00000000-0000-4000-8000-000000000000`/],
      ['status does-not-exist', /No analysis `does-not-exist`/],
      ['last 500', /takes a count from 1 to 20/],
    ];
    for (const [input, expected] of cases) {
      const { status, reply } = await slack(input, '/never');
      expect(status, input).toBe(200);
      expect(reply.response_type, input).toBe('ephemeral');
      expect(reply.text, input).toMatch(expected);
    }
    expect(hook.posts.filter((p) => p.path === '/never')).toEqual([]);

    // Found out only once the report is built: the explanation follows on response_url.
    await slack('backends last svc=nope/none', '/nope');
    const nope = (await hook.next('/nope')).body as unknown as SlackReply;
    expect(nope.response_type).toBe('ephemeral');
    expect(nope.text).toMatch(/No flows to service `nope\/none`.*Services seen: `network-test\/nginx:http`/);
  });

  it('Mattermost: the token is checked, answers are Markdown', async () => {
    const mm = (text: string, token = MM_TOKEN, responsePath = '/mm') =>
      fetch(`${api.url}/v1/chatops/mattermost`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          channel_id: 'ch1',
          channel_name: 'town-square',
          command: '/natlens',
          response_url: `${hook.url}${responsePath}`,
          team_domain: 'natlens',
          team_id: MM_TEAM,
          text,
          token,
          user_id: 'u1',
          user_name: 'operator',
        }),
      });

    const wrong = await mm('status', 'wrong-token');
    expect(wrong.status).toBe(401);

    const status = await mm('status');
    expect(status.status).toBe(200);
    const reply = (await status.json()) as { response_type: string; text: string };
    expect(reply.response_type).toBe('in_channel');
    expect(reply.text).toMatch(/^#### Analysis clusterip \([0-9a-f]{8}\): SUCCEEDED/);
    expect(reply.text).toMatch(/\| status \| SUCCEEDED \|/);

    const ack = (await (await mm('flows last', MM_TOKEN, '/mm-flows')).json()) as { text: string };
    expect(ack.text).toMatch(/Working on `flows`/);
    const posted = (await hook.next('/mm-flows')).body as { text: string };
    expect(posted.text).toMatch(/\| # \| proto \| client \| service \| backend \| state \| translations \|/);
    expect(posted.text).toContain('[Full report](https://natlens.example.test/analyses/');
    expect(posted.text).toContain('?share=nls1.');
  });
});
