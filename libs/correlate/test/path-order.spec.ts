// The order of one packet's sightings when its path crosses hosts whose clocks are only known to
// a few microseconds: a packet that leaves a host and comes back (a NodePort on another node,
// DNATed and masqueraded to a pod on the first) must keep its path order.
import { describe, expect, it } from 'vitest';
import { emptyPacket } from '../src/decode-adapter.js';
import { correlate, type CapturePoint, type CorrelatePacket } from '../src/index.js';

const IN = 0;
const P = 3;
const OUT = 4;

/** One sighting on a packet's path: when (ns after the packet left), where, under which tuple. */
interface Hop {
  at: string;
  dt: number;
  ifIndex: number;
  pktType: number;
  tuple: 'client' | 'backend';
  /** VXLAN outer addresses, in the request direction. */
  vxlan?: [string, string];
}

type Tuple = [string, number, string, number];

function hop(
  at: string,
  dt: number,
  ifIndex: number,
  pktType: number,
  tuple: Hop['tuple'],
  vxlan?: [string, string],
): Hop {
  return { at, dt, ifIndex, pktType, tuple, vxlan };
}

let ipId = 100;

/** A TCP connection's packets (handshake, a request, an answer, both FINs) at every capture. */
function connection(
  start: number,
  isn: number,
  tuples: Record<Hop['tuple'], Tuple>,
  request: Hop[],
  reply: Hop[],
) {
  const messages = [
    { req: true, flags: 2, seq: isn, ack: 0, len: 0 },
    { req: false, flags: 18, seq: 5000, ack: isn + 1, len: 0 },
    { req: true, flags: 16, seq: isn + 1, ack: 5001, len: 0 },
    { req: true, flags: 24, seq: isn + 1, ack: 5001, len: 50 },
    { req: false, flags: 24, seq: 5001, ack: isn + 51, len: 100 },
    { req: true, flags: 17, seq: isn + 51, ack: 5101, len: 0 },
    { req: false, flags: 17, seq: 5101, ack: isn + 52, len: 0 },
    { req: true, flags: 16, seq: isn + 52, ack: 5102, len: 0 },
  ];
  const out: Record<string, CorrelatePacket[]> = {};
  messages.forEach((m, i) => {
    const id = ipId++;
    for (const hop of m.req ? request : reply) {
      let [src, srcPort, dst, dstPort] = tuples[hop.tuple];
      if (!m.req) [src, srcPort, dst, dstPort] = [dst, dstPort, src, srcPort];
      const t = start + i * 200_000 + hop.dt;
      const p: CorrelatePacket = {
        ...emptyPacket(),
        tsSec: 1_795_759_897 + Math.floor(t / 1e9),
        tsNsec: t % 1e9,
        ipVersion: 4,
        protocol: 6,
        src,
        dst,
        srcPort,
        dstPort,
        ipId: id,
        ipLength: 52 + m.len,
        tcpFlags: m.flags,
        seq: m.seq,
        ack: m.ack,
        window: 500,
        payloadLength: m.len,
        payloadHash: m.len ? m.seq * 7919 : 0,
        ifIndex: hop.ifIndex,
        pktType: hop.pktType,
      };
      if (hop.vxlan) {
        const [a, b] = m.req ? hop.vxlan : [hop.vxlan[1], hop.vxlan[0]];
        Object.assign(p, {
          tunnel: 1,
          outerSrc: a,
          outerDst: b,
          outerSrcPort: 40000,
          outerDstPort: 8472,
          vni: 1,
        });
      }
      (out[hop.at] ??= []).push(p);
    }
  });
  return out;
}

