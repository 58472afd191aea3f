// What the fixtures lack, on synthetic captures written as pcap and read back through the real
// reader and decoder: IPv6, identical retransmitted SYNs, IP ID 0, Geneve with a skewed clock,
// and many concurrent connections reusing ports.
import { describe, expect, it } from 'vitest';
import { correlate, type CorrelationResult, type Flow } from '../src/index.js';
import {
  captures,
  type Connection,
  simulate,
  SINGLE_NODE,
  twoNodeGeneve,
  type Endpoint,
} from './helpers/lab.js';

const T0 = 1_795_759_897_000_000_000n;
const SERVICE: Endpoint = ['10.96.0.10', 80];
const PODS: Endpoint[] = [
  ['10.244.1.11', 8080],
  ['10.244.2.22', 8080],
  ['10.244.3.33', 8080],
];

function ep([ip, port]: Endpoint): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function find(result: CorrelationResult, c: Connection): Flow[] {
  return result.flows.filter((f) => f.client === ep(c.client) && f.service === ep(c.service));
}

function expectFound(result: CorrelationResult, c: Connection): Flow {
  const flows = find(result, c).filter((f) => BigInt(f.firstNs) - c.start < 1_000_000_000n * 10n);
  expect(flows.length, ep(c.client)).toBeGreaterThan(0);
  const flow = flows
    .sort((a, b) => Number(BigInt(a.firstNs) - BigInt(b.firstNs)))
    .find((f) => BigInt(f.firstNs) >= c.start)!;
  expect(flow.backend).toBe(ep(c.backend));
  expect(flow.clientSeenByBackend).toBe(ep(c.snat ?? c.client));
  expect(flow.state).toBe('CLOSED');
  const dnat = flow.translations.find((t) => t.direction === 'request' && /DNAT/.test(t.kind))!;
  expect(dnat.before).toEqual({ src: ep(c.client), dst: ep(c.service) });
  expect(dnat.after).toEqual({ src: ep(c.snat ?? c.client), dst: ep(c.backend) });
  return flow;
}

/** A UDP packet for pcapFile(): `t` ns after T0, on interface `ifIndex` with a Linux packet type. */
function udp(
  t: bigint,
  ifIndex: number,
  pktType: number,
  src: Endpoint,
  dst: Endpoint,
  ipId: number,
  payload: Uint8Array,
) {
  return {
    t: T0 + t,
    ifIndex,
    pktType,
    src: src[0],
    sport: src[1],
    dst: dst[0],
    dport: dst[1],
    protocol: 'udp' as const,
    ipId,
    payload,
  };
}

/** Packets written as a pcap, read back and decoded, as one capture point's packet source. */
async function decodedCapture(packets: ReturnType<typeof udp>[], interfaces: Record<number, string> = {}) {
  const { pcapFile } = await import('./helpers/pcap-writer.js');
  const { decodeFile } = await import('#decode');
  const { decodedSource } = await import('../src/decode-adapter.js');
  return decodedSource(await decodeFile([pcapFile(packets)]), { interfaces });
}

