// Every scenario of ../shared/fixtures against its ground truth: each connection found with the
// right backend, translations and outcome, no wrong pairings, clock offsets recovered, and one
// connection's perspectives equal to what tcpdump's text shows.
import { beforeAll, describe, expect, it } from 'vitest';
import { correlate, type CorrelationResult, type Flow } from '../src/index.js';
import {
  type FixtureCapture,
  groundTruth,
  type GroundTruthConnection,
  loadCaptures,
  multiNode,
  readText,
  type Scenario,
} from './helpers/fixtures.js';
import { perspectiveTable, tcpdumpRows } from './helpers/tcpdump.js';

const NODE = 'k8s-compute-02';
const MS = 1_000_000n;

const singleNode = (name: string, extra: FixtureCapture[] = [], client?: FixtureCapture): Scenario => ({
  dir: `single-node/${name}`,
  captures: [
    client ?? {
      id: 'client.pcap',
      file: 'client.pcap',
      netns: 'client',
      role: 'client',
      node: NODE,
      pod: 'client-pod',
    },
    { id: 'node.pcap', file: 'node.pcap', netns: 'node', role: 'node', node: NODE },
    {
      id: 'backend.pcap',
      file: 'backend.pcap',
      netns: 'pod1',
      role: 'backend',
      node: NODE,
      pod: 'nginx-54c98b4f84-ftvlg',
    },
    ...extra,
  ],
});

const SCENARIOS: Scenario[] = [
  singleNode('clusterip'),
  singleNode('clusterip-routed'),
  singleNode('nodeport-masq', [], {
    // The external client is another host: its clock is estimated, not assumed.
    id: 'client.pcap',
    file: 'client.pcap',
    netns: 'ext',
    role: 'client',
    node: 'ext-client',
  }),
  {
    dir: 'single-node/diagnostics',
    captures: [
      { id: 'client.pcap', file: 'client.pcap', netns: 'client', role: 'client', node: NODE },
      { id: 'node.pcap', file: 'node.pcap', netns: 'node', role: 'node', node: NODE },
      { id: 'backend.pcap', file: 'backend.pcap', netns: 'hung', role: 'backend', node: NODE },
      { id: 'backend-dns.pcap', file: 'backend-dns.pcap', netns: 'dns', role: 'backend', node: NODE },
    ],
  },
  multiNode(false),
  multiNode(true),
  // Nothing says the captures share a clock: each is its own domain, and the offsets (all 0
  // in truth) must come out of the packets.
  {
    ...singleNode('clusterip-routed'),
    captures: singleNode('clusterip-routed').captures.map((c) => ({ ...c, node: null, clockDomain: c.id })),
  },
  // The node capture uploaded without a role (the API's default, `other`): the same answers.
  {
    ...singleNode('clusterip'),
    captures: singleNode('clusterip').captures.map((c) =>
      c.id === 'node.pcap' ? { ...c, role: 'other' } : c,
    ),
  },
  // The clusterip node capture in its other formats must give the same answers.
  {
    ...singleNode('clusterip'),
    captures: singleNode('clusterip').captures.map((c) =>
      c.id === 'node.pcap' ? { ...c, file: 'node-nano.pcap' } : c,
    ),
  },
  {
    ...singleNode('clusterip'),
    captures: singleNode('clusterip').captures.map((c) =>
      c.id === 'node.pcap' ? { ...c, file: 'node-sll1.pcap' } : c,
    ),
  },
  {
    ...singleNode('clusterip'),
    captures: singleNode('clusterip').captures.map((c) =>
      c.id === 'node.pcap' ? { ...c, file: 'node.pcapng' } : c,
    ),
  },
];

const STATE_OF_OUTCOME: Record<string, string> = {
  http_200: 'CLOSED',
  refused_icmp_port_unreachable: 'ICMP_ERROR',
  refused_tcp_reset: 'RESET',
  timeout_after_7_syns: 'UNANSWERED',
  icmp_host_unreachable_after_4_syns: 'ICMP_ERROR',
  dns_answer: 'ANSWERED',
};

