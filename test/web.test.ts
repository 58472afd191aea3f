// The web UI in a real browser (Debian's chromium driven by playwright-core) against the real api
// and worker: sign in with a key, open an analysis of each fixture scenario, open a flow from the
// flows table and read its ladder diagram. Nothing may leave 127.0.0.1 and the console must stay
// free of errors.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { uploadFile } from './support/uploads.js';
import { createStack, type RunningApi, type Stack } from './support/stack.js';

const CHROMIUM = '/usr/bin/chromium';

interface Scenario {
  name: string;
  dir: string;
  captures: Array<{ file: string; role: string; node: string; label?: string }>;
  snapshots: Array<{ file: string; node?: string }>;
}

const NODE = 'k8s-compute-02';
const single = (name: string, extra: Scenario['captures'] = []): Scenario => ({
  name,
  dir: `single-node/${name}`,
  captures: [
    { file: 'client.pcap', role: 'client', node: NODE },
    { file: 'node.pcap', role: 'node', node: NODE },
    { file: 'backend.pcap', role: 'backend', node: NODE },
    ...extra,
  ],
  snapshots: [
    { file: 'snapshot/kubectl-get-svc-pods-endpointslices-nodes.json' },
    { file: 'snapshot/node-ip-addr.txt', node: NODE },
  ],
});

const SCENARIOS: Scenario[] = [
  single('clusterip'),
  single('diagnostics', [{ file: 'backend-dns.pcap', role: 'backend', node: NODE, label: 'backend dns' }]),
  {
    name: 'multinode-vxlan',
    dir: 'multi-node/multinode-vxlan',
    captures: [
      { file: 'client.pcap', role: 'client', node: 'k8s-compute-01' },
      { file: 'node-k8s-compute-01.pcap', role: 'node', node: 'k8s-compute-01' },
      { file: 'node-k8s-compute-02-skewed.pcap', role: 'node', node: 'k8s-compute-02' },
      { file: 'backend-nginx-54c98b4f84-ftvlg.pcap', role: 'backend', node: 'k8s-compute-01' },
      { file: 'backend-nginx-54c98b4f84-7xk2m-skewed.pcap', role: 'backend', node: 'k8s-compute-02' },
    ],
    snapshots: [
      { file: 'snapshot/kubectl-get-svc-pods-endpointslices-nodes.json' },
      { file: 'snapshot/k8s-compute-01-ip-addr.txt', node: 'k8s-compute-01' },
      { file: 'snapshot/k8s-compute-02-ip-addr.txt', node: 'k8s-compute-02' },
    ],
  },
];

/** What a page did that it must not: requests off this host, console errors, uncaught exceptions. */
interface Watch {
  requests: string[];
  errors: string[];
}

