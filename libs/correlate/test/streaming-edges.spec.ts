// The streaming engine where its shortcuts could change the answer: flows retired while the
// pairing window still holds their packets, a timestamp far ahead, a port reused while the old
// connection is live, the clock estimate from a single late bracket, and ICMP errors sent the
// request's way.
import { describe, expect, it } from 'vitest';
import { correlate, type CorrelatePacket, type CorrelationResult } from '../src/index.js';
import { packetAt, tcpSegment } from './helpers/packets.js';

const pkt = packetAt;

function udp(
  t: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  id: number,
  ifIndex = -1,
) {
  return pkt(t, {
    src,
    srcPort,
    dst,
    dstPort,
    ipId: id,
    payloadHash: id * 7919,
    ifIndex,
    pktType: ifIndex >= 0 ? 0 : -1,
  });
}

const tcp = tcpSegment;

function capture(id: string, role: 'client' | 'node' | 'backend', node: string, packets: CorrelatePacket[]) {
  return { point: { id, role, node }, packets: () => packets };
}

/** Flows as `client > service via backend: translations`, for comparing whole results. */
function summary(r: CorrelationResult): string[] {
  return r.flows.map(
    (f) =>
      `${f.client} > ${f.service} via ${f.backend}: ${f.translations.map((t) => `${t.direction} ${t.kind}`).join(', ')}`,
  );
}

describe('flows still in the pairing window', () => {
  // A DNAT'd DNS exchange seen at the client and the backend, then unrelated traffic once a second.
  const client = [
    udp(0, '10.0.0.1', 5000, '10.96.0.10', 53, 100),
    udp(2e6, '10.96.0.10', 53, '10.0.0.1', 5000, 200),
  ];
  const later = Array.from({ length: 40 }, (_, i) =>
    udp(1e9 * (i + 1), '10.9.9.9', 1000 + i, '10.9.9.8', 9, 1000 + i),
  );
  const backend = [
    udp(1e6, '10.0.0.1', 5000, '10.244.1.5', 53, 100),
    udp(1.5e6, '10.244.1.5', 53, '10.0.0.1', 5000, 200),
    ...later,
  ];
  const run = (windowNs: bigint) =>
    correlate([capture('c', 'client', 'n1', client), capture('b', 'backend', 'n1', backend)], {
      pairingWindowNs: windowNs,
    });

  it('are not retired before their groups close, whatever the window', () => {
    // A 15 s window outlasts the 10 s an answered exchange waits before it is retired.
    const wide = run(15_000_000_000n);
    expect(summary(wide)).toEqual(summary(run(1_000_000_000n)));
    const dns = wide.flows.filter((f) => f.client === '10.0.0.1:5000');
    expect(dns).toHaveLength(1);
    expect(dns[0].backend).toBe('10.244.1.5:53');
    expect(dns[0].translations.map((t) => `${t.direction} ${t.kind}`)).toEqual([
      'request DNAT',
      'reply SNAT',
    ]);
    // The unrelated packets stay flows of their own, nothing invented between them.
    const others = wide.flows.filter((f) => f.client.startsWith('10.9.9.9:'));
    expect(others).toHaveLength(40);
    for (const f of others) expect(f.translations).toEqual([]);
    expect(wide.conflicts).toBe(0);
  });

  it('keep their packets when a capture clock steps back', () => {
    // One node capture: the clock jumps 70 s back for a DNAT'd packet (seen on two interfaces),
    // then returns. The step must not hand its recycled perspectives to the flows after it.
    const node = [
      udp(100e9, '10.1.1.1', 1, '10.1.1.2', 9, 1, 3),
      udp(101.5e9, '10.1.1.1', 2, '10.1.1.2', 9, 2, 3),
      udp(30e9, '10.0.0.1', 5000, '10.96.0.10', 53, 100, 1),
      udp(30e9 + 1000, '10.0.0.1', 5000, '10.244.1.5', 53, 100, 2),
      udp(102.1e9, '10.1.1.1', 3, '10.1.1.2', 9, 3, 3),
      udp(102.2e9, '10.2.2.2', 7000, '10.3.3.3', 80, 4, 3),
      udp(102.3e9, '10.4.4.4', 8000, '10.5.5.5', 443, 5, 3),
      udp(105e9, '10.1.1.1', 4, '10.1.1.2', 9, 6, 3),
    ];
    const r = correlate([capture('n', 'node', 'n1', node)]);
    const lines = summary(r);
    expect(lines).toContain('10.0.0.1:5000 > 10.96.0.10:53 via 10.244.1.5:53: request DNAT');
    expect(lines).toContain('10.2.2.2:7000 > 10.3.3.3:80 via null: ');
    expect(lines).toContain('10.4.4.4:8000 > 10.5.5.5:443 via null: ');
    expect(r.flows).toHaveLength(7);
  });
});

