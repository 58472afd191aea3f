// ReportWriter on real fixture correlations: flow by flow, in any order, it writes the document
// buildReport builds whole (JSON with one flow per line, txt and md alike), and its running totals
// keep a bounded selection of flows however many go through.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildReport,
  orderedReportFlow,
  renderReport,
  ReportAccumulator,
  ReportWriter,
  type ReportDocument,
  type ReportFlow,
  type ReportInput,
} from '../src/index.js';
import { correlateFixture, type FixtureCapture } from './helpers/fixtures.js';

const NODE = 'k8s-compute-02';
const CAPTURES: FixtureCapture[] = [
  { id: 'client', file: 'client.pcap', netns: 'client', role: 'client', node: NODE, pod: 'client-pod' },
  { id: 'node', file: 'node.pcap', netns: 'node', role: 'node', node: NODE },
  { id: 'backend', file: 'backend.pcap', netns: 'pod1', role: 'backend', node: NODE },
];

function written(input: ReportInput, format: 'json' | 'txt' | 'md', flows: ReportFlow[]): string {
  const chunks: string[] = [];
  const writer = new ReportWriter(format, { write: (c) => chunks.push(c) });
  for (const f of flows) writer.flow(f);
  writer.end(input.analysis, input.correlation.clockOffsets, input.findings);
  return chunks.join('');
}

describe('ReportWriter: single-node/diagnostics', () => {
  let input: ReportInput;
  let whole: ReportDocument;

  beforeAll(async () => {
    input = await correlateFixture('single-node/diagnostics', CAPTURES);
    input.findings = [
      {
        code: 'X',
        severity: 'error',
        title: 'planted',
        flows: [input.correlation.flows[1].id],
        next: ['ls'],
      },
    ];
    whole = buildReport(input);
  });

  it('writes the JSON document buildReport builds, one flow per line, in any order of flows', () => {
    const reversed = [...whole.flows].reverse();
    const text = written(input, 'json', reversed);
    const doc = JSON.parse(text) as ReportDocument;
    expect(doc.flows).toEqual(reversed);
    const { flows: _a, ...rest } = doc;
    const { flows: _b, ...expected } = whole;
    expect(rest).toEqual(expected);
    const lines = text.split('\n').filter((l) => l.startsWith('{"id":'));
    expect(lines).toHaveLength(whole.flows.length);
    for (const line of lines) expect(JSON.parse(line.replace(/,$/, ''))).toHaveProperty('perspectives');
  });

  it.each(['txt', 'md'] as const)(
    'writes the %s report renderReport renders from the whole document',
    (format) => {
      const text = written(input, format, [...whole.flows].reverse());
      expect(text).toBe(renderReport(whole, format));
    },
  );

  it('says where decoding stopped: encapsulations and link types natlens does not decode', () => {
    const [first, ...rest] = input.analysis.captures;
    const noted = {
      ...input,
      analysis: {
        ...input.analysis,
        captures: [{ ...first, undecoded: { 'GTP-U': 412 }, unsupportedLinkTypes: { 274: 18 } }, ...rest],
      },
    };
    const txt = written(noted, 'txt', whole.flows);
    expect(txt).toContain(`${first.label ?? first.id}: 412 packets in GTP-U, not decoded`);
    expect(txt).toContain(
      `${first.label ?? first.id}: 18 packets on link type 274, which natlens does not decode`,
    );
    const doc = JSON.parse(written(noted, 'json', whole.flows)) as ReportDocument;
    expect(doc.analysis.captures[0]).toMatchObject({
      undecoded: { 'GTP-U': 412 },
      unsupportedLinkTypes: { 274: 18 },
    });
    expect(doc.analysis.captures[1]).not.toHaveProperty('undecoded');
    expect(written(input, 'txt', whole.flows)).not.toContain('Not decoded');
  });

  it('keeps the path order a streamed flow arrives with', () => {
    const flow = input.correlation.flows.find((f) => f.perspectives.length > 2)!;
    const reordered = { ...flow, perspectives: [...flow.perspectives].reverse() };
    expect(orderedReportFlow(reordered).perspectives.map((p) => p.capture)).toEqual(
      reordered.perspectives.map((p) => p.capture),
    );
  });
});

describe('ReportAccumulator: bounded by services, not flows', () => {
  it('counts every flow and keeps at most the configured flows per service for the tables', () => {
    const totals = new ReportAccumulator({ keepPerService: 10 });
    for (let i = 0; i < 5_000; i++)
      totals.add({
        id: `f${String(i).padStart(5, '0')}`,
        protocol: 'tcp',
        client: `10.0.0.${i % 250}:${20_000 + i}`,
        service: '10.96.0.1:80',
        backend: `10.244.0.${i % 3}:80`,
        clientSeenByBackend: null,
        serviceName: 'ns/svc:http',
        backendPod: null,
        state: i % 100 === 7 ? 'RESET' : 'CLOSED',
        translations: [],
        perspectives: [],
        communityIds: null,
        firstNs: String(1_000_000_000n + BigInt(5_000 - i)),
        lastNs: null,
        resetBy: null,
        icmpError: null,
        retransmissions: 0,
      });
    const [service] = totals.services();
    expect(service.flowCount).toBe(5_000);
    expect(service.flows).toHaveLength(1_000);
    expect(service.backends.map((b) => b.connections).reduce((a, b) => a + b)).toBe(5_000);
    const kept = totals.keptFlows(service.key);
    expect(kept.length).toBeLessThanOrEqual(20);
    // The earliest healthy flows (by first packet: the last added) and the earliest reset ones.
    expect(kept.filter((f) => f.state === 'CLOSED').map((f) => f.id)).toContain('f04999');
    expect(kept.filter((f) => f.state === 'RESET')).toHaveLength(10);
    expect(totals.summary([]).states).toEqual({ CLOSED: 4_950, RESET: 50 });
  });
});
