// The GraphQL query API against the real api and worker: the fixture scenarios uploaded and
// analysed, then asked the seed article's questions. Filters return exactly the flows the ground
// truth names, pages are stable, another project sees nothing, deep or huge queries are refused,
// mutations and the progress subscription drive an analysis.
import { readFileSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir, groundTruth } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

// Node 20 has no global WebSocket; `ws` (graphql-ws' server side too) ships no types.
const WebSocket = createRequire(import.meta.url)('ws') as unknown;
const NODE = 'k8s-compute-02';
const CLUSTERIP = 'single-node/clusterip';
const DIAGNOSTICS = 'single-node/diagnostics';

interface GqlResult<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface FlowNode {
  id: string;
  key: string;
  client: string;
  service: string;
  backend: string | null;
  backendPod: string | null;
  state: string;
  firstNs: string;
  lastNs: string;
}

describe('GraphQL API over the fixture analyses', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  let otherKey: string;
  let readKey: string;
  const analyses: Record<string, { id: string; captures: string[]; snapshot: string }> = {};

  async function gql<T>(query: string, variables: object = {}, as = key): Promise<GqlResult<T>> {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: bearer(as),
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GqlResult<T>;
  }

  async function data<T>(query: string, variables: object = {}): Promise<T> {
    const result = await gql<T>(query, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return result.data!;
  }

  const upload = (
    path: string,
    fields: Record<string, string>,
    route: 'captures' | 'snapshots' = 'captures',
  ) => uploadFile(api.url, key, path, fields, route);

  async function analyse(dir: string, extra: Array<{ file: string; label: string }> = []) {
    const base = `${fixturesDir}${dir}/`;
    const captures = [
      await upload(`${base}client.pcap`, { role: 'client', node: NODE, label: 'client-pod' }),
      await upload(`${base}node.pcap`, { role: 'node', node: NODE, label: `node ${NODE}` }),
      await upload(`${base}backend.pcap`, { role: 'backend', node: NODE, label: 'backend' }),
    ];
    for (const { file, label } of extra)
      captures.push(await upload(`${base}${file}`, { role: 'backend', node: NODE, label }));
    const snapshot = await upload(
      `${base}snapshot/kubectl-get-svc-pods-endpointslices-nodes.json`,
      {},
      'snapshots',
    );
    const created = await data<{ createAnalysis: { id: string; status: string } }>(
      `mutation($input: CreateAnalysisInput!) { createAnalysis(input: $input) { id status } }`,
      { input: { captures, snapshots: [snapshot], name: dir } },
    );
    return { id: created.createAnalysis.id, captures, snapshot };
  }

  async function waitFor(id: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const { analysis } = await data<{ analysis: { status: string; error: string | null } }>(
        `query($id: ID!) { analysis(id: $id) { status error } }`,
        { id },
      );
      if (analysis.status === 'FAILED') throw new Error(`analysis failed: ${analysis.error}`);
      if (analysis.status === 'SUCCEEDED') return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`analysis ${id} did not finish`);
  }

  const FLOWS = `query($analysisId: ID!, $filter: FlowFilterInput, $first: Int, $after: String, $orderBy: FlowOrder) {
    flows(analysisId: $analysisId, filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id key client service backend backendPod state firstNs lastNs } }
    }
  }`;

  async function flows(dir: string, filter: object = {}, first = 500): Promise<FlowNode[]> {
    const result = await data<{ flows: { totalCount: number; edges: Array<{ node: FlowNode }> } }>(FLOWS, {
      analysisId: analyses[dir].id,
      filter,
      first,
    });
    if (result.flows.edges.length < first) expect(result.flows.totalCount).toBe(result.flows.edges.length);
    return result.flows.edges.map((e) => e.node);
  }

  const clients = (list: FlowNode[]) => list.map((f) => f.client).sort();

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'graphql', 'write')).key;
    readKey = (await issueKey(stack.databaseUrl, 'graphql', 'read')).key;
    otherKey = (await issueKey(stack.databaseUrl, 'graphql-other', 'write')).key;
    api = await stack.startApi();
    await stack.startWorker();
    analyses[CLUSTERIP] = await analyse(CLUSTERIP);
    analyses[DIAGNOSTICS] = await analyse(DIAGNOSTICS, [{ file: 'backend-dns.pcap', label: 'backend dns' }]);
    await Promise.all(Object.values(analyses).map((a) => waitFor(a.id)));
  }, 120_000);
  afterAll(async () => stack?.dispose());

  it('which pod got this connection: flows by client address name the backend pod of the ground truth', async () => {
    for (const truth of groundTruth(CLUSTERIP).connections) {
      const [ip, port] = truth.client.split(':');
      const found = await flows(CLUSTERIP, { ip, port: Number(port), service: 'network-test/nginx' });
      const mine = found.filter((f) => f.client === truth.client);
      expect(mine, truth.id).toHaveLength(1);
      expect(mine[0].backend, truth.id).toBe(truth.backend);
      expect(mine[0].backendPod, truth.id).toBe(`network-test/${truth.backend_pod}`);
    }
  });

  it('filters return exactly the flows the ground truth says, alone and combined', async () => {
    const truth = groundTruth(CLUSTERIP).connections;
    const all = await flows(CLUSTERIP, { service: 'network-test/nginx' });
    expect(clients(all)).toEqual(truth.map((c) => c.client).sort());
    expect(clients(await flows(CLUSTERIP, { service: 'network-test/nginx:http' }))).toEqual(clients(all));
    expect(clients(await flows(CLUSTERIP, { service: '10.233.9.232:80' }))).toEqual(clients(all));
    expect(clients(await flows(CLUSTERIP, { translationKind: 'DNAT', protocol: 'tcp', port: 80 }))).toEqual(
      clients(all),
    );
    expect(clients(await flows(CLUSTERIP, { node: NODE, service: 'network-test/nginx' }))).toEqual(
      clients(all),
    );
    expect(await flows(CLUSTERIP, { node: 'no-such-node' })).toEqual([]);
    expect(await flows(CLUSTERIP, { protocol: 'udp', service: 'network-test/nginx' })).toEqual([]);
    for (const pod of new Set(truth.map((c) => c.backend_pod!))) {
      const expected = truth.filter((c) => c.backend_pod === pod);
      const byPod = await flows(CLUSTERIP, { pod });
      expect(clients(byPod), pod).toEqual(expected.map((c) => c.client).sort());
      expect(clients(await flows(CLUSTERIP, { pod: `network-test/${pod}` }))).toEqual(clients(byPod));
      // The backend's address matches on any side, and combines with the others.
      const ip = expected[0].backend!.split(':')[0];
      expect(clients(await flows(CLUSTERIP, { ip, states: ['CLOSED', 'ESTABLISHED', 'RESET'] }))).toEqual(
        clients(byPod),
      );
      expect(
        await flows(CLUSTERIP, { ip, pod: truth.find((c) => c.backend_pod !== pod)!.backend_pod }),
      ).toEqual([]);
    }
    // A client pod: its address (from the snapshot) on any side.
    const fromClient = await flows(CLUSTERIP, { ip: '10.233.66.94' });
    expect(fromClient.length).toBeGreaterThanOrEqual(truth.length);
    expect(clients(await flows(CLUSTERIP, { pod: 'network-test/client-pod' }))).toEqual(clients(fromClient));
    expect(clients(await flows(CLUSTERIP, { pod: 'client-pod', service: 'network-test/nginx' }))).toEqual(
      clients(all),
    );
    expect(await flows(CLUSTERIP, { pod: 'no-such-pod' })).toEqual([]);
    // Time range: the flows active in a window, from their own timestamps.
    const ordered = [...all].sort((a, b) => (BigInt(a.firstNs) < BigInt(b.firstNs) ? -1 : 1));
    const from = ordered[5].firstNs;
    const to = ordered[9].firstNs;
    const inWindow = all.filter((f) => BigInt(f.lastNs) >= BigInt(from) && BigInt(f.firstNs) <= BigInt(to));
    expect(inWindow.length).toBeGreaterThanOrEqual(5);
    expect(
      clients(await flows(CLUSTERIP, { fromNs: from, toNs: to, service: 'network-test/nginx' })),
    ).toEqual(clients(inWindow));
  });

  it('what failed and where: states and finding codes select the failed connections of the ground truth', async () => {
    const truth = groundTruth(DIAGNOSTICS).connections;
    const byOutcome = (re: RegExp) =>
      truth
        .filter((c) => re.test(c.outcome))
        .map((c) => c.client)
        .sort();
    const failed = await flows(DIAGNOSTICS, {
      states: ['UNANSWERED', 'RESET', 'ICMP_ERROR'],
      protocol: 'tcp',
    });
    expect(clients(failed)).toEqual(byOutcome(/refused|timeout|unreachable/));
    expect(clients(await flows(DIAGNOSTICS, { states: ['RESET'] }))).toEqual(byOutcome(/tcp_reset/));
    expect(
      clients(await flows(DIAGNOSTICS, { service: 'network-test/dns-echo', states: ['ANSWERED'] })),
    ).toEqual(byOutcome(/dns_answer/));

    const { findings } = await data<{
      findings: Array<{ code: string; severity: string; flowKeys: string[]; flows: Array<{ key: string }> }>;
    }>(`query($id: ID!) { findings(analysisId: $id) { code severity flowKeys flows { key } } }`, {
      id: analyses[DIAGNOSTICS].id,
    });
    expect(findings.length).toBeGreaterThan(0);
    for (const code of new Set(findings.map((f) => f.code))) {
      const keys = new Set(findings.filter((f) => f.code === code).flatMap((f) => f.flowKeys));
      const selected = await flows(DIAGNOSTICS, { findingCode: code });
      expect(new Set(selected.map((f) => f.key)), code).toEqual(keys);
      const byCode = await data<{ findings: Array<{ code: string }> }>(
        `query($id: ID!, $code: String) { findings(analysisId: $id, code: $code) { code } }`,
        { id: analyses[DIAGNOSTICS].id, code },
      );
      expect(new Set(byCode.findings.map((f) => f.code))).toEqual(new Set([code]));
    }
    for (const f of findings) expect(f.flows.map((x) => x.key).sort()).toEqual([...f.flowKeys].sort());
    const errors = await data<{ findings: Array<{ severity: string }> }>(
      `query($id: ID!) { findings(analysisId: $id, severity: "error") { severity } }`,
      { id: analyses[DIAGNOSTICS].id },
    );
    expect(errors.findings.length).toBe(findings.filter((f) => f.severity === 'error').length);
  });

  it('what did the node translate: perspectives, translations and sightings of one flow', async () => {
    const truth = groundTruth(CLUSTERIP).connections[1];
    const [ip, port] = truth.client.split(':');
    const { flows: page } = await data<{
      flows: {
        edges: Array<{
          node: {
            pcapngUrl: string;
            original: { src: string; dst: string };
            translated: { src: string; dst: string };
            communityIdClient: string | null;
            perspectives: Array<{ src: string; dst: string; capture: { label: string; role: string } }>;
            translations: Array<{
              kind: string;
              before: { dst: string };
              after: { dst: string };
              description: string;
            }>;
            sightings: { totalCount: number; edges: Array<{ node: { referenceTimestampNs: string } }> };
          };
        }>;
      };
    }>(
      `query($id: ID!, $ip: String, $port: Int) {
        flows(analysisId: $id, filter: { ip: $ip, port: $port }) { edges { node {
          pcapngUrl original { src dst } translated { src dst } communityIdClient
          perspectives { src dst capture { label role } }
          translations { kind before { dst } after { dst } description }
          sightings(first: 100) { totalCount edges { node { referenceTimestampNs } } }
        } } }
      }`,
      { id: analyses[CLUSTERIP].id, ip, port: Number(port) },
    );
    const flow = page.edges[0].node;
    expect(flow.original).toEqual({ src: truth.client, dst: truth.service });
    expect(flow.translated.dst).toBe(truth.backend);
    expect(flow.communityIdClient).toMatch(/^1:/);
    expect(flow.pcapngUrl).toMatch(new RegExp(`^/v1/analyses/${analyses[CLUSTERIP].id}/flows/.+/pcapng$`));
    expect(new Set(flow.perspectives.map((p) => p.capture.label))).toEqual(
      new Set(['client-pod', `node ${NODE}`, 'backend']),
    );
    const dnat = flow.translations.find((t) => t.kind === 'DNAT')!;
    expect(dnat.before.dst).toBe(truth.service);
    expect(dnat.after.dst).toBe(truth.backend);
    expect(dnat.description).toBe(`DNAT ${truth.service} -> ${truth.backend}`);
    const times = flow.sightings.edges.map((e) => BigInt(e.node.referenceTimestampNs));
    expect(times.length).toBe(flow.sightings.totalCount);
    expect(times.length).toBeGreaterThan(0);
    for (let i = 1; i < times.length; i++) expect(times[i] >= times[i - 1]).toBe(true);
  });

  it('is the load balanced: observed share per backend against the expected share', async () => {
    const { services } = await data<{
      services: Array<{
        frontend: string;
        serviceName: string | null;
        flows: number;
        expectedUnavailable: string | null;
        backends: Array<{
          backend: string;
          pod: string;
          flows: number;
          observedShare: number;
          expectedShare: number;
        }>;
      }>;
    }>(
      `query($id: ID!) { services(analysisId: $id) {
        frontend serviceName flows expectedUnavailable
        backends { backend pod flows observedShare expectedShare }
      } }`,
      { id: analyses[CLUSTERIP].id },
    );
    const nginx = services.find((s) => s.frontend === '10.233.9.232:80')!;
    expect(nginx.serviceName).toBe('network-test/nginx:http');
    expect(nginx.expectedUnavailable).toBeNull();
    const truth = groundTruth(CLUSTERIP).connections;
    expect(nginx.flows).toBe(truth.length);
    expect(nginx.backends).toHaveLength(3);
    for (const b of nginx.backends) {
      const count = truth.filter((c) => c.backend === b.backend).length;
      expect(b.flows, b.backend).toBe(count);
      expect(b.observedShare).toBeCloseTo(count / truth.length, 6);
      expect(b.expectedShare).toBeCloseTo(1 / 3, 6);
    }
  });

  it('pages are stable: first/after walks every flow once, in order, both ways', async () => {
    for (const orderBy of ['FIRST_SEEN_ASC', 'FIRST_SEEN_DESC', 'LAST_SEEN_ASC', 'LAST_SEEN_DESC']) {
      const whole = await data<{ flows: { edges: Array<{ node: { key: string } }> } }>(FLOWS, {
        analysisId: analyses[CLUSTERIP].id,
        first: 500,
        orderBy,
      });
      const keys: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const page: {
          flows: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            edges: Array<{ node: { key: string } }>;
          };
        } = await data(FLOWS, { analysisId: analyses[CLUSTERIP].id, first: 6, after, orderBy });
        expect(page.flows.totalCount).toBe(whole.flows.edges.length);
        keys.push(...page.flows.edges.map((e) => e.node.key));
        if (!page.flows.pageInfo.hasNextPage) break;
        after = page.flows.pageInfo.endCursor;
      }
      expect(keys, orderBy).toEqual(whole.flows.edges.map((e) => e.node.key));
      expect(new Set(keys).size).toBe(keys.length);
    }
    const bad = await gql(FLOWS, { analysisId: analyses[CLUSTERIP].id, after: 'not-a-cursor' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const huge = await gql(FLOWS, { analysisId: analyses[CLUSTERIP].id, first: 501 });
    expect(huge.errors?.[0].message).toMatch(/first must be 1\.\.500/);

    const list = await data<{ analyses: { totalCount: number; edges: Array<{ node: { id: string } }> } }>(
      `{ analyses(first: 1) { totalCount edges { node { id } } pageInfo { endCursor } } }`,
    );
    expect(list.analyses.totalCount).toBe(2);
  });

  it('another project sees nothing of this one, through every field', async () => {
    const id = analyses[CLUSTERIP].id;
    const one = (await flows(CLUSTERIP, {}, 1))[0];
    const asOther = <T>(query: string, variables: object = {}) => gql<T>(query, variables, otherKey);
    expect(
      (await asOther<{ analysis: null }>(`query($id: ID!) { analysis(id: $id) { id } }`, { id })).data,
    ).toEqual({
      analysis: null,
    });
    for (const query of [
      `query($id: ID!) { flows(analysisId: $id) { totalCount } }`,
      `query($id: ID!) { flow(analysisId: $id, id: "${one.id}") { key } }`,
      `query($id: ID!) { findings(analysisId: $id) { code } }`,
      `query($id: ID!) { services(analysisId: $id) { frontend } }`,
      `mutation($id: ID!) { rerunAnalysis(id: $id) { id } }`,
      `mutation($id: ID!) { deleteAnalysis(id: $id) }`,
    ]) {
      const result = await asOther<unknown>(query, { id });
      expect(
        Object.values(result.data ?? {}).filter((v) => v !== null),
        query,
      ).toEqual([]);
      expect(result.errors?.[0].extensions?.code, query).toBe('NOT_FOUND');
    }
    const lists = await asOther<{
      analyses: { totalCount: number };
      captures: unknown[];
      snapshots: unknown[];
    }>(`{ analyses { totalCount } captures { id } snapshots { id } }`);
    expect(lists.data).toEqual({ analyses: { totalCount: 0 }, captures: [], snapshots: [] });
    const create = await asOther<unknown>(
      `mutation($input: CreateAnalysisInput!) { createAnalysis(input: $input) { id } }`,
      { input: { captures: analyses[CLUSTERIP].captures } },
    );
    expect(create.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const pcapng = await fetch(`${api.url}/v1/analyses/${id}/flows/${one.id}/pcapng`, {
      headers: bearer(otherKey),
    });
    expect(pcapng.status).toBe(404);
    // ... and the owner still has it all.
    expect((await flows(CLUSTERIP, {}, 500)).length).toBeGreaterThanOrEqual(20);
    // A flow of one analysis is not found through another of the same project.
    const cross = await gql<{ flow: null }>(
      `query($a: ID!, $f: ID!) { flow(analysisId: $a, id: $f) { key } }`,
      {
        a: analyses[DIAGNOSTICS].id,
        f: one.id,
      },
    );
    expect(cross.data).toEqual({ flow: null });
    // Without a key, nothing; a read key cannot mutate.
    const anonymous = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ analyses { totalCount } }` }),
    });
    expect(((await anonymous.json()) as GqlResult<unknown>).errors?.[0].message).toMatch(/missing API key/);
    const readOnly = await gql(`mutation($id: ID!) { rerunAnalysis(id: $id) { id } }`, { id }, readKey);
    expect(readOnly.errors?.[0].message).toMatch(/needs a write key/);
  });

  it('refuses deep and huge queries with a clear error before touching the database', async () => {
    const deep = await gql(
      `query($id: ID!) { findings(analysisId: $id) { flows { perspectives { capture { id } } findings { flows {
        findings { flows { findings { flows { translations { before { src } } } } } } } } } } }`,
      { id: analyses[CLUSTERIP].id },
    );
    expect(deep.errors?.[0].extensions?.code).toBe('QUERY_TOO_DEEP');
    expect(deep.errors?.[0].message).toMatch(/depth \d+ exceeds the limit of 10/);
    const huge = await gql(
      `query($id: ID!) { flows(analysisId: $id, first: 500) { edges { node {
        sightings(first: 500) { edges { node { src dst frame timestampNs } } } } } } }`,
      { id: analyses[CLUSTERIP].id },
    );
    expect(huge.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(huge.errors?.[0].message).toMatch(/complexity \d+ exceeds the limit of 100000/);
    // Introspection (Apollo Sandbox) is not a deep query.
    const schema = await gql<{
      __schema: {
        types: Array<{
          name: string;
          description: string | null;
          fields: Array<{ name: string; description: string | null }> | null;
          inputFields: Array<{ name: string; description: string | null }> | null;
        }>;
      };
    }>(
      `{ __schema { types { name description fields { name description type { name ofType { name ofType { name ofType { name } } } } } inputFields { name description } } } }`,
    );
    expect(schema.errors).toBeUndefined();
    // Every type and field of ours is described (built-in scalars and introspection types are not ours).
    const ours = schema.data!.__schema.types.filter(
      (t) => !t.name.startsWith('__') && !['String', 'Boolean', 'Int', 'Float', 'ID'].includes(t.name),
    );
    expect(ours.length).toBeGreaterThan(20);
    const undescribed = ours.flatMap((t) => [
      ...(t.description ? [] : [t.name]),
      ...[...(t.fields ?? []), ...(t.inputFields ?? [])]
        .filter((f) => !f.description)
        .map((f) => `${t.name}.${f.name}`),
    ]);
    expect(undescribed).toEqual([]);
  });

  it('createAnalysis has the same per-key rate limit as POST /v1/analyses', async () => {
    const limited = await stack.startApi({ RATE_LIMIT_ANALYSES_PER_MINUTE: '1' });
    const fresh = (await issueKey(stack.databaseUrl, 'graphql', 'write')).key;
    const create = async () => {
      const res = await fetch(`${limited.url}/graphql`, {
        method: 'POST',
        headers: bearer(fresh),
        body: JSON.stringify({
          query: `mutation($input: CreateAnalysisInput!) { createAnalysis(input: $input) { id } }`,
          variables: { input: { captures: ['00000000-0000-4000-8000-000000000000'] } },
        }),
      });
      return ((await res.json()) as GqlResult<unknown>).errors?.[0];
    };
    expect((await create())?.extensions?.code).toBe('NOT_FOUND');
    const second = await create();
    expect(second?.extensions?.code).toBe('TOO_MANY_REQUESTS');
    expect(second?.message).toMatch(/may make 1 analyses a minute/);
    await limited.stop('SIGKILL');
  });

  it("the README's example queries run and answer", async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## GraphQL'));
    const block = /```graphql\n([\s\S]*?)```/.exec(section.slice(section.indexOf('seed article')))![1];
    const operations = block.split(/\n(?=# \d\.)/).filter((op) => /query \w+/.test(op));
    expect(operations).toHaveLength(5);
    const answers: Record<string, unknown> = {};
    for (const op of operations) {
      const name = /query (\w+)/.exec(op)![1];
      const dir = /WhatFailed|WhereDidItStop/.test(name) ? DIAGNOSTICS : CLUSTERIP;
      answers[name] = await data(op, { id: analyses[dir].id });
    }
    const which = answers.WhichPod as { flows: { edges: Array<{ node: { backendPod: string } }> } };
    expect(which.flows.edges.map((e) => e.node.backendPod)).toEqual(['network-test/nginx-54c98b4f84-p9w4d']);
    const node = answers.WhatDidTheNodeDo as { flows: { totalCount: number } };
    expect(node.flows.totalCount).toBe(groundTruth(CLUSTERIP).connections.length);
    expect((answers.WhatFailed as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    expect((answers.WhereDidItStop as { flows: { edges: unknown[] } }).flows.edges.length).toBeGreaterThan(0);
  });

  it('createAnalysis, analysisProgress over graphql-ws, rerunAnalysis and deleteAnalysis', async () => {
    const { captures, snapshot } = analyses[CLUSTERIP];
    const created = await data<{ createAnalysis: { id: string } }>(
      `mutation($input: CreateAnalysisInput!) { createAnalysis(input: $input) { id status } }`,
      { input: { captures: captures.slice(0, 1), snapshots: [snapshot], name: 'client only' } },
    );
    const id = created.createAnalysis.id;
    const client = createClient({
      url: `${api.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
    });
    try {
      const events: Array<{ status: string; stage: string | null; progress: number }> = [];
      await new Promise<void>((resolve, reject) => {
        client.subscribe<{ analysisProgress: { status: string; stage: string | null; progress: number } }>(
          {
            query: `subscription($id: ID!) { analysisProgress(id: $id) { id status stage progress error } }`,
            variables: { id },
          },
          {
            next: (message) => {
              if (message.errors) reject(new Error(JSON.stringify(message.errors)));
              else events.push(message.data!.analysisProgress);
            },
            error: reject,
            complete: resolve,
          },
        );
      });
      expect(events.length).toBeGreaterThan(0);
      expect(events.at(-1)).toMatchObject({ status: 'SUCCEEDED', progress: 100 });
      for (let i = 1; i < events.length; i++) expect(events[i]).not.toEqual(events[i - 1]);

      // Another project's key cannot follow it.
      const other = createClient({
        url: `${api.url.replace('http', 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${otherKey}` },
        retryAttempts: 0,
      });
      const refused = await new Promise<unknown>((resolve) => {
        other.subscribe(
          { query: `subscription($id: ID!) { analysisProgress(id: $id) { status } }`, variables: { id } },
          { next: (m) => resolve(m.errors), error: resolve, complete: () => resolve('completed') },
        );
      });
      await other.dispose();
      expect(JSON.stringify(refused)).toMatch(/no analysis/);

      // The limits hold over graphql-ws too.
      const fields = Array.from({ length: 100_001 }, (_, i) => `f${i}: progress`).join(' ');
      const tooComplex = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: `subscription($id: ID!) { analysisProgress(id: $id) { ${fields} } }`, variables: { id } },
          { next: (m) => resolve(m.errors), error: resolve, complete: () => resolve('completed') },
        );
      });
      expect(JSON.stringify(tooComplex)).toMatch(/QUERY_TOO_COMPLEX|complexity \d+ exceeds/);
    } finally {
      await client.dispose();
    }

    const rerun = await data<{ rerunAnalysis: { id: string; status: string } }>(
      `mutation($id: ID!) { rerunAnalysis(id: $id) { id status } }`,
      { id },
    );
    expect(rerun.rerunAnalysis.id).toBe(id);
    expect(['QUEUED', 'RUNNING', 'SUCCEEDED']).toContain(rerun.rerunAnalysis.status);
    await waitFor(id);
    expect(await data(`mutation($id: ID!) { deleteAnalysis(id: $id) }`, { id })).toEqual({
      deleteAnalysis: true,
    });
    expect(await data(`query($id: ID!) { analysis(id: $id) { id } }`, { id })).toEqual({ analysis: null });
  });
});
