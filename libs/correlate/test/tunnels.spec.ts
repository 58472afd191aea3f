// The overlays the fixtures and synthetic.spec.ts lack (GRE, IP-in-IP, IPv6 in IPv4) and SCTP,
// on synthetic captures written as pcap and read back through the real reader and decoder.
import { communityId } from '#decode';
import { describe, expect, it } from 'vitest';
import { correlate, type CorrelationResult, type Flow } from '../src/index.js';
import {
  captures,
  type Connection,
  type Endpoint,
  simulate,
  SINGLE_NODE,
  twoNodeTunnel,
} from './helpers/lab.js';

const T0 = 1_795_759_897_000_000_000n;
/** The underlay addresses twoNodeTunnel puts on the outer headers. */
const NODE_1 = '192.168.56.11';
const NODE_2 = '192.168.56.12';

function ep([ip, port]: Endpoint): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The one flow of connection `c`, with its backend and DNAT as the simulation made them. */
function expectFlow(result: CorrelationResult, c: Connection): Flow {
  const flows = result.flows.filter(
    (f) => f.client === ep(c.client) && f.service === ep(c.service) && f.protocol === (c.protocol ?? 'tcp'),
  );
  expect(flows, ep(c.client)).toHaveLength(1);
  const flow = flows[0];
  expect(flow.backend).toBe(ep(c.backend));
  expect(flow.clientSeenByBackend).toBe(ep(c.client));
  const dnat = flow.translations.filter((t) => t.direction === 'request' && t.kind === 'DNAT');
  expect(dnat).toHaveLength(1);
  expect(dnat[0].before).toEqual({ src: ep(c.client), dst: ep(c.service) });
  expect(dnat[0].after).toEqual({ src: ep(c.client), dst: ep(c.backend) });
  return flow;
}

const TUNNELS = [
  { name: 'GRE with a key', kind: 'gre', vni: 0x1234, v6: false },
  { name: 'GRE without a key', kind: 'gre', vni: undefined, v6: false },
  { name: 'IP-in-IP', kind: 'ipip', vni: undefined, v6: false },
  { name: 'IPv6 in IPv4 (protocol 41)', kind: 'ipip', vni: undefined, v6: true },
] as const;

/** Connections from one client pod to one Service, backed by a pod on the other node. */
function tunnelledConnections(v6: boolean): Connection[] {
  return Array.from({ length: 4 }, (_, i) => ({
    client: v6 ? ['fd00:10::5', 46000 + i] : ['10.244.1.5', 46000 + i],
    service: v6 ? ['fd00:96::a', 80] : ['10.96.0.10', 80],
    backend: v6 ? ['fd00:244::17', 8080] : ['10.244.3.33', 8080],
    start: T0 + BigInt(i) * 20_000_000n,
    isn: 77777 + i * 31337,
  }));
}