function flowOf(result: CorrelationResult, c: GroundTruthConnection): Flow | undefined {
  return result.flows.find((f) => f.protocol === c.proto && f.client === c.client && f.service === c.service);
}

for (const scenario of SCENARIOS) {
  const label = `${scenario.dir} (${scenario.captures.map((c) => c.file).join(', ')})`;
  describe(label, () => {
    let result: CorrelationResult;
    const truth = groundTruth(scenario.dir).connections;

    beforeAll(async () => {
      result = correlate(await loadCaptures(scenario.dir, scenario.captures));
    });

    it('finds every connection with its backend, SNAT and outcome', () => {
      for (const c of truth) {
        const flow = flowOf(result, c);
        expect(flow, c.id).toBeDefined();
        expect(flow!.backend, c.id).toBe(c.backend);
        if (c.backend !== null)
          expect(flow!.clientSeenByBackend, c.id).toBe(c.snat_as_seen_by_backend ?? c.client);
        expect(flow!.state, c.id).toBe(STATE_OF_OUTCOME[c.outcome]);
        if (c.outcome === 'refused_tcp_reset') expect(flow!.resetBy, c.id).toBe('node');
        if (c.outcome === 'timeout_after_7_syns') expect(flow!.retransmissions, c.id).toBe(6);
      }
    });

    it('infers the translations each connection went through', () => {
      for (const c of truth) {
        const flow = flowOf(result, c)!;
        const request = flow.translations.filter((t) => t.direction === 'request' && t.kind !== 'NONE');
        const reply = flow.translations.filter((t) => t.direction === 'reply' && t.kind !== 'NONE');
        if (c.backend === null || c.backend === c.service) {
          expect(
            request.filter((t) => /NAT/.test(t.kind)),
            c.id,
          ).toEqual([]);
          continue;
        }
        const snat = c.snat_as_seen_by_backend;
        const nat = request.find((t) => /NAT/.test(t.kind))!;
        expect(nat, c.id).toBeDefined();
        expect(nat.kind, c.id).toBe(snat ? 'DNAT_SNAT' : 'DNAT');
        expect(nat.before, c.id).toEqual({ src: c.client, dst: c.service });
        expect(nat.after, c.id).toEqual({ src: snat ?? c.client, dst: c.backend });
        expect(BigInt(nat.latencyNs), c.id).toBeGreaterThan(0n);
        // The reply is translated back: the client only ever sees the service answer.
        if (flow.state === 'UNANSWERED') continue;
        const back = reply.filter((t) => /NAT/.test(t.kind));
        expect(back.length, c.id).toBeGreaterThan(0);
        expect(back[0].before.src, c.id).toBe(c.backend);
        expect(back.at(-1)!.after, c.id).toEqual({ src: c.service, dst: c.client });
      }
    });

    it('pairs nothing wrongly', () => {
      expect(result.conflicts).toBe(0);
      expect(result.ambiguousPairings).toBe(0);
      const flows = result.flows.filter((f) => f.protocol === 'tcp' || f.protocol === 'udp');
      expect(flows.length).toBe(truth.length);
      for (const c of truth) {
        const flow = flowOf(result, c)!;
        const endpoints = new Set(
          [c.client, c.service, c.backend, c.snat_as_seen_by_backend].filter(Boolean),
        );
        for (const p of flow.perspectives) {
          expect(
            endpoints.has(p.src) && endpoints.has(p.dst),
            `${c.id} ${p.capture} ${p.src} > ${p.dst}`,
          ).toBe(true);
        }
      }
    });

    it('recovers the clock offsets', () => {
      for (const o of result.clockOffsets) {
        const known = scenario.offsets?.[o.capture] ?? 0n;
        const error = BigInt(o.offsetNs) - known;
        expect(error < MS && error > -MS, `${o.capture}: ${o.offsetNs} vs ${known}`).toBe(true);
      }
    });
  });
}

