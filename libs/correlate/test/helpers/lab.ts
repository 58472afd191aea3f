// Synthetic kube-proxy paths: connections replayed as the client, node(s) and backend captures
// would record them, written as pcap files and read back through libs/capture + libs/decode.
import { decodeFile } from '#decode';
import { decodedSource } from '../../src/decode-adapter.js';
import type { CaptureRole, CorrelateCapture, PacketSource } from '../../src/types.js';
import { concat, pcapFile, type SyntheticPacket, type TunnelKind } from './pcap-writer.js';

export type Endpoint = [string, number];

/** One place a packet is seen: `post` = after DNAT/SNAT; `tunnel` = encapsulated there. */
export interface PathPoint {
  capture: string;
  ifIndex: number;
  pktType: number;
  post: boolean;
  delayNs: bigint;
  tunnel?: { kind: TunnelKind; src: string; dst: string; vni?: number };
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
  return twoNodeTunnel('geneve', 7, skewNs);
}

/**
 * Client on node 1, DNAT there, a `kind` tunnel (VNI or GRE key `vni`; none if undefined) from
 * 192.168.56.11 across the underlay to 192.168.56.12, a backend on node 2.
 */
export function twoNodeTunnel(kind: TunnelKind, vni: number | undefined, skewNs: bigint): Topology {
  const out = { kind, src: '192.168.56.11', dst: '192.168.56.12', vni };
  const back = { kind, src: '192.168.56.12', dst: '192.168.56.11', vni };
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
  /** 'tcp' (default): an HTTP-like exchange; 'sctp': an association (see `association`). */
  protocol?: 'tcp' | 'sctp';
  /** SCTP: the association ends in an ABORT from this side instead of a SHUTDOWN. */
  abortBy?: 'client' | 'backend';
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
  /** SCTP: the verification tag and the chunks (the payload). */
  vtag?: number;
  chunks?: Uint8Array;
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

const INIT = 1;
const INIT_ACK = 2;
const SACK = 3;
const DATA = 0;
const COOKIE_ECHO = 10;
const COOKIE_ACK = 11;
const SHUTDOWN = 7;
const SHUTDOWN_ACK = 8;
const SHUTDOWN_COMPLETE = 14;
const ABORT = 6;

/** 32-bit big-endian words (SCTP's 16-bit field pairs are written as one word). */
function words(...values: number[]): Uint8Array {
  const v = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((x, i) => v.setUint32(i * 4, x >>> 0));
  return new Uint8Array(v.buffer);
}

/** An SCTP chunk (RFC 9260 3.2): type, flags, length, then the value padded to 4 bytes. */
function chunk(type: number, flags: number, ...value: Uint8Array[]): Uint8Array {
  const body = concat(...value);
  const out = new Uint8Array(4 + Math.ceil(body.length / 4) * 4);
  const v = new DataView(out.buffer);
  v.setUint8(0, type);
  v.setUint8(1, flags);
  v.setUint16(2, 4 + body.length);
  out.set(body, 4);
  return out;
}

/**
 * The packets of one SCTP association, with the exchange's shape: INIT / INIT ACK / COOKIE ECHO /
 * COOKIE ACK, a request DATA and its SACK, the response DATA, SHUTDOWN / ACK / COMPLETE. Each
 * side's packets carry the tag the other side chose (INIT carries 0); each side's initial TSN is
 * its tag, and INIT ACK's state cookie (parameter 7) is `isn`, echoed back.
 */
function association(c: Connection): Message[] {
  const cTag = c.isn >>> 0 || 1;
  const sTag = (c.isn * 7919 + 12345) >>> 0 || 1;
  const data = (tsn: number, len: number) =>
    chunk(
      DATA,
      3,
      words(tsn, 0, 0),
      new Uint8Array(len).map((_, k) => (k * 31 + tsn) & 0xff),
    );
  const m = (request: boolean, gap: bigint, ...chunks: Uint8Array[]): Message => ({
    request,
    flags: 0,
    seq: 0,
    ack: 0,
    len: 0,
    gap,
    vtag: chunks[0][0] === INIT ? 0 : request ? sTag : cTag,
    chunks: concat(...chunks),
  });
  return [
    m(true, 100n * US, chunk(INIT, 0, words(cTag, 65536, (10 << 16) | 10, cTag))),
    m(false, 50n * US, chunk(INIT_ACK, 0, words(sTag, 65536, (10 << 16) | 10, sTag, (7 << 16) | 8, c.isn))),
    m(true, 20n * US, chunk(COOKIE_ECHO, 0, words(c.isn))),
    m(false, 30n * US, chunk(COOKIE_ACK, 0)),
    m(true, 200n * US, data(cTag, 60)),
    m(false, 100n * US, chunk(SACK, 0, words(cTag, 65536, 0))),
    m(false, 50n * US, data(sTag, 140)),
    m(true, 30n * US, chunk(SACK, 0, words(sTag, 65536, 0))),
    ...(c.abortBy === undefined
      ? [
          m(true, 60n * US, chunk(SHUTDOWN, 0, words(sTag))),
          m(false, 40n * US, chunk(SHUTDOWN_ACK, 0)),
          m(true, 0n, chunk(SHUTDOWN_COMPLETE, 0)),
        ]
      : [m(c.abortBy === 'client', 60n * US, chunk(ABORT, 0))]),
  ];
}

export function simulate(topology: Topology, connections: Connection[]): Map<string, SyntheticPacket[]> {
  const out = new Map<string, SyntheticPacket[]>(topology.captures.map((c) => [c.id, []]));
  const skew = new Map(topology.captures.map((c) => [c.id, c.skewNs ?? 0n]));
  for (const c of connections) {
    let t = c.start;
    let ipId = (c.isn & 0x7fff) + 1;
    const protocol = c.protocol ?? 'tcp';
    const msgs = protocol === 'sctp' ? association(c) : exchange(c);
    msgs.forEach((m, i) => {
      const attempt = i < (c.synAttempts ?? 1) - 1;
      const path = m.request ? topology.request : topology.reply;
      const payload = m.chunks ?? new Uint8Array(m.len).map((_, k) => (k * 31 + m.seq) & 0xff);
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
          protocol,
          sport: tuple.src[1],
          dport: tuple.dst[1],
          ipId: c.ipIdZero ? 0 : ipId,
          seq: m.seq,
          ack: m.ack,
          flags: m.flags,
          vtag: m.vtag,
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
