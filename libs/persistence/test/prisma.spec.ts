import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AnalysisStatus,
  ApiKeyRole,
  applyMigrations,
  CaptureRole,
  createPrismaClient,
  dropDatabase,
  Prisma,
  type PrismaClient,
} from '../src/index.js';
import { randomDatabaseUrl } from './helpers.js';

const databaseUrl = randomDatabaseUrl('prisma');
let prisma: PrismaClient;

beforeAll(async () => {
  await applyMigrations(databaseUrl);
  prisma = createPrismaClient(databaseUrl);
}, 120_000);

afterAll(async () => {
  await prisma?.$disconnect();
  await dropDatabase(databaseUrl);
}, 120_000);

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

describe('PrismaClient on adapter-pg', { timeout: 120_000 }, () => {
  it('round-trips a project, an API key and a capture', async () => {
    const key = `nl_${randomBytes(24).toString('hex')}`;
    const project = await prisma.project.create({
      data: {
        name: 'demo',
        apiKeys: {
          create: { name: 'ci', prefix: key.slice(0, 10), hash: sha256(key), role: ApiKeyRole.write },
        },
      },
    });
    expect(project.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(project.createdAt).toBeInstanceOf(Date);

    const capture = await prisma.capture.create({
      data: {
        projectId: project.id,
        role: CaptureRole.node,
        label: 'k8s-compute-02 any',
        node: 'k8s-compute-02',
        fileName: 'node.pcap',
        sha256: sha256('node.pcap bytes'),
        sizeBytes: 5_000_000_000n,
        format: 'pcapng',
        compressed: true,
        linkTypes: [1, 276],
        storagePath: 'uploads/ab/abcdef',
      },
    });

    const read = await prisma.project.findUniqueOrThrow({
      where: { name: 'demo' },
      include: { apiKeys: true, captures: true },
    });
    expect(read.apiKeys).toHaveLength(1);
    expect(read.apiKeys[0]).toMatchObject({ name: 'ci', role: 'write', hash: sha256(key), revokedAt: null });
    expect(read.captures).toEqual([capture]);
    expect(read.captures[0]).toMatchObject({
      sizeBytes: 5_000_000_000n,
      linkTypes: [1, 276],
      packetCount: null,
      podName: null,
    });

    const byHash = await prisma.apiKey.findUnique({
      where: { hash: sha256(key) },
      include: { project: true },
    });
    expect(byHash?.project.name).toBe('demo');
  });

  it('enforces one capture per (project, sha256)', async () => {
    const project = await prisma.project.create({ data: { name: 'dedupe' } });
    const data = {
      projectId: project.id,
      role: CaptureRole.client,
      label: 'client',
      fileName: 'a.pcap',
      sha256: sha256('same bytes'),
      sizeBytes: 24n,
      format: 'pcap',
      storagePath: 'uploads/x',
    };
    await prisma.capture.create({ data });
    const error = await prisma.capture
      .create({ data: { ...data, fileName: 'b.pcap' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as Prisma.PrismaClientKnownRequestError).code).toBe('P2002');

    // The same bytes in another project are a different capture.
    const other = await prisma.project.create({ data: { name: 'other' } });
    await expect(prisma.capture.create({ data: { ...data, projectId: other.id } })).resolves.toMatchObject({
      projectId: other.id,
    });
  });

  it('links analyses to captures and snapshots, and cascades deletes from the project', async () => {
    const project = await prisma.project.create({ data: { name: 'cascade' } });
    const capture = await prisma.capture.create({
      data: {
        projectId: project.id,
        role: CaptureRole.backend,
        label: 'backend',
        fileName: 'b.pcap',
        sha256: sha256('b'),
        sizeBytes: 1n,
        format: 'pcap',
        storagePath: 'uploads/b',
      },
    });
    const snapshot = await prisma.snapshot.create({
      data: {
        projectId: project.id,
        kind: 'ipvsadm',
        sha256: sha256('ipvs'),
        sizeBytes: 4n,
        raw: 'IP Virtual Server version 1.2.1',
        parsed: { services: [] },
      },
    });
    const analysis = await prisma.analysis.create({
      data: {
        projectId: project.id,
        captures: { create: [{ captureId: capture.id }] },
        snapshots: { create: [{ snapshotId: snapshot.id }] },
      },
      include: { captures: true, snapshots: true },
    });
    expect(analysis).toMatchObject({ status: AnalysisStatus.QUEUED, progress: 0, startedAt: null });
    expect(analysis.captures).toEqual([{ analysisId: analysis.id, captureId: capture.id, position: 0 }]);
    expect(snapshot.skipped).toEqual([]);

    await prisma.project.delete({ where: { id: project.id } });
    expect(await prisma.analysis.count({ where: { projectId: project.id } })).toBe(0);
    expect(await prisma.capture.count({ where: { projectId: project.id } })).toBe(0);
    expect(await prisma.analysisCapture.count({ where: { analysisId: analysis.id } })).toBe(0);
  });
});