describe('perspective tables equal what tcpdump shows', () => {
  const cases = [
    { scenario: SCENARIOS[0], id: 'clusterip-002' },
    { scenario: SCENARIOS[2], id: 'nodeport-masq-015' },
    { scenario: SCENARIOS[5], id: 'multinode-vxlan-002' },
  ];
  for (const { scenario, id } of cases) {
    it(`${scenario.dir} ${id}`, async () => {
      const result = correlate(await loadCaptures(scenario.dir, scenario.captures));
      const c = groundTruth(scenario.dir).connections.find((x) => x.id === id)!;
      const flow = flowOf(result, c)!;
      const endpoints = new Set([c.client, c.snat_as_seen_by_backend].filter((x): x is string => x !== null));
      for (const capture of scenario.captures) {
        const expected = perspectiveTable(
          tcpdumpRows(readText(scenario.dir, `${capture.file}.txt`)),
          endpoints,
        );
        const actual = flow.perspectives
          .filter((p) => p.capture === capture.id)
          .map((p) => ({
            src: p.src,
            dst: p.dst,
            tunnelled: p.outer !== null,
            interfaces: Object.fromEntries(p.interfaces.map((i) => [`${i.name} ${i.type}`, i.packets])),
            sightings: p.sightingCount,
            packets: p.packets,
          }))
          .sort((a, b) => `${a.src}${a.dst}${a.tunnelled}`.localeCompare(`${b.src}${b.dst}${b.tunnelled}`));
        expect(actual, `${id} at ${capture.id}`).toEqual(expected);
      }
    });
  }
});

describe('pod captures without packet directions (tcpdump -i eth0 in the pod)', () => {
  // The same scenarios with the client's and backend's captures stripped of interface index and
  // packet type, as a pod's plain Ethernet capture gives them: the path must come out the same.
  for (const scenario of [SCENARIOS[0], SCENARIOS[1], SCENARIOS[2]]) {
    it(scenario.dir, async () => {
      const hops = (r: CorrelationResult) =>
        r.flows.map((f) => [
          f.client,
          ...f.translations.map((t) => `${t.direction} ${t.kind} ${t.fromCapture}>${t.capture}`),
        ]);
      const full = await loadCaptures(scenario.dir, scenario.captures);
      const plain = full.map((c) => {
        if (c.point.role === 'node') return c;
        // Copied as they come: the source reuses one packet object.
        const packets = Array.from(c.packets(), (p) => ({ ...p, ifIndex: -1, pktType: -1 }));
        return { ...c, packets: () => packets };
      });
      expect(hops(correlate(plain))).toEqual(hops(correlate(full)));
    });
  }
});

describe('a client capture that missed every handshake (started late, or filtered)', () => {
  it('still puts the client first on the path, and names the backend', async () => {
    // The clusterip scenario with the client pod's SYNs and SYN-ACKs removed: its perspectives'
    // first requests come after the node's, yet the hops put it first.
    const scenario = SCENARIOS[0];
    const full = await loadCaptures(scenario.dir, scenario.captures);
    const late = full.map((c) => {
      if (c.point.role !== 'client') return c;
      const packets = Array.from(c.packets(), (p) => ({ ...p })).filter((p) => !(p.tcpFlags & 2));
      return { ...c, packets: () => packets };
    });
    const result = correlate(late);
    const truth = groundTruth(scenario.dir).connections.filter(
      (c) => c.proto === 'tcp' && c.backend !== null,
    );
    expect(truth.length).toBeGreaterThan(0);
    for (const c of truth) {
      const flow = flowOf(result, c);
      expect(flow, c.id).toBeDefined();
      expect(flow!.backend, c.id).toBe(c.backend);
      const first = flow!.translations.find((t) => t.direction === 'request')!;
      expect(first.fromCapture, c.id).toBe('client.pcap');
      const lastReply = flow!.translations.filter((t) => t.direction === 'reply').at(-1)!;
      expect(lastReply.capture, c.id).toBe('client.pcap');
    }
  });
});