describe('synthetic captures', () => {
  it('pairs IPv6 through DNAT', async () => {
    const c: Connection = {
      client: ['fd00:10::5', 41000],
      service: ['fd00:96::a', 80],
      backend: ['fd00:244::17', 8080],
      start: T0,
      isn: 123456789,
    };
    const result = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, [c])));
    const flow = expectFound(result, c);
    expect(flow.client).toBe('[fd00:10::5]:41000');
    expect(flow.communityIds.client).toMatch(/^1:/);
    expect(flow.communityIds.backend).not.toBe(flow.communityIds.client);
    expect(flow.translations.find((t) => t.direction === 'reply' && t.kind === 'SNAT')?.after.src).toBe(
      ep(c.service),
    );
    expect(result.flows).toHaveLength(1);
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });

  it('pairs identical retransmitted SYNs by time, each sighting with its own packet', async () => {
    // IP ID 0 and no timestamps: three SYNs with one fingerprint, a second apart. The first two
    // are lost after the node (its DNAT output is seen, the backend never gets them).
    const c: Connection = {
      client: ['10.244.0.5', 43000],
      service: SERVICE,
      backend: PODS[1],
      start: T0,
      isn: 987654321,
      ipIdZero: true,
      synAttempts: 3,
      lostAfter: 'node',
    };
    const result = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, [c])));
    const flow = expectFound(result, c);
    expect(result.ambiguousPairings).toBe(0);
    expect(result.flows).toHaveLength(1);
    const client = flow.perspectives.find((p) => p.capture === 'client' && p.direction === 'request')!;
    expect(client.syn).toBe(3);
    expect(client.retransmissions).toBe(2);
    // Had the backend's SYN been paired with the first one, the hop would take two seconds.
    const lastHop = flow.translations.find((t) => t.direction === 'request' && t.capture === 'backend')!;
    expect(BigInt(lastHop.minLatencyNs)).toBeLessThan(1_000_000n);
    expect(BigInt(lastHop.latencyNs)).toBeLessThan(1_000_000n);
    expect(flow.perspectives.find((p) => p.capture === 'backend' && p.direction === 'request')!.syn).toBe(1);
    expect(result.unpaired.client).toBe(0);
  });

  it('pairs connections whose every packet has IP ID 0', async () => {
    const conns: Connection[] = PODS.map((backend, i) => ({
      client: ['10.244.0.5', 44000 + i],
      service: SERVICE,
      backend,
      start: T0 + BigInt(i) * 300_000n,
      isn: 1000 + i * 7777,
      ipIdZero: true,
    }));
    const result = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, conns)));
    for (const c of conns) expectFound(result, c);
    expect(result.flows).toHaveLength(conns.length);
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });

  it('decapsulates Geneve across nodes and recovers a skewed clock', async () => {
    const skew = 2_500_000_000n;
    const topology = twoNodeGeneve(skew);
    const conns: Connection[] = Array.from({ length: 6 }, (_, i) => ({
      client: ['10.244.1.5', 45000 + i],
      service: SERVICE,
      backend: PODS[2],
      start: T0 + BigInt(i) * 20_000_000n,
      isn: 55555 + i * 31337,
    }));
    const result = correlate(await captures(topology, simulate(topology, conns)));
    for (const c of conns) {
      const flow = expectFound(result, c);
      const kinds = flow.translations.filter((t) => t.kind !== 'NONE').map((t) => `${t.direction} ${t.kind}`);
      expect(kinds).toEqual([
        'request DNAT',
        'request ENCAP',
        'request DECAP',
        'reply ENCAP',
        'reply DECAP',
        'reply SNAT',
      ]);
      const encap = flow.translations.find((t) => t.kind === 'ENCAP')!;
      expect(encap.outer).toEqual({ tunnel: 'geneve', src: '192.168.56.11', dst: '192.168.56.12', vni: 7 });
      // The underlay hop takes 11 µs once the clocks are lined up.
      const underlay = flow.translations.find(
        (t) => t.direction === 'request' && t.capture === 'node-2' && t.kind === 'NONE',
      )!;
      expect(Math.abs(Number(underlay.latencyNs) - 11_000)).toBeLessThan(5_000);
    }
    const offset = result.clockOffsets.find((o) => o.capture === 'node-2')!;
    expect(Math.abs(Number(BigInt(offset.offsetNs) - skew))).toBeLessThan(1_000_000);
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });

  it('keeps apart many concurrent connections that reuse ports', async () => {
    // 400 connections over 0.4 s from 40 ports: each port reused ten times, with new ISNs.
    const conns: Connection[] = Array.from({ length: 400 }, (_, i) => ({
      client: ['10.244.0.5', 50000 + (i % 40)],
      service: SERVICE,
      backend: PODS[(i * 7) % 3],
      snat: i % 5 === 0 ? ['10.244.0.1', 20000 + i] : undefined,
      start: T0 + BigInt(i) * 1_000_000n,
      isn: (i * 2654435761) >>> 0,
    }));
    const progress: number[] = [];
    const input = (await captures(SINGLE_NODE, simulate(SINGLE_NODE, conns))).map((c) => ({
      ...c,
      packetCount: [...c.packets()].length,
    }));
    const result = correlate(input, { onProgress: (f) => progress.push(f) });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
    expect(result.flows).toHaveLength(conns.length);
    const seen = new Set<string>();
    for (const c of conns) {
      const flow = result.flows.find((f) => f.client === ep(c.client) && f.firstNs === String(c.start))!;
      expect(flow, `${ep(c.client)} at ${c.start}`).toBeDefined();
      expect(flow.backend).toBe(ep(c.backend));
      expect(flow.clientSeenByBackend).toBe(ep(c.snat ?? c.client));
      expect(flow.request.packets).toBe(5);
      seen.add(flow.id);
    }
    expect(seen.size).toBe(conns.length);
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });
});

