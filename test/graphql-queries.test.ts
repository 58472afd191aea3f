// No N+1: a page of 100 flows with their perspectives (and each one's capture point), translations
// and findings costs the same, small number of SQL statements as a page of 10. The api runs in
// process (the real AppModule) with its Prisma client on a pg pool that counts every statement
// PostgreSQL receives; the flows are the clusterip fixture's, correlated as the worker does, stored
// five times over to make 100.
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import type { INestApplication } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlateAsync, fileSource } from '#correlate';
import {
  AnalysesRepository,
  CapturesRepository,
  PrismaClient,
  ResultsRepository,
  type CaptureRole,
} from '#persistence';
import { PRISMA } from '#platform';
import { AppModule } from '../apps/api/src/app.module.js';
import { flowRow } from '../apps/worker/src/stages/to-rows.js';
import { fixturesDir } from './support/fixtures.js';
import { bearer, issueKey } from './support/projects.js';
import { createStack, type Stack } from './support/stack.js';

/** SQL statements a page may cost, whatever its size (auth, scope, page, count, one per loader). */
const BOUND = 15;

describe('GraphQL query count', () => {
  let stack: Stack;
  let app: INestApplication;
  let url: string;
  let key: string;
  let analysisId: string;
  let prisma: PrismaClient;
  let pool: pg.Pool;
  let statements = 0;

  beforeAll(async () => {
    stack = await createStack();
    const issued = await issueKey(stack.databaseUrl, 'n-plus-one', 'read');
    key = issued.key;

    // A pg pool that counts every statement sent on any of its connections.
    pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 });
    pool.on('error', () => {});
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        statements++;
        return query(...args);
      };
    });
    prisma = new PrismaClient({ adapter: new PrismaPg(pool) });

    const dir = `${fixturesDir}single-node/clusterip/`;
    const captures = new CapturesRepository(prisma);
    const points: Array<{ id: string; role: CaptureRole; label: string; file: string }> = [];
    for (const [file, role] of [
      ['client.pcap', 'client'],
      ['node.pcap', 'node'],
      ['backend.pcap', 'backend'],
    ] as const) {
      const { capture } = await captures.create({
        projectId: issued.projectId,
        role,
        label: role,
        node: 'k8s-compute-02',
        podNamespace: null,
        podName: null,
        fileName: file,
        sha256: file.padEnd(64, '0'),
        sizeBytes: 1,
        format: 'pcap',
        compressed: false,
        linkTypes: [],
        storagePath: file,
      });
      points.push({ id: capture.id, role, label: role, file: `${dir}${file}` });
    }
    const correlation = await correlateAsync(
      points.map((p) => ({ point: { id: p.id, role: p.role, label: p.label }, packets: fileSource(p.file) })),
    );
    const ids = new Set(points.map((p) => p.id));
    const rows = correlation.flows.map((f) => flowRow(f, ids));
    expect(rows.every((r) => r.perspectives.length && r.translations.length)).toBe(true);
    const copies = Math.ceil(100 / rows.length);
    const hundred = Array.from({ length: copies }, (_, i) =>
      rows.map((r) => ({ ...r, key: `${r.key}-${i}` })),
    )
      .flat()
      .slice(0, 100);
    const analysis = await new AnalysesRepository(prisma).create({
      projectId: issued.projectId,
      name: 'hundred flows',
      captureIds: points.map((p) => p.id),
      snapshotIds: [],
    });
    analysisId = analysis.id;
    const codes = ['SYN_UNANSWERED', 'RESET_BY_BACKEND'];
    await new ResultsRepository(prisma).replace(
      analysisId,
      hundred.map((r, i) => ({ ...r, findingCodes: i % 10 === 0 ? [codes[i % 2]] : [] })),
      codes.map((code, n) => ({
        code,
        severity: 'error',
        title: code,
        detail: '',
        flowKeys: hundred.filter((_, i) => i % 10 === 0 && i % 2 === n).map((r) => r.key),
        evidence: {},
        next: [],
      })),
    );

    Object.assign(process.env, stack.env(), { LOG_LEVEL: 'error' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(PRISMA)
      .useValue(prisma)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await stack?.dispose();
  });

  async function countedPage(
    first: number,
  ): Promise<{ statements: number; flows: number; perspectives: number }> {
    const before = statements;
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({
        query: `query($id: ID!, $first: Int) { flows(analysisId: $id, first: $first) {
          totalCount
          edges { node {
            key client backend
            perspectives { src dst packets capture { label role } }
            translations { kind description before { dst } after { dst } capture { label } }
            findings { code flowKeys }
          } }
        } }`,
        variables: { id: analysisId, first },
      }),
    });
    const body = (await res.json()) as {
      errors?: unknown;
      data: { flows: { totalCount: number; edges: Array<{ node: { perspectives: unknown[] } }> } };
    };
    expect(body.errors).toBeUndefined();
    expect(body.data.flows.totalCount).toBe(100);
    return {
      statements: statements - before,
      flows: body.data.flows.edges.length,
      perspectives: body.data.flows.edges.reduce((n, e) => n + e.node.perspectives.length, 0),
    };
  }

  it('100 flows with perspectives, capture points, translations and findings: a bounded number of SQL statements', async () => {
    const ten = await countedPage(10);
    const hundred = await countedPage(100);
    expect(ten.flows).toBe(10);
    expect(hundred.flows).toBe(100);
    expect(hundred.perspectives).toBeGreaterThanOrEqual(300);
    expect(hundred.statements, `10 flows: ${ten.statements} statements`).toBe(ten.statements);
    expect(hundred.statements).toBeLessThanOrEqual(BOUND);
    console.log(`GraphQL: 100 flows with everything under them in ${hundred.statements} SQL statements`);
  });

  it('findings with the flows they name, with their perspectives: a bounded number too', async () => {
    const before = statements;
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({
        query: `query($id: ID!) { findings(analysisId: $id) { code flows { key perspectives { src } translations { kind } } } }`,
        variables: { id: analysisId },
      }),
    });
    const body = (await res.json()) as { errors?: unknown; data: { findings: Array<{ flows: unknown[] }> } };
    expect(body.errors).toBeUndefined();
    expect(body.data.findings.reduce((n, f) => n + f.flows.length, 0)).toBe(10);
    expect(statements - before).toBeLessThanOrEqual(BOUND);
  });
});