describe.each(TUNNELS)('$name across two nodes', ({ kind, vni, v6 }) => {
  it('encapsulates on the client node, decapsulates on the backend node', async () => {
    const skew = -1_700_000_000n;
    const topology = twoNodeTunnel(kind, vni, skew);
    const conns = tunnelledConnections(v6);
    const result = correlate(await captures(topology, simulate(topology, conns)));
    expect(result.flows).toHaveLength(conns.length);
    const outer = (src: string, dst: string) => ({ tunnel: kind, src, dst, vni: vni ?? null });
    for (const c of conns) {
      const flow = expectFlow(result, c);
      expect(flow.state).toBe('CLOSED');
      const kinds = flow.translations.filter((t) => t.kind !== 'NONE').map((t) => `${t.direction} ${t.kind}`);
      expect(kinds).toEqual([
        'request DNAT',
        'request ENCAP',
        'request DECAP',
        'reply ENCAP',
        'reply DECAP',
        'reply SNAT',
      ]);
      const step = (direction: string, k: string) =>
        flow.translations.find((t) => t.direction === direction && t.kind === k)!;
      // The inner packet crosses the tunnel as the DNAT left it; the outer header is node to node.
      const inner = { src: ep(c.client), dst: ep(c.backend) };
      const encap = step('request', 'ENCAP');
      expect([encap.fromCapture, encap.capture, encap.before, encap.after]).toEqual([
        'node-1',
        'node-1',
        inner,
        inner,
      ]);
      expect(encap.outer).toEqual(outer(NODE_1, NODE_2));
      const decap = step('request', 'DECAP');
      expect([decap.fromCapture, decap.capture, decap.before, decap.after]).toEqual([
        'node-2',
        'node-2',
        inner,
        inner,
      ]);
      expect(decap.outer).toEqual(outer(NODE_1, NODE_2));
      // Reply: tunnelled by node 2, unwrapped by node 1, outer header node 2 -> node 1.
      const back = { src: ep(c.backend), dst: ep(c.client) };
      for (const [k, at] of [
        ['ENCAP', 'node-2'],
        ['DECAP', 'node-1'],
      ]) {
        const t = step('reply', k);
        expect([t.capture, t.before], k).toEqual([at, back]);
        expect(t.outer, k).toMatchObject({ tunnel: kind, vni: vni ?? null });
        expect(t.outer, k).toEqual(outer(NODE_2, NODE_1));
      }
      // Every tunnelled sighting is one perspective per node, carrying the outer header the way
      // that direction travelled.
      const tunnelled = flow.perspectives.filter((p) => p.outer !== null);
      for (const p of tunnelled)
        expect(p.outer, `${p.capture} ${p.direction}`).toEqual(
          p.direction === 'request' ? outer(NODE_1, NODE_2) : outer(NODE_2, NODE_1),
        );
      expect(tunnelled.map((p) => `${p.capture} ${p.direction}`).sort()).toEqual([
        'node-1 reply',
        'node-1 request',
        'node-2 reply',
        'node-2 request',
      ]);
      // The underlay hop takes 11 µs once node 2's clock is lined up.
      const underlay = flow.translations.find(
        (t) => t.direction === 'request' && t.capture === 'node-2' && t.kind === 'NONE',
      )!;
      expect(Math.abs(Number(underlay.latencyNs) - 11_000)).toBeLessThan(5_000);
    }
    const offset = result.clockOffsets.find((o) => o.capture === 'node-2')!;
    expect(Math.abs(Number(BigInt(offset.offsetNs) - skew))).toBeLessThan(1_000_000);
    // Every tunnelled packet was paired with its inner self on both sides.
    expect(result.unpaired).toEqual({ client: 0, 'node-1': 0, 'node-2': 0, backend: 0 });
    expect(result.captures.every((s) => s.ignored === 0)).toBe(true);
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });
});

// A tunnelled perspective keeps the outer header of the first packet it saw (the request's,
// node 1 -> node 2); the reply was encapsulated node 2 -> node 1 and must be named that way.
it('names the reply outer header the way the reply travelled', async () => {
  for (const { kind, vni, v6 } of TUNNELS) {
    const topology = twoNodeTunnel(kind, vni, 0n);
    const [c] = tunnelledConnections(v6);
    const result = correlate(await captures(topology, simulate(topology, [c])));
    const flow = expectFlow(result, c);
    const reply = flow.translations.filter((t) => t.direction === 'reply' && t.outer !== null);
    expect(reply.map((t) => [t.kind, t.outer])).toEqual([
      ['ENCAP', { tunnel: kind, src: NODE_2, dst: NODE_1, vni: vni ?? null }],
      ['DECAP', { tunnel: kind, src: NODE_2, dst: NODE_1, vni: vni ?? null }],
    ]);
  }
});