describe('a port reused at once', () => {
  it('gives the new connection its own flow while the old one is still in the caches', async () => {
    // Back to back on one client port, nothing in between: the first connection's perspectives
    // are the most recently used ones when the second one's SYN arrives.
    const conns: Connection[] = [0, 1, 2].map((i) => ({
      client: ['10.244.0.5', 50000],
      service: SERVICE,
      backend: PODS[i],
      start: T0 + BigInt(i) * 5_000_000n,
      isn: 1000 + i * 7919,
    }));
    // What one such connection gives alone.
    const [alone] = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, [conns[0]]))).flows;
    const result = correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, conns)));
    expect(result.flows).toHaveLength(3);
    for (const c of conns) {
      const flow = result.flows.find((f) => f.firstNs === String(c.start))!;
      expect(flow, String(c.start)).toBeDefined();
      expect(flow.backend).toBe(ep(c.backend));
      expect(flow.state).toBe('CLOSED');
      expect([flow.request, flow.reply]).toEqual([alone.request, alone.reply]);
      expect(flow.perspectives.map((p) => [p.capture, p.direction, p.packets])).toEqual(
        alone.perspectives.map((p) => [p.capture, p.direction, p.packets]),
      );
    }
    expect(result.conflicts + result.ambiguousPairings).toBe(0);
  });
});

describe('identical packets from two clients at once', () => {
  it('reports the pairing as ambiguous instead of guessing', async () => {
    // Two pods send byte-identical DNS queries (IP ID 0) 10 µs apart; the node DNATs both to
    // the same backend. Nothing tells which post-DNAT packet is whose.
    const payload = new Uint8Array(40).fill(7);
    const query = (t: bigint, ifIndex: number, pktType: number, src: Endpoint, dst: Endpoint) =>
      udp(t, ifIndex, pktType, src, dst, 0, payload);
    const a: Endpoint = ['10.244.0.5', 5353];
    const b: Endpoint = ['10.244.0.6', 5353];
    const dns: Endpoint = ['10.244.1.53', 53];
    const vip: Endpoint = ['10.96.0.10', 53];
    const files = {
      a: [query(0n, 2, 4, a, vip)],
      b: [query(10_000n, 2, 4, b, vip)],
      node: [
        query(5_000n, 4, 3, a, vip),
        query(15_000n, 5, 3, b, vip),
        query(30_000n, 7, 4, a, dns),
        query(40_000n, 7, 4, b, dns),
      ],
    };
    const captures = await Promise.all(
      Object.entries(files).map(async ([id, packets]) => ({
        point: { id, role: (id === 'node' ? 'node' : 'client') as 'node' | 'client', node: 'n1' },
        packets: await decodedCapture(packets),
      })),
    );
    const result = correlate(captures);
    expect(result.ambiguousPairings).toBeGreaterThan(0);
    for (const flow of result.flows) {
      const sources = new Set(flow.perspectives.filter((p) => p.direction === 'request').map((p) => p.src));
      expect([...sources].length, JSON.stringify([...sources])).toBe(1);
    }
  });
});

