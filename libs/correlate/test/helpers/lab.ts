// Synthetic kube-proxy paths: connections replayed as the client, node(s) and backend captures
// would record them, written as pcap files and read back through libs/capture + libs/decode.
import { decodeFile } from '#decode';
import { decodedSource } from '../../src/decode-adapter.js';
import type { CaptureRole, CorrelateCapture, PacketSource } from '../../src/types.js';
import { pcapFile, type SyntheticPacket } from './pcap-writer.js';

export type Endpoint = [string, number];

/** One place a packet is seen: `post` = after DNAT/SNAT; `tunnel` = encapsulated there. */
export interface PathPoint {
  capture: string;
  ifIndex: number;
  pktType: number;
  post: boolean;
  delayNs: bigint;
  tunnel?: { kind: 'vxlan' | 'geneve'; src: string; dst: string; vni: number };
}

export interface Topology {
  captures: { id: string; role: CaptureRole; node: string; skewNs?: bigint }[];
  request: PathPoint[];
  reply: PathPoint[];
}

const IN = 0;
const P = 3;
const OUT = 4;
const US = 1000n;

export const SINGLE_NODE: Topology = {
  captures: [
    { id: 'client', role: 'client', node: 'n1' },
    { id: 'node', role: 'node', node: 'n1' },
    { id: 'backend', role: 'backend', node: 'n1' },
  ],
  request: [
    { capture: 'client', ifIndex: 2, pktType: OUT, post: false, delayNs: 0n },
    { capture: 'node', ifIndex: 4, pktType: P, post: false, delayNs: 5n * US },
    { capture: 'node', ifIndex: 7, pktType: OUT, post: true, delayNs: 30n * US },
    { capture: 'backend', ifIndex: 2, pktType: IN, post: true, delayNs: 33n * US },
  ],
  reply: [
    { capture: 'backend', ifIndex: 2, pktType: OUT, post: true, delayNs: 0n },
    { capture: 'node', ifIndex: 7, pktType: P, post: true, delayNs: 3n * US },
    { capture: 'node', ifIndex: 2, pktType: IN, post: true, delayNs: 5n * US },
    { capture: 'node', ifIndex: 2, pktType: OUT, post: false, delayNs: 8n * US },
    { capture: 'node', ifIndex: 4, pktType: OUT, post: false, delayNs: 10n * US },
    { capture: 'client', ifIndex: 2, pktType: IN, post: false, delayNs: 13n * US },
  ],
};

/** Client on node 1, DNAT there, Geneve across the underlay to a backend on node 2. */
export function twoNodeGeneve(skewNs: bigint): Topology {
  const out = { kind: 'geneve' as const, src: '192.168.56.11', dst: '192.168.56.12', vni: 7 };
  const back = { kind: 'geneve' as const, src: '192.168.56.12', dst: '192.168.56.11', vni: 7 };
  return {
    captures: [
      { id: 'client', role: 'client', node: 'n1' },
      { id: 'node-1', role: 'node', node: 'n1' },
      { id: 'node-2', role: 'node', node: 'n2', skewNs },
      { id: 'backend', role: 'backend', node: 'n2', skewNs },
    ],
    request: [
      { capture: 'client', ifIndex: 2, pktType: OUT, post: false, delayNs: 0n },
      { capture: 'node-1', ifIndex: 4, pktType: P, post: false, delayNs: 5n * US },
      { capture: 'node-1', ifIndex: 2, pktType: IN, post: true, delayNs: 10n * US },
      { capture: 'node-1', ifIndex: 3, pktType: OUT, post: true, delayNs: 20n * US, tunnel: out },
      { capture: 'node-2', ifIndex: 3, pktType: IN, post: true, delayNs: 31n * US, tunnel: out },
      { capture: 'node-2', ifIndex: 7, pktType: OUT, post: true, delayNs: 40n * US },
      { capture: 'backend', ifIndex: 2, pktType: IN, post: true, delayNs: 43n * US },
    ],
    reply: [
      { capture: 'backend', ifIndex: 2, pktType: OUT, post: true, delayNs: 0n },
      { capture: 'node-2', ifIndex: 7, pktType: P, post: true, delayNs: 3n * US },
      { capture: 'node-2', ifIndex: 3, pktType: OUT, post: true, delayNs: 10n * US, tunnel: back },
      { capture: 'node-1', ifIndex: 3, pktType: IN, post: true, delayNs: 21n * US, tunnel: back },
      { capture: 'node-1', ifIndex: 2, pktType: OUT, post: false, delayNs: 30n * US },
      { capture: 'node-1', ifIndex: 4, pktType: OUT, post: false, delayNs: 32n * US },
      { capture: 'client', ifIndex: 2, pktType: IN, post: false, delayNs: 35n * US },
    ],
  };
}