describe('SCTP through a ClusterIP', () => {
  // Service port 38412 (NGAP) to target port 9412 on three pods; overlapping associations.
  const SERVICE: Endpoint = ['10.96.0.20', 38412];
  const PODS: Endpoint[] = [
    ['10.244.1.11', 9412],
    ['10.244.2.22', 9412],
    ['10.244.3.33', 9412],
  ];
  const conns: Connection[] = PODS.map((backend, i) => ({
    protocol: 'sctp',
    client: ['10.244.0.7', 36412 + i],
    service: SERVICE,
    backend,
    start: T0 + BigInt(i) * 300_000n,
    isn: 424242 + i * 99991,
  }));

  it('pairs associations through DNAT, ports kept, with Community IDs on both sides', async () => {
    const packets = simulate(SINGLE_NODE, conns);
    const result = correlate(await captures(SINGLE_NODE, packets));
    expect(result.flows).toHaveLength(conns.length);
    for (const c of conns) {
      const flow = expectFlow(result, c);
      expect(flow.protocol).toBe('sctp');
      const kinds = flow.translations.filter((t) => t.kind !== 'NONE').map((t) => `${t.direction} ${t.kind}`);
      expect(kinds).toEqual(['request DNAT', 'reply SNAT']);
      const snat = flow.translations.find((t) => t.kind === 'SNAT')!;
      expect(snat.before).toEqual({ src: ep(c.backend), dst: ep(c.client) });
      expect(snat.after).toEqual({ src: ep(c.service), dst: ep(c.client) });
      // Counted at the client: everything it sent and received on this association.
      const sent = packets.get('client')!.filter((p) => p.src === c.client[0] && p.sport === c.client[1]);
      const received = packets.get('client')!.filter((p) => p.dst === c.client[0] && p.dport === c.client[1]);
      expect([flow.request.packets, flow.reply.packets]).toEqual([sent.length, received.length]);
      // SHUTDOWN / SHUTDOWN ACK closed it; INIT / INIT ACK / COOKIE ECHO timed at every point.
      expect(flow.state).toBe('CLOSED');
      expect(Object.keys(flow.handshake).sort()).toEqual(['backend', 'client', 'node']);
      // INIT -> INIT ACK spans the path there and back at the client, only the backend's turn
      // around at the backend; COOKIE ECHO follows INIT ACK the other way round.
      const rtt = (at: string) => Number(flow.handshake[at].synToSynAckNs);
      const echo = (at: string) => Number(flow.handshake[at].synAckToAckNs);
      expect(rtt('client')).toBeGreaterThan(rtt('backend'));
      expect(echo('backend')).toBeGreaterThan(echo('client'));
      expect(Math.min(rtt('backend'), echo('client'))).toBeGreaterThan(0);
      // Community ID v1 with SCTP's ports, as libs/decode's implementation computes it.
      const id = (a: Endpoint, b: Endpoint) =>
        communityId({ protocol: 132, src: a[0], srcPort: a[1], dst: b[0], dstPort: b[1] });
      expect(flow.communityIds.client).toBe(id(c.client, c.service));
      expect(flow.communityIds.backend).toBe(id(c.client, c.backend));
      expect(flow.communityIds.backend).not.toBe(flow.communityIds.client);
    }
    expect(result.unpaired).toEqual({ client: 0, node: 0, backend: 0 });
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });

  it('reports an ABORT as a reset, and by whom', async () => {
    const aborted: Connection[] = [
      { ...conns[0], abortBy: 'client' },
      { ...conns[1], abortBy: 'backend' },
    ];
    const result = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, aborted)));
    expect([expectFlow(result, aborted[0]).state, expectFlow(result, aborted[0]).resetBy]).toEqual([
      'RESET',
      'client',
    ]);
    expect([expectFlow(result, aborted[1]).state, expectFlow(result, aborted[1]).resetBy]).toEqual([
      'RESET',
      'backend',
    ]);
  });

  it('keeps an SCTP association apart from a TCP connection on the same ports', async () => {
    const sctp = conns[0];
    const tcp: Connection = { ...sctp, protocol: 'tcp', start: sctp.start + 50_000n, isn: 13579 };
    const result = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, [sctp, tcp])));
    expect(result.flows.map((f) => f.protocol).sort()).toEqual(['sctp', 'tcp']);
    expect(expectFlow(result, sctp).state).toBe('CLOSED');
    const flow = expectFlow(result, tcp);
    expect(flow.state).toBe('CLOSED');
    expect(flow.communityIds.client).not.toBe(expectFlow(result, sctp).communityIds.client);
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });
});