describe('web UI: sign in, an analysis, a flow and its ladder in chromium', () => {
  let stack: Stack;
  let api: RunningApi;
  let key: string;
  let profile: string;
  let browser: BrowserContext;
  const analyses = new Map<string, string>();

  beforeAll(async () => {
    stack = await createStack();
    key = (await issueKey(stack.databaseUrl, 'web', 'write')).key;
    api = await stack.startApi();
    await stack.startWorker();
    for (const scenario of SCENARIOS) {
      const base = `${fixturesDir}${scenario.dir}/`;
      const captures: string[] = [];
      for (const { file, ...fields } of scenario.captures)
        captures.push(await uploadFile(api.url, key, `${base}${file}`, fields));
      const snapshots: string[] = [];
      for (const { file, node } of scenario.snapshots)
        snapshots.push(await uploadFile(api.url, key, `${base}${file}`, node ? { node } : {}, 'snapshots'));
      const res = await fetch(`${api.url}/v1/analyses?wait=120`, {
        method: 'POST',
        headers: bearer(key),
        body: JSON.stringify({ captures, snapshots, name: scenario.name }),
      });
      const analysis = (await res.json()) as { id: string; status: string; error: string | null };
      expect(analysis.error).toBeNull();
      expect(analysis.status).toBe('SUCCEEDED');
      analyses.set(scenario.name, analysis.id);
    }
    profile = await mkdtemp(join(tmpdir(), 'natlens-web-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await stack?.dispose();
  });

  async function open(): Promise<{ page: Page; watch: Watch }> {
    const page = await browser.newPage();
    const watch: Watch = { requests: [], errors: [] };
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'blob:' || url.protocol === 'data:') return;
      if (url.hostname !== '127.0.0.1') watch.requests.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') watch.errors.push(message.text());
    });
    page.on('pageerror', (error) => watch.errors.push(`uncaught: ${error.message}`));
    return { page, watch };
  }

  /** Sign in through the form, open the named analysis from the list, then a flow from its table. */
  async function toFlow(
    page: Page,
    analysis: string,
    row: string,
  ): Promise<{ analysisId: string; flowId: string }> {
    await page.goto(`${api.url}/`);
    const input = page.locator('input[name=apiKey]');
    await input.fill(key);
    await input.press('Enter');
    await page.locator('[data-testid=analysis-row]').first().waitFor();
    await page.locator('[data-testid=analysis-row] a', { hasText: analysis }).click();
    await page.waitForURL(/\/analyses\/[0-9a-f-]+$/);
    await page.locator('[data-testid=flow-row]').first().waitFor();
    await page.locator(`[data-testid=flow-row]${row} a`).first().click();
    await page.locator('[data-testid=ladder]').waitFor();
    const match = /\/analyses\/([^/]+)\/flows\/([^/]+)$/.exec(new URL(page.url()).pathname);
    expect(match, page.url()).not.toBeNull();
    return { analysisId: match![1], flowId: match![2] };
  }

  async function sightingCount(analysisId: string, flowId: string): Promise<number> {
    const res = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({
        query:
          'query($a: ID!, $f: ID!) { flow(analysisId: $a, id: $f) { sightings(first: 1) { totalCount } } }',
        variables: { a: analysisId, f: flowId },
      }),
    });
    const body = (await res.json()) as { data: { flow: { sightings: { totalCount: number } } } };
    return body.data.flow.sightings.totalCount;
  }

  function clean(page: Page, watch: Watch): void {
    expect(watch.requests, 'requests that left 127.0.0.1').toEqual([]);
    expect(watch.errors, 'console errors').toEqual([]);
    expect(page.url()).not.toContain(key);
  }

  it('clusterip: a ladder with a lane per stage, an arrow per sighting and the DNAT written on it', async () => {
    const { page, watch } = await open();
    const { analysisId, flowId } = await toFlow(page, 'clusterip', '');
    expect(analysisId).toBe(analyses.get('clusterip'));

    expect(await page.locator('[data-testid=lane]').count()).toBeGreaterThanOrEqual(3);
    const stages = await page
      .locator('[data-testid=lane]')
      .evaluateAll((lanes) => lanes.map((l) => l.getAttribute('data-stage')));
    expect(stages).toEqual(expect.arrayContaining(['before DNAT', 'after DNAT']));
    // Lanes name their interfaces (the node's `ip addr` names LINUX_SLL2's indexes).
    expect(await page.locator('[data-testid=lane]').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/veth[0-9a-f]+/)]),
    );
    const sightings = await sightingCount(analysisId, flowId);
    expect(sightings).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=packet]').count()).toBe(sightings);
    const translations = await page.locator('[data-testid=translation] text').allTextContents();
    expect(translations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DNAT 10\.233\.9\.232:80 → 10\.233\.\d+\.\d+:80 · [\d.]+ µs$/),
      ]),
    );

    // Beneath: the perspective table, the Mermaid text, and the pcapng fetched with the key.
    expect(await page.locator('[data-testid=perspectives] tbody tr').count()).toBeGreaterThanOrEqual(4);
    const diagram = await page.locator('[data-testid=mermaid]').textContent();
    expect(diagram).toMatch(/^sequenceDiagram\n {2}participant L0 as client/);
    expect(diagram).toMatch(/L1->>L2: \[S\] DNAT 10\.233\.9\.232:80 → /);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=pcapng]').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^flow-[0-9a-f]+\.pcapng$/);
    const bytes = await readFile((await download.path())!);
    expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a);

    // A reload of the flow's URL is answered by the server (client-side route) and stays signed in.
    await page.reload();
    await page.locator('[data-testid=ladder]').waitFor();
    expect(await page.locator('[data-testid=packet]').count()).toBe(sightings);

    // Keyboard: the flows table's links are real links; Sign out forgets the key.
    await page.getByRole('link', { name: 'clusterip' }).click();
    await page.locator('[data-testid=flow-row]').first().waitFor();
    expect(await page.locator('[data-testid=flow-row]').count()).toBe(20);
    expect(await page.locator('[data-testid=finding]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=service] svg rect.bar.expected').count()).toBe(3);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input[name=apiKey]').waitFor();
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    clean(page, watch);
    await page.close();
  });

  it('multinode-vxlan: overlay lanes, and the skewed node put back on the reference clock', async () => {
    const { page, watch } = await open();
    // A connection DNATed to the pod on the other node (10.233.65.111, nginx-7xk2m on k8s-compute-02).
    const { analysisId, flowId } = await toFlow(page, 'multinode-vxlan', ':has-text("10.233.65.111")');

    const stages = await page
      .locator('[data-testid=lane]')
      .evaluateAll((lanes) => lanes.map((l) => l.getAttribute('data-stage')));
    expect(stages.length).toBeGreaterThanOrEqual(6);
    expect(stages.filter((s) => s === 'overlay vxlan').length).toBeGreaterThanOrEqual(1);
    const sightings = await sightingCount(analysisId, flowId);
    expect(await page.locator('[data-testid=packet]').count()).toBe(sightings);
    const translations = await page.locator('[data-testid=translation] text').allTextContents();
    expect(translations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DNAT 10\.233\.9\.232:80 → 10\.233\.65\.111:80/),
        expect.stringMatching(/^ENCAP vxlan 192\.168\.56\.11 > 192\.168\.56\.12 vni 1/),
      ]),
    );
    // Every hop goes down the page, and the whole exchange spans microseconds, not the 1.73 s the
    // k8s-compute-02 captures' clock is off by.
    const hops = await page
      .locator('[data-testid=packet][data-hop=hop]')
      .evaluateAll((gs) =>
        gs.map((g) => [Number(g.getAttribute('data-y1')), Number(g.getAttribute('data-y2'))]),
      );
    expect(hops.length).toBeGreaterThan(10);
    for (const [y1, y2] of hops) expect(y2).toBeGreaterThan(y1);
    const since = await page
      .locator('[data-testid=packet]')
      .evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-since-ns'))));
    expect(Math.max(...since)).toBeLessThan(50_000_000);
    expect(await page.locator('[data-testid=lost]').count()).toBe(0);
    clean(page, watch);
    await page.close();
  });

  it('a share link opens its analysis and flows without a key, and leaves the address bar', async () => {
    const id = analyses.get('diagnostics')!;
    const res = await fetch(`${api.url}/v1/analyses/${id}/share?ttl=600`, {
      method: 'POST',
      headers: bearer(key),
    });
    const { url } = (await res.json()) as { url: string };
    const { page, watch } = await open();
    await page.goto(url);
    await page.locator('[data-testid=flow-row]').first().waitFor();
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('input[name=apiKey]').count()).toBe(0);
    await page.locator('[data-testid=flow-row][data-state=UNANSWERED] a').click();
    await page.locator('[data-testid=ladder]').waitFor();
    expect(await page.locator('[data-testid=lost]').count()).toBeGreaterThanOrEqual(1);
    await page.goto(`${api.url}/`);
    await page.getByRole('link', { name: 'Open the shared analysis' }).waitFor();
    clean(page, watch);
    await page.close();
  });

  it('diagnostics: the unanswered SYNs end at the last capture point that saw them, marked lost', async () => {
    const { page, watch } = await open();
    const { analysisId, flowId } = await toFlow(page, 'diagnostics', '[data-state=UNANSWERED]');

    expect(await page.locator('[data-testid=lane]').count()).toBeGreaterThanOrEqual(3);
    const sightings = await sightingCount(analysisId, flowId);
    expect(await page.locator('[data-testid=packet]').count()).toBe(sightings);
    expect(await page.locator('[data-testid=translation] text').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^DNAT 10\.233\.20\.50:80 → 10\.233\.67\.99:80/)]),
    );
    const lost = page.locator('[data-testid=lost]');
    expect(await lost.count()).toBeGreaterThanOrEqual(1);
    // Marked on the backend pod's lane, the last one the SYN reached.
    const lanes = await page.locator('[data-testid=lane]').count();
    expect(await lost.first().getAttribute('data-lane')).toBe(String(lanes - 1));
    expect(await page.locator('[data-testid=finding][data-code=SYN_UNANSWERED]').count()).toBe(1);
    clean(page, watch);
    await page.close();
  });
});