export interface Connection {
  client: Endpoint;
  service: Endpoint;
  backend: Endpoint;
  /** Source as the backend sees it (masquerade); the client's own address if absent. */
  snat?: Endpoint;
  start: bigint;
  isn: number;
  /** Every packet with IP ID 0 and no TCP timestamps: retransmissions are identical. */
  ipIdZero?: boolean;
  /** SYNs sent before one gets through (1 s apart); the earlier ones stop after `lostAfter`. */
  synAttempts?: number;
  lostAfter?: string;
}

interface Message {
  request: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  gap: bigint;
}

const SYN = 2;
const ACK = 16;
const FIN = 1;
const PSH = 8;

/** The packets of one HTTP-like exchange: handshake, request, response, close. */
function exchange(c: Connection): Message[] {
  const sIsn = (c.isn * 7919 + 12345) >>> 0;
  const q = 60;
  const r = 140;
  const msgs: Message[] = [];
  for (let i = 1; i < (c.synAttempts ?? 1); i++)
    msgs.push({ request: true, flags: SYN, seq: c.isn, ack: 0, len: 0, gap: 1_000_000_000n });
  msgs.push(
    { request: true, flags: SYN, seq: c.isn, ack: 0, len: 0, gap: 100n * US },
    { request: false, flags: SYN | ACK, seq: sIsn, ack: c.isn + 1, len: 0, gap: 50n * US },
    { request: true, flags: ACK, seq: c.isn + 1, ack: sIsn + 1, len: 0, gap: 20n * US },
    { request: true, flags: PSH | ACK, seq: c.isn + 1, ack: sIsn + 1, len: q, gap: 200n * US },
    { request: false, flags: ACK, seq: sIsn + 1, ack: c.isn + 1 + q, len: 0, gap: 100n * US },
    { request: false, flags: PSH | ACK, seq: sIsn + 1, ack: c.isn + 1 + q, len: r, gap: 50n * US },
    { request: true, flags: ACK, seq: c.isn + 1 + q, ack: sIsn + 1 + r, len: 0, gap: 30n * US },
    { request: false, flags: FIN | ACK, seq: sIsn + 1 + r, ack: c.isn + 1 + q, len: 0, gap: 40n * US },
    { request: true, flags: FIN | ACK, seq: c.isn + 1 + q, ack: sIsn + 2 + r, len: 0, gap: 60n * US },
    { request: false, flags: ACK, seq: sIsn + 2 + r, ack: c.isn + 2 + q, len: 0, gap: 0n },
  );
  return msgs;
}

export function simulate(topology: Topology, connections: Connection[]): Map<string, SyntheticPacket[]> {
  const out = new Map<string, SyntheticPacket[]>(topology.captures.map((c) => [c.id, []]));
  const skew = new Map(topology.captures.map((c) => [c.id, c.skewNs ?? 0n]));
  for (const c of connections) {
    let t = c.start;
    let ipId = (c.isn & 0x7fff) + 1;
    const msgs = exchange(c);
    msgs.forEach((m, i) => {
      const attempt = i < (c.synAttempts ?? 1) - 1;
      const path = m.request ? topology.request : topology.reply;
      const payload = new Uint8Array(m.len).map((_, k) => (k * 31 + m.seq) & 0xff);
      for (const point of path) {
        // Lost attempts are seen up to (not including) the point after `lostAfter`.
        if (attempt && c.lostAfter !== undefined && passed(path, c.lostAfter, point)) break;
        const pre = m.request ? { src: c.client, dst: c.service } : { src: c.service, dst: c.client };
        const post = m.request
          ? { src: c.snat ?? c.client, dst: c.backend }
          : { src: c.backend, dst: c.snat ?? c.client };
        const tuple = point.post ? post : pre;
        out.get(point.capture)!.push({
          t: t + point.delayNs + skew.get(point.capture)!,
          ifIndex: point.ifIndex,
          pktType: point.pktType,
          src: tuple.src[0],
          dst: tuple.dst[0],
          protocol: 'tcp',
          sport: tuple.src[1],
          dport: tuple.dst[1],
          ipId: c.ipIdZero ? 0 : ipId,
          seq: m.seq,
          ack: m.ack,
          flags: m.flags,
          tsVal: c.ipIdZero ? undefined : Number((t / 1_000_000n) & 0xffffffffn),
          payload,
          tunnel: point.tunnel && { ...point.tunnel, sport: 40000 + (c.client[1] % 1000) },
        });
      }
      ipId++;
      t += m.gap;
    });
  }
  for (const list of out.values()) list.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  return out;
}

function passed(path: PathPoint[], lostAfter: string, point: PathPoint): boolean {
  const last = path.findLastIndex((p) => p.capture === lostAfter);
  return path.indexOf(point) > last;
}

/** The simulated captures, written as pcap and decoded, ready for correlate(). */
export async function captures(topology: Topology, packets: Map<string, SyntheticPacket[]>) {
  const result: CorrelateCapture<PacketSource>[] = [];
  for (const c of topology.captures) {
    const bytes = pcapFile(packets.get(c.id)!);
    const decoded = await decodeFile([bytes]);
    result.push({ point: { id: c.id, role: c.role, node: c.node }, packets: decodedSource(decoded) });
  }
  return result;
}