describe('a timestamp far ahead in a capture', () => {
  it('does not hold the flows after it until the end of the input', () => {
    // DNS exchanges for 10 s, one packet stamped a day ahead, then 95 s more exchanges.
    const packets: CorrelatePacket[] = [];
    const exchange = (t: number, port: number) =>
      packets.push(
        udp(t, '10.0.0.1', port, '10.0.0.2', 53, 2 * port),
        udp(t + 1e6, '10.0.0.2', 53, '10.0.0.1', port, 2 * port + 1),
      );
    for (let i = 0; i < 100; i++) exchange(i * 1e8, 10_000 + i);
    packets.push(udp(86_400e9, '10.9.9.9', 1, '10.9.9.8', 2, 1));
    for (let i = 0; i < 1900; i++) exchange(10e9 + i * 5e7, 20_000 + i);
    let read = 0;
    const handedAt: number[] = [];
    const states = new Set<string>();
    const source = function* () {
      read = 0;
      for (const p of packets) {
        read++;
        yield p;
      }
    };
    const r = correlate([{ point: { id: 'c', role: 'client' }, packets: source }], {
      onFlow: (f) => {
        handedAt.push(read);
        if (f.client !== '10.9.9.9:1') states.add(f.state);
      },
    });
    expect(r.flowCount).toBe(2001);
    expect([...states]).toEqual(['ANSWERED']);
    // An answered exchange is handed over about 10 s after it ends: all but the last 10 s or so
    // of the 95 s after the jump go while the capture is still being read.
    const afterJump = handedAt.slice(100).filter((at) => at < packets.length).length;
    expect(afterJump).toBeGreaterThan(1500);
  });
});

describe('a port reused while the old connection is still live', () => {
  const C = '10.0.0.1';
  const S = '10.0.0.2';
  const run = (noise: boolean) => {
    const packets = [
      tcp(0, C, 4000, S, 80, 2, 1000, 0, 1),
      tcp(1e6, S, 80, C, 4000, 18, 9000, 1001, 2),
      tcp(2e6, C, 4000, S, 80, 16, 1001, 9001, 3),
      tcp(3e6, C, 4000, S, 80, 24, 1001, 9001, 4, 10),
      tcp(4e6, S, 80, C, 4000, 16, 9001, 1011, 5),
      // A new SYN on the same tuple, reset at once: it takes the tuple over.
      tcp(1e9, C, 4000, S, 80, 2, 555555, 0, 6),
      tcp(1.001e9, S, 80, C, 4000, 20, 0, 555556, 7),
    ];
    // Unrelated SYNs push the first connection out of the engine's recent-perspective cache.
    if (noise)
      for (let i = 0; i < 10; i++)
        packets.push(tcp(2e9 + i * 1e6, `10.1.0.${i + 1}`, 5000, S, 443, 2, 7 + i, 0, 100 + i));
    packets.push(tcp(4.5e9, '10.9.9.9', 1, S, 22, 2, 42, 0, 99));
    // After the reset connection was retired: more data on the tuple.
    packets.push(tcp(5e9, C, 4000, S, 80, 24, 1011, 9001, 8, 10));
    packets.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
    const r = correlate([capture('c', 'client', 'n1', packets)]);
    return r.flows
      .filter((f) => f.client === `${C}:4000`)
      .map((f) => `${f.state} ${f.perspectives.map((p) => `${p.direction}:${p.packets}`).join(' ')}`);
  };

  it('gives the same flows whatever other traffic passed in between', () => {
    const quiet = run(false);
    expect(quiet).toEqual(run(true));
    expect(quiet).toHaveLength(3);
  });
});

describe('clock offsets from brackets found while reading', () => {
  it('uses a bracket that arrives after a flow without one was retired', () => {
    // The backend's clock is 5 ms ahead; one exchange seen at both brackets it tightly.
    const SKEW = 5_000_000;
    const run = (early: boolean) => {
      const client: CorrelatePacket[] = [];
      if (early)
        client.push(
          udp(0, '10.0.0.1', 1111, '10.0.0.9', 53, 1),
          udp(1e6, '10.0.0.9', 53, '10.0.0.1', 1111, 2),
        );
      const T = 20e9;
      client.push(
        udp(T, '10.0.0.1', 5000, '10.0.0.2', 53, 100),
        udp(T + 500e3, '10.0.0.2', 53, '10.0.0.1', 5000, 200),
      );
      const backend = [
        udp(T + 200e3 + SKEW, '10.0.0.1', 5000, '10.0.0.2', 53, 100),
        udp(T + 300e3 + SKEW, '10.0.0.2', 53, '10.0.0.1', 5000, 200),
      ];
      const r = correlate([capture('c', 'client', 'n1', client), capture('b', 'backend', 'n2', backend)]);
      return r.clockOffsets.find((o) => o.capture === 'b')!;
    };
    for (const early of [false, true]) {
      const b = run(early);
      // The bracket: [200 µs - 0, 300 µs - 500 µs] around the skew, i.e. 5 ms ± 200 µs.
      expect(Number(b.offsetNs), `early flow: ${early}`).toBe(SKEW);
      expect(Number(b.spreadNs)).toBe(200_000);
    }
  });
});

