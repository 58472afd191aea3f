// buildReport on real fixture correlations: the JSON follows DESIGN.md's contract, and the md/txt
// perspective tables hold the rows a person reads off tcpdump's output of each capture.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, renderReport, type ReportDocument, type ReportInput } from '../src/index.js';
import {
  correlateFixture,
  groundTruth,
  readText,
  tcpdumpRows,
  type FixtureCapture,
} from './helpers/fixtures.js';

const NODE = 'k8s-compute-02';
const NS = /^-?\d+$/;
const CAPTURES: FixtureCapture[] = [
  { id: 'client', file: 'client.pcap', netns: 'client', role: 'client', node: NODE, pod: 'client-pod' },
  { id: 'node', file: 'node.pcap', netns: 'node', role: 'node', node: NODE },
  { id: 'backend', file: 'backend.pcap', netns: 'pod1', role: 'backend', node: NODE },
];

describe.each(['clusterip', 'nodeport-masq'])('single-node/%s', (scenario) => {
  const dir = `single-node/${scenario}`;
  const truth = groundTruth(dir);
  let input: ReportInput;
  let doc: ReportDocument;

  beforeAll(async () => {
    input = await correlateFixture(dir, CAPTURES);
    input.findings = [
      {
        code: 'TEST_FINDING',
        severity: 'warning',
        title: 'a planted finding',
        detail: 'detail text',
        flows: [input.correlation.flows[0].id],
        evidence: ['node frame 11', { capture: 'node', frame: 12 }],
        next: ['kubectl -n network-test get endpointslices'],
      },
    ];
    doc = buildReport(input);
  });

  it('has the fields of the JSON contract, with nanoseconds as decimal strings', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(doc.analysis).toMatchObject({ id: 'fixture', status: 'SUCCEEDED' });
    for (const c of doc.analysis.captures) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'role', 'label', 'packets']));
      expect(c.packets).toBeGreaterThan(0);
    }
    expect(doc.clockOffsets.map((o) => o.capture).sort()).toEqual(['backend', 'client', 'node']);
    for (const o of doc.clockOffsets) {
      expect(o.offsetNs).toMatch(NS);
      expect(o.spreadNs).toMatch(NS);
    }
    expect(doc.flows.length).toBe(truth.length);
    for (const f of doc.flows) {
      expect(['tcp', 'udp', 'icmp', 'icmpv6', 'sctp']).toContain(f.protocol);
      for (const key of ['id', 'client', 'service', 'state'] as const) expect(typeof f[key]).toBe('string');
      for (const t of f.translations) {
        expect(Object.keys(t)).toEqual(
          expect.arrayContaining(['kind', 'before', 'after', 'capture', 'latencyNs']),
        );
        expect(t.latencyNs).toMatch(NS);
        expect(Object.keys(t.before).sort()).toEqual(['dst', 'src']);
      }
      for (const p of f.perspectives) {
        expect(Object.keys(p)).toEqual(expect.arrayContaining(['capture', 'src', 'dst', 'packets']));
        expect(doc.analysis.captures.map((c) => c.id)).toContain(p.capture);
      }
      expect(f.communityIds?.client).toMatch(/^1:/);
    }
    expect(doc.findings).toEqual([
      {
        code: 'TEST_FINDING',
        severity: 'warning',
        title: 'a planted finding',
        detail: 'detail text',
        flows: [doc.flows[0].id],
        evidence: ['node frame 11', { capture: 'node', frame: 12 }],
        next: ['kubectl -n network-test get endpointslices'],
      },
    ]);
  });

  it('reports every connection of the ground truth, and each service its backend distribution', () => {
    for (const c of truth) {
      const f = doc.flows.find((x) => x.client === c.client && x.service === c.service);
      expect(f, c.id).toBeDefined();
      expect(f!.backend, c.id).toBe(c.backend);
      expect(f!.clientSeenByBackend, c.id).toBe(c.snat_as_seen_by_backend ?? c.client);
      expect(f!.serviceName, c.id).toBe(c.service_name);
      expect(f!.backendPod, c.id).toBe(`network-test/${c.backend_pod}`);
    }
    for (const s of doc.services) {
      const conns = truth.filter((c) => c.service_name === s.serviceName);
      expect(s.flows.length).toBe(conns.length);
      for (const b of s.backends) {
        const n = conns.filter((c) => c.backend === b.backend).length;
        expect(b.connections, `${s.key} ${b.backend}`).toBe(n);
        expect(b.share).toBeCloseTo(n / conns.length);
      }
    }
  });

  it('puts each flow’s perspectives in path order', () => {
    const c = truth[0];
    const f = doc.flows.find((x) => x.client === c.client)!;
    const stages = f.perspectives.map((p) => `${p.direction} ${p.capture} ${p.stage}`);
    expect(stages.slice(0, 3)).toEqual([
      'request client pre-DNAT',
      'request node pre-DNAT',
      'request node post-DNAT',
    ]);
    expect(stages.at(-1)).toBe('reply client pre-DNAT');
    expect(stages.at(-2)).toBe('reply node pre-DNAT');
  });

  it('keeps long reports short, showing the flows a finding names first', () => {
    const last = input.correlation.flows.at(-1)!.id;
    const flagged = buildReport({
      ...input,
      findings: [{ code: 'X', severity: 'info', title: 'x', flows: [last] }],
    });
    const text = renderReport(flagged, 'txt', { maxFlowTables: 2, maxFlowRows: 3 });
    const service = flagged.services.find((x) => x.flows.includes(last))!;
    const tables = [...text.matchAll(/^ {2}Flow (\w+):/gm)]
      .map((m) => m[1])
      .filter((id) => service.flows.includes(id));
    expect(tables).toEqual([service.flows[0], last]);
    expect(text).toContain(`Perspective tables for 2 of ${service.flows.length} flows`);
    expect(text).toContain('Listed 3 of');
  });

  it.each(['txt', 'md'] as const)('%s: perspective tables hold the rows of tcpdump’s output', (format) => {
    const text = renderReport(doc, format, { maxFlowTables: 1000 });
    const checked = truth.filter((c) => c.backend !== null).slice(0, 5);
    let rows = 0;
    for (const c of checked) {
      const f = doc.flows.find((x) => x.client === c.client && x.service === c.service)!;
      const start = text.indexOf(`Flow ${f.id}:`);
      expect(start, c.id).toBeGreaterThan(0);
      const table = text.slice(start, text.indexOf('\n\n', text.indexOf('\n\n', start) + 2)).split('\n');
      const endpoints = new Set([c.client, c.snat_as_seen_by_backend ?? c.client]);
      for (const capture of CAPTURES) {
        for (const row of tcpdumpRows(readText(dir, `${capture.file}.txt`), endpoints)) {
          const line = table.find(
            (l) => l.includes(`${row.src} > ${row.dst}`) && l.includes(`${row.iface} ${row.type}`),
          );
          expect(
            line,
            `${c.id} ${capture.id}: ${row.iface} ${row.type} ${row.src} > ${row.dst}`,
          ).toBeDefined();
          expect(line).toMatch(new RegExp(`\\b${capture.id}\\b`));
          rows++;
        }
      }
    }
    expect(rows).toBeGreaterThanOrEqual(checked.length * 6);
    expect(text).toContain('a planted finding');
    expect(text).toContain('kubectl -n network-test get endpointslices');
  });
});