describe('a packet that leaves a host and comes back', () => {
  it('keeps its path order across the clocks', () => {
    const n1 = '192.168.56.11';
    const n2 = '192.168.56.12';
    // Ordinary traffic first: a client pod on n1 to a ClusterIP, DNATed to a pod on n2 (not
    // captured there), whose handshakes line up the two nodes' clocks.
    const toN2 = [n1, n2] as [string, string];
    const ordinary = {
      request: [
        hop('client', 0, 2, OUT, 'client'),
        hop('node1', 2000, 5, P, 'client'),
        hop('node1', 5000, 4, OUT, 'backend'),
        hop('node1', 7000, 2, OUT, 'backend', toN2),
        hop('node2', 12000, 2, IN, 'backend', toN2),
        hop('node2', 14000, 4, IN, 'backend'),
      ],
      reply: [
        hop('node2', 0, 4, OUT, 'backend'),
        hop('node2', 2000, 2, OUT, 'backend', toN2),
        hop('node1', 7000, 2, IN, 'backend', toN2),
        hop('node1', 9000, 4, IN, 'backend'),
        hop('node1', 11000, 5, OUT, 'client'),
        hop('client', 13000, 2, IN, 'client'),
      ],
    };
    // Then the client calls a NodePort on n2, which DNATs and masquerades to a pod on n1: out
    // through n1, into n2, back over VXLAN to n1 and the backend, all within 30 µs.
    const toN1 = [n2, n1] as [string, string];
    const hairpin = {
      request: [
        hop('client', 0, 2, OUT, 'client'),
        hop('node1', 2000, 5, P, 'client'),
        hop('node1', 5000, 2, OUT, 'client'),
        hop('node2', 10000, 2, IN, 'client'),
        hop('node2', 15000, 4, OUT, 'backend'),
        hop('node2', 17000, 2, OUT, 'backend', toN1),
        hop('node1', 22000, 2, IN, 'backend', toN1),
        hop('node1', 25000, 4, IN, 'backend'),
        hop('node1', 27000, 3, OUT, 'backend'),
        hop('node1', 28000, 6, OUT, 'backend'),
        hop('backend', 30000, 2, IN, 'backend'),
      ],
      reply: [
        hop('backend', 0, 2, OUT, 'backend'),
        hop('node1', 2000, 6, P, 'backend'),
        hop('node1', 3000, 3, IN, 'backend'),
        hop('node1', 5000, 4, OUT, 'backend'),
        hop('node1', 7000, 2, OUT, 'backend', toN2),
        hop('node2', 12000, 2, IN, 'backend', toN2),
        hop('node2', 14000, 4, IN, 'backend'),
        hop('node2', 17000, 2, OUT, 'client'),
        hop('node1', 22000, 2, IN, 'client'),
        hop('node1', 25000, 5, OUT, 'client'),
        hop('client', 27000, 2, IN, 'client'),
      ],
    };
    const parts: Record<string, CorrelatePacket[]>[] = [];
    for (let i = 0; i < 5; i++) {
      const tuples = {
        client: ['10.244.1.5', 50000 + i, '10.96.0.10', 80] as Tuple,
        backend: ['10.244.1.5', 50000 + i, '10.244.2.7', 80] as Tuple,
      };
      parts.push(connection(i * 50e6, 1000 * i + 77, tuples, ordinary.request, ordinary.reply));
    }
    for (let i = 0; i < 5; i++) {
      const tuples = {
        client: ['10.244.1.5', 40000 + i, n2, 30080] as Tuple,
        backend: ['10.244.2.0', 6000 + i, '10.244.1.9', 80] as Tuple,
      };
      parts.push(connection(1e9 + i * 50e6, 900_077 + 1000 * i, tuples, hairpin.request, hairpin.reply));
    }
    const points: CapturePoint[] = [
      { id: 'client', role: 'client', node: 'n1' },
      { id: 'node1', role: 'node', node: 'n1' },
      { id: 'node2', role: 'node', node: 'n2' },
      { id: 'backend', role: 'backend', node: 'n1' },
    ];
    const captures = points.map((point) => {
      const packets = parts
        .flatMap((part) => part[point.id] ?? [])
        .sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec);
      packets.forEach((p, i) => (p.frame = i));
      return { point, packets: () => packets };
    });

    const r = correlate(captures);
    expect(r.clockOffsets.find((o) => o.capture === 'node2')!.offsetNs).toBe('0');
    const flow = r.flows.find((f) => f.service === `${n2}:30080`)!;
    expect(flow.backend).toBe('10.244.1.9:80');
    expect(flow.translations.map((t) => `${t.direction} ${t.kind} ${t.fromCapture}>${t.capture}`)).toEqual([
      'request NONE client>node1',
      'request NONE node1>node2',
      'request DNAT_SNAT node2>node2',
      'request ENCAP node2>node2',
      'request NONE node2>node1',
      'request DECAP node1>node1',
      'request NONE node1>backend',
      'reply NONE backend>node1',
      'reply ENCAP node1>node1',
      'reply NONE node1>node2',
      'reply DECAP node2>node2',
      'reply DNAT_SNAT node2>node2',
      'reply NONE node2>node1',
      'reply NONE node1>client',
    ]);
    for (const t of flow.translations) expect(Number(t.latencyNs), JSON.stringify(t)).toBeGreaterThan(0);
  });
});