describe('identical datagrams from many ports', () => {
  it('stay one flow each, where a pod capture cannot tell one from the next', () => {
    // 3,000 byte-identical datagrams (IP ID 0, one payload) from a pod's successive ports, 10 µs
    // apart, seen leaving the client pod and reaching the backend pod, both plain captures
    // (no interfaces): hundreds of open groups share the fingerprint at any time.
    const n = 3000;
    const datagram = (t: number, i: number) => ({
      ...udp(t, '10.0.0.1', 1024 + i, '10.0.0.2', 53, 0),
      payloadHash: 42,
    });
    const client = Array.from({ length: n }, (_, i) => datagram(i * 10_000, i));
    const backend = Array.from({ length: n }, (_, i) => datagram(i * 10_000 + 3000, i));
    const r = correlate([capture('c', 'client', 'n1', client), capture('b', 'backend', 'n1', backend)]);
    expect(r.flowCount).toBe(n);
    expect(r.hops).toBe(n);
    for (const f of r.flows) expect(f.perspectives.map((p) => p.src)).toEqual([f.client, f.client]);
  });
});

describe('the clock bootstrap', () => {
  it('finds a UDP-only host that shows up late in another capture', () => {
    // The client's capture holds 25,000 unrelated datagrams before 50 DNS exchanges with a pod
    // on a second node whose clock is 3 s ahead: no handshake, so only fingerprints seen on both
    // can line the clocks up, and they come after the first 20,000 the bootstrap keeps.
    const skew = 3e9;
    const client: CorrelatePacket[] = [];
    const dns: CorrelatePacket[] = [];
    let t = 0;
    for (let i = 0; i < 25_000; i++, t += 400e3)
      client.push(udp(t, '10.244.1.5', 30_000 + (i % 20_000), '10.0.0.99', 9999, 100_000 + i));
    for (let i = 0; i < 50; i++, t += 20e6) {
      const query = (at: number) => udp(at, '10.244.1.5', 50_000 + i, '10.244.2.53', 53, 40_000 + i);
      const answer = (at: number) => udp(at, '10.244.2.53', 53, '10.244.1.5', 50_000 + i, 70_000 + i);
      client.push(query(t), answer(t + 140e3));
      dns.push(query(t + 40e3 + skew), answer(t + 100e3 + skew));
    }
    const r = correlate([capture('client', 'client', 'n1', client), capture('dns', 'backend', 'n2', dns)]);
    expect(r.clockOffsets.find((o) => o.capture === 'dns')!.offsetNs).toBe(String(skew));
    const answered = r.flows.filter((f) => f.service === '10.244.2.53:53');
    expect(answered).toHaveLength(50);
    for (const f of answered)
      expect(new Set(f.perspectives.map((p) => p.capture))).toEqual(new Set(['client', 'dns']));
  });
});

describe('ICMP errors', () => {
  it('counts an error the client sends about a late answer in the request direction', () => {
    // A DNS answer arrives after the client gave up; its kernel answers with port unreachable.
    const error = pkt(2.1e6, {
      protocol: 1,
      src: '10.0.0.1',
      dst: '10.96.0.10',
      ipId: 77,
      icmpType: 3,
      icmpCode: 3,
      embeddedProtocol: 17,
      embeddedSrc: '10.96.0.10',
      embeddedDst: '10.0.0.1',
      embeddedSrcPort: 53,
      embeddedDstPort: 5000,
      embeddedIpId: 200,
    });
    const packets = [
      udp(0, '10.0.0.1', 5000, '10.96.0.10', 53, 100),
      udp(2e6, '10.96.0.10', 53, '10.0.0.1', 5000, 200),
      error,
    ];
    const r = correlate([capture('c', 'client', 'n1', packets)]);
    expect(r.flows).toHaveLength(1);
    const [flow] = r.flows;
    expect(flow.state).toBe('ANSWERED');
    expect(flow.icmpError).toEqual({ type: 3, code: 3, from: '10.0.0.1' });
    expect(flow.perspectives.map((p) => [p.direction, p.icmpErrors])).toEqual([
      ['request', 1],
      ['reply', 0],
    ]);
  });
});