describe('a report rebuilt from stored rows', () => {
  it('needs only the documented fields and infers direction and stage', () => {
    const doc = buildReport({
      analysis: { id: 'a', status: 'SUCCEEDED', captures: [{ id: 'c1', role: 'node', packets: 4 }] },
      correlation: {
        clockOffsets: [{ capture: 'c1', offsetNs: '0', spreadNs: '0' }],
        flows: [
          {
            id: 'f1',
            protocol: 'tcp',
            client: '10.0.0.1:40000',
            service: '10.96.0.10:80',
            backend: '10.1.0.5:8080',
            clientSeenByBackend: '10.0.0.1:40000',
            serviceName: null,
            backendPod: null,
            state: 'CLOSED',
            translations: [
              {
                kind: 'DNAT',
                before: { src: '10.0.0.1:40000', dst: '10.96.0.10:80' },
                after: { src: '10.0.0.1:40000', dst: '10.1.0.5:8080' },
                capture: 'c1',
                latencyNs: '12000',
              },
            ],
            perspectives: [
              { capture: 'c1', src: '10.1.0.5:8080', dst: '10.0.0.1:40000', packets: 1 },
              { capture: 'c1', src: '10.0.0.1:40000', dst: '10.1.0.5:8080', packets: 1 },
              { capture: 'c1', src: '10.0.0.1:40000', dst: '10.96.0.10:80', packets: 1 },
              { capture: 'c1', src: '10.96.0.10:80', dst: '10.0.0.1:40000', packets: 1 },
            ],
          },
        ],
      },
      findings: [
        {
          code: 'SYN_UNANSWERED',
          severity: 'error',
          title: 'no answer',
          flows: ['f1'],
          evidence: {
            sightings: [
              {
                capture: 'c1',
                timestampNs: '1795759897412153000',
                src: '10.0.0.1:40000',
                dst: '10.96.0.10:80',
                interface: 'eth0',
                type: 'Out',
                frame: 0,
                flags: '[S]',
              },
            ],
            retransmissions: 6,
          },
        },
      ],
    });
    expect(doc.flows[0].perspectives.map((p) => `${p.direction} ${p.stage} ${p.src}`)).toEqual([
      'request pre-DNAT 10.0.0.1:40000',
      'request post-DNAT 10.0.0.1:40000',
      'reply post-DNAT 10.1.0.5:8080',
      'reply pre-DNAT 10.96.0.10:80',
    ]);
    expect(doc.flows[0].translations[0].direction).toBe('request');
    expect(doc.services).toEqual([
      expect.objectContaining({
        key: '10.96.0.10:80',
        backends: [
          { backend: '10.1.0.5:8080', backendPod: null, connections: 1, share: 1, states: { CLOSED: 1 } },
        ],
        translations: [expect.objectContaining({ change: 'dst 10.96.0.10:80 -> 10.1.0.5:8080', flows: 1 })],
      }),
    ]);
    const txt = renderReport(doc, 'txt');
    expect(txt).toContain('Service 10.96.0.10:80');
    expect(txt).toMatch(/request\s+c1 pre-DNAT\s+10\.0\.0\.1:40000 > 10\.96\.0\.10:80/);
    expect(txt).toContain('ERROR SYN_UNANSWERED: no answer');
    expect(txt).toContain(
      '- c1 eth0 Out 2026-11-27T06:11:37.412153Z 10.0.0.1:40000 > 10.96.0.10:80 [S] (frame 1)',
    );
    expect(txt).toContain('- retransmissions: 6');
    expect(doc.findings[0]).toMatchObject({ detail: null, next: [], flows: ['f1'] });
  });
});