describe('finished flows', () => {
  it('are handed over whole, in order, while later traffic is still being read', async () => {
    // Three connections 10 s apart: a closed one is retired a few seconds after its last packet,
    // so the first two reach onFlow before the captures are read to the end.
    const conns: Connection[] = [0, 1, 2].map((i) => ({
      client: ['10.244.0.5', 50000 + i],
      service: SERVICE,
      backend: PODS[i],
      start: T0 + BigInt(i) * 10_000_000_000n,
      isn: 1000 + i * 7919,
    }));
    const shape = (f: Flow) => ({
      client: f.client,
      backend: f.backend,
      state: f.state,
      translations: f.translations.map((t) => [t.kind, t.direction, t.capture]),
      perspectives: f.perspectives.map((p) => [p.capture, p.direction, p.src, p.dst, p.packets]),
    });
    const alone = await Promise.all(
      conns.map(async (c) =>
        shape(correlate(await captures(SINGLE_NODE, simulate(SINGLE_NODE, [c]))).flows[0]),
      ),
    );

    // The time of the packet read last (the bootstrap pass reads ahead first; the main pass
    // starts over from the beginning).
    let readAt = 0n;
    const handedOver: { flow: Flow; readAt: bigint }[] = [];
    const timed = (await captures(SINGLE_NODE, simulate(SINGLE_NODE, conns))).map((c) => ({
      ...c,
      packets: function* () {
        for (const p of c.packets()) {
          readAt = BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec);
          yield p;
        }
      },
    }));
    const result = correlate(timed, { onFlow: (flow) => handedOver.push({ flow, readAt }) });

    expect(result.flowCount).toBe(3);
    expect(result.flows).toEqual([]);
    expect(handedOver.map((h) => shape(h.flow))).toEqual(alone);
    // Whole: every capture point's perspective, both ways, and the backend behind the DNAT.
    const points = SINGLE_NODE.captures.map((c) => c.id).sort();
    handedOver.forEach(({ flow }, i) => {
      expect(flow.backend).toBe(ep(conns[i].backend));
      expect(flow.state).toBe('CLOSED');
      for (const direction of ['request', 'reply']) {
        const seenAt = flow.perspectives.filter((p) => p.direction === direction).map((p) => p.capture);
        expect([...new Set(seenAt)].sort(), direction).toEqual(points);
      }
      expect(flow.translations.some((t) => t.kind === 'DNAT' && t.direction === 'request')).toBe(true);
    });
    // Each closed connection is handed over when the next one's first packets are read.
    expect(handedOver[0].readAt).toBeGreaterThanOrEqual(conns[1].start);
    expect(handedOver[0].readAt).toBeLessThan(conns[2].start);
    expect(handedOver[1].readAt).toBeGreaterThanOrEqual(conns[2].start);
    expect(handedOver[1].readAt).toBeLessThan(conns[2].start + 1_000_000_000n);
    expect(handedOver[2].readAt).toBe(readAt);
  });
});

describe('interface names', () => {
  it('names an interface the snapshot left blank by its index, in counts and sightings alike', async () => {
    const payload = new Uint8Array(24).fill(3);
    const pod: Endpoint = ['10.244.0.5', 40000];
    const peer: Endpoint = ['10.244.1.9', 53];
    // Index 4 has a name, index 6 an empty one (as a blank `ip addr` line or pcapng if_name gives).
    const node = [udp(5_000n, 4, 3, pod, peer, 7, payload), udp(9_000n, 6, 4, pod, peer, 7, payload)];
    const interfaces = { 4: 'veth-a', 6: '' };
    const result = correlate([
      {
        point: { id: 'node', role: 'node', node: 'n1', interfaces },
        packets: await decodedCapture(node, interfaces),
      },
    ]);
    expect(result.flows).toHaveLength(1);
    const [seen] = result.flows[0].perspectives;
    expect(seen.interfaces.map((i) => i.name).sort()).toEqual(['if6', 'veth-a']);
    expect(seen.sightings.map((s) => s.interface).sort()).toEqual(['if6', 'veth-a']);
  });
});
