import { createHash } from 'node:crypto';
import { parseAddress } from './address.js';
import type { DecodedPacket } from './packet.js';

/** A flow's 5-tuple. For ICMP/ICMPv6, srcPort is the type and dstPort the code. */
export interface FlowTuple {
  protocol: number;
  src: string | Uint8Array;
  dst: string | Uint8Array;
  srcPort?: number;
  dstPort?: number;
}

// Community ID v1 (https://github.com/corelight/community-id-spec): ICMP types that come in
// request/reply pairs hash as if the counterpart type were the destination port.
const ICMP4_COUNTERPART = new Map([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [10, 9],
  [9, 10],
  [17, 18],
  [18, 17],
]);
const ICMP6_COUNTERPART = new Map([
  [128, 129],
  [129, 128],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [130, 131],
  [131, 130],
  [139, 140],
  [140, 139],
  [144, 145],
  [145, 144],
]);
const PORT_PROTOCOLS = new Set([1, 6, 17, 58, 132]);

/** The type an ICMP/ICMPv6 type pairs with (echo request and reply...), undefined if one-way. */
export function icmpCounterpart(protocol: number, type: number): number | undefined {
  return (protocol === 1 ? ICMP4_COUNTERPART : ICMP6_COUNTERPART).get(type);
}

/** Protocols whose Community ID hashes ports (ICMP: type and code). */
export function communityIdHasPorts(protocol: number): boolean {
  return PORT_PROTOCOLS.has(protocol);
}

/**
 * The Community ID v1 of a flow: `1:` + base64 (or hex) SHA-1 over seed, the ordered addresses
 * and ports, and the protocol, so both directions and every tool agree on one flow id.
 */
export function communityId(tuple: FlowTuple, seed = 0, base64 = true): string {
  const proto = tuple.protocol;
  const ports = communityIdHasPorts(proto);
  return hashTuple(
    toBytes(tuple.src),
    toBytes(tuple.dst),
    proto,
    tuple.srcPort ?? 0,
    tuple.dstPort ?? 0,
    ports,
    seed,
    base64,
  );
}

/**
 * The Community ID of a decoded packet's innermost IP flow, or null when it carries no IP. As the
 * spec's reference implementation, a packet without a transport header to read ports from (a
 * later fragment, an ICMP header cut before its type and code, ports not captured) hashes the
 * ordered addresses and the protocol only.
 */
export function communityIdOf(p: DecodedPacket, seed = 0, base64 = true): string | null {
  if (p.ipVersion === 0) return null;
  const n = p.ipVersion === 4 ? 4 : 16;
  const icmp = p.protocol === 1 || p.protocol === 58;
  const ports =
    p.fragOffset === 0 &&
    (icmp ? p.icmpType >= 0 && p.icmpCode >= 0 : communityIdHasPorts(p.protocol) && p.hasPorts);
  return hashTuple(
    p.src.subarray(0, n),
    p.dst.subarray(0, n),
    p.protocol,
    icmp ? p.icmpType : p.srcPort,
    icmp ? p.icmpCode : p.dstPort,
    ports,
    seed,
    base64,
  );
}

/** Hashes ports (ICMP: type and code) only when `ports`; else orders by address alone. */
function hashTuple(
  src: Uint8Array,
  dst: Uint8Array,
  proto: number,
  sport: number,
  dport: number,
  ports: boolean,
  seed: number,
  base64: boolean,
): string {
  if (!ports) sport = dport = 0;
  let oneWay = false;
  if (ports && (proto === 1 || proto === 58)) {
    const counterpart = icmpCounterpart(proto, sport);
    if (counterpart === undefined) oneWay = true;
    else dport = counterpart;
  }
  if (!oneWay && !lessThan(src, sport, dst, dport)) {
    [src, dst] = [dst, src];
    [sport, dport] = [dport, sport];
  }
  const buf = Buffer.alloc(2 + src.length * 2 + 2 + (ports ? 4 : 0));
  buf.writeUInt16BE(seed & 0xffff, 0);
  buf.set(src, 2);
  buf.set(dst, 2 + src.length);
  let o = 2 + src.length * 2;
  buf[o++] = proto;
  buf[o++] = 0;
  if (ports) {
    buf.writeUInt16BE(sport, o);
    buf.writeUInt16BE(dport, o + 2);
  }
  const digest = createHash('sha1').update(buf).digest();
  return `1:${digest.toString(base64 ? 'base64' : 'hex')}`;
}

function toBytes(a: string | Uint8Array): Uint8Array {
  if (typeof a !== 'string') return a;
  const bytes = parseAddress(a);
  if (!bytes) throw new TypeError(`not an IP address: ${a}`);
  return bytes;
}

/** (a, aPort) < (b, bPort) comparing addresses bytewise, then ports. */
function lessThan(a: Uint8Array, aPort: number, b: Uint8Array, bPort: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return aPort < bPort;
}
