// Flows from joined perspectives: which way is the request, who the client, service and backend
// are, the state, the translations in path order and every capture point's perspective.
import { createHash } from 'node:crypto';
import { communityId } from './community-id.js';
import { hasPorts, packetTypeName, protocolName } from './endpoint.js';
import {
  parityToRoot,
  type PerspectiveState,
  S_BYTES,
  S_DUP_ACKS,
  S_FIN,
  S_FIRST,
  S_LAST,
  S_PACKETS,
  S_RETRANS,
  S_RST,
  S_SIGHTINGS,
  S_UNPAIRED,
} from './perspective.js';
import { outerOf, toTranslations, tupleOf, type TranslationContext } from './translation.js';
import type {
  AddressLookup,
  CapturePoint,
  Flow,
  FlowState,
  HandshakeTiming,
  InterfaceCount,
  Perspective,
  SightingRecord,
} from './types.js';

const ROLE_RANK: Record<string, number> = { client: 0, node: 1, other: 2, backend: 3 };

/**
 * The request direction of every member, in its own terms: the direction of the earliest SYN
 * if any perspective saw one, else of the earliest packet.
 */
export function requestDirections(members: PerspectiveState[], offset: (domain: number) => number) {
  let pick: PerspectiveState | null = null;
  let pickDir = 0;
  let pickT = Infinity;
  for (const p of members) {
    if (p.synDir < 0) continue;
    const t = p.synT - offset(p.domain);
    if (t < pickT) [pick, pickDir, pickT] = [p, p.synDir, t];
  }
  if (pick === null) {
    for (const p of members) {
      const t = Math.min(nz(p.stat[S_FIRST]), nz(p.stat[S_FIRST + 1])) - offset(p.domain);
      // Endpoint a sent the first packet (or the packet an ICMP error quoted): direction 0.
      if (t < pickT) [pick, pickDir, pickT] = [p, 0, t];
    }
  }
  const rootDir = pickDir ^ parityToRoot(pick!);
  const dirs = new Map<PerspectiveState, number>();
  for (const p of members) dirs.set(p, rootDir ^ parityToRoot(p));
  return dirs;
}

function nz(t: number): number {
  return Number.isNaN(t) ? Infinity : t;
}

export interface FlowContext extends TranslationContext {
  points: readonly CapturePoint[];
  baseSec: number;
  addressBook: AddressLookup | null;
}

export function buildFlow(
  members: PerspectiveState[],
  dirs: Map<PerspectiveState, number>,
  ctx: FlowContext,
): Flow {
  const rd = (p: PerspectiveState) => dirs.get(p)!;
  const tc = (p: PerspectiveState, t: number) => t - ctx.offset(p.domain);
  const role = (p: PerspectiveState) => ROLE_RANK[ctx.points[p.capture].role] ?? 2;
  const protocol = members[0].protocol;

  // Path order of the request: where it was first seen (client side) to where it was last seen.
  const withRequest = members.filter((p) => p.stat[S_PACKETS + rd(p)] > 0);
  const path = (withRequest.length ? withRequest : members).slice();
  const firstOf = (p: PerspectiveState) => {
    const t = p.stat[S_FIRST + rd(p)];
    return tc(p, Number.isNaN(t) ? p.stat[S_FIRST + (1 - rd(p))] : t);
  };
  path.sort((x, y) => firstOf(x) - firstOf(y) || role(x) - role(y) || x.capture - y.capture);
  const clientLeg = path[0];
  const lastLeg = path[path.length - 1];
  const clientTuple = tupleOf(clientLeg, rd(clientLeg));
  const lastTuple = tupleOf(lastLeg, rd(lastLeg));

  const translations = [];
  for (const p of members) {
    for (const hop of p.hops) {
      const direction = hop.fromDir === rd(p) ? 'request' : 'reply';
      for (const t of toTranslations(p, hop, direction, ctx)) translations.push({ order: hop.firstTc, t });
    }
  }
  translations.sort((x, y) => dirRank(x.t.direction) - dirRank(y.t.direction) || x.order - y.order);
  const dnat = translations.some((x) => x.t.direction === 'request' && /DNAT/.test(x.t.kind));

  const lookup = (ep: string) => ctx.addressBook?.lookup(hostOf(ep), portOf(ep), bookProtocol(protocol));
  const serviceEntry = lookup(clientTuple.dst);
  let backend: string | null = null;
  if (dnat) backend = lastTuple.dst;
  else if (members.some((p) => ctx.points[p.capture].role === 'backend' && p.stat[S_PACKETS + rd(p)] > 0))
    backend = lastTuple.dst;
  else if (serviceEntry && !/service/i.test(serviceEntry.kind)) backend = lastTuple.dst;
  const backendEntry = backend ? lookup(backend) : null;

  const sum = (f: (p: PerspectiveState, req: number, rep: number) => number) =>
    members.reduce((acc, p) => acc + f(p, rd(p), 1 - rd(p)), 0);
  const synReq = sum((p, req) => (p.synDir === req ? 1 : 0)) > 0;
  const synAck = sum((p, req) => (p.synDir === req && !Number.isNaN(p.synAckT) ? 1 : 0)) > 0;
  const finReq = sum((p, req) => p.stat[S_FIN + req]) > 0;
  const finRep = sum((p, _req, rep) => p.stat[S_FIN + rep]) > 0;
  const rstReq = sum((p, req) => p.stat[S_RST + req]) > 0;
  const rstRep = sum((p, _req, rep) => p.stat[S_RST + rep]) > 0;
  const icmpErrors = sum((p) => p.icmpErrors);
  const replies = sum((p, _req, rep) => p.stat[S_PACKETS + rep]) - icmpErrors;

  let state: FlowState;
  if (protocol === 6) {
    if (rstReq || rstRep) state = 'RESET';
    else if (finReq && finRep) state = 'CLOSED';
    else if (synAck || (!synReq && replies > 0)) state = 'ESTABLISHED';
    else if (icmpErrors > 0) state = 'ICMP_ERROR';
    else state = 'UNANSWERED';
  } else if (replies > 0) state = 'ANSWERED';
  else state = icmpErrors > 0 ? 'ICMP_ERROR' : 'UNANSWERED';

  let resetBy: Flow['resetBy'] = null;
  if (rstReq) resetBy = 'client';
  else if (rstRep) {
    const sawRst = (p: PerspectiveState) => p.stat[S_RST + (1 - rd(p))] > 0;
    if (backend !== null && members.some((p) => sawRst(p) && (p === lastLeg || role(p) === 3)))
      resetBy = 'backend';
    else if (members.some((p) => sawRst(p) && ctx.points[p.capture].role === 'node')) resetBy = 'node';
    else resetBy = 'service';
  }

  let first = Infinity;
  let last = -Infinity;
  for (const p of members) {
    for (const d of [0, 1]) {
      if (p.stat[S_PACKETS + d] === 0) continue;
      first = Math.min(first, tc(p, p.stat[S_FIRST + d]));
      last = Math.max(last, tc(p, p.stat[S_LAST + d]));
    }
  }
  const firstNs = absolute(ctx.baseSec, first);

  const perspectives: Perspective[] = [];
  const ordered = [...members].sort((x, y) => firstOf(x) - firstOf(y) || role(x) - role(y));
  for (const wantRequest of [true, false]) {
    for (const p of ordered) {
      const d = wantRequest ? rd(p) : 1 - rd(p);
      if (p.stat[S_SIGHTINGS + d] === 0) continue;
      perspectives.push(perspectiveOf(p, d, wantRequest, ctx));
    }
  }

  const handshake: Record<string, HandshakeTiming> = {};
  for (const p of [...members].sort((x, y) => tc(x, x.synT) - tc(y, y.synT))) {
    if (p.synDir !== rd(p) || Number.isNaN(p.synAckT)) continue;
    const id = ctx.captureId(p.capture);
    handshake[id] ??= {
      synToSynAckNs: String(Math.round(p.synAckT - p.synT)),
      synAckToAckNs: Number.isNaN(p.ackT) ? null : String(Math.round(p.ackT - p.synAckT)),
    };
  }

  const icmpSource = [clientLeg, ...members].find((p) => p.icmpError !== null);
  const id = createHash('sha1')
    .update(`${protocol}|${clientTuple.src}|${clientTuple.dst}|${firstNs}`)
    .digest('hex')
    .slice(0, 16);

  return {
    id,
    protocol: protocolName(protocol),
    client: clientTuple.src,
    service: clientTuple.dst,
    backend,
    clientSeenByBackend: backend !== null ? lastTuple.src : null,
    serviceName:
      serviceEntry && /service/i.test(serviceEntry.kind)
        ? (serviceEntry.serviceName ?? serviceEntry.name)
        : null,
    backendPod: backendEntry && /pod/i.test(backendEntry.kind) ? backendEntry.name : null,
    state,
    resetBy,
    icmpError: icmpSource?.icmpError ?? null,
    firstNs,
    lastNs: absolute(ctx.baseSec, last),
    translations: translations.map((x) => x.t),
    perspectives,
    handshake,
    request: {
      packets: clientLeg.stat[S_PACKETS + rd(clientLeg)],
      bytes: clientLeg.stat[S_BYTES + rd(clientLeg)],
    },
    reply: {
      packets: clientLeg.stat[S_PACKETS + (1 - rd(clientLeg))],
      bytes: clientLeg.stat[S_BYTES + (1 - rd(clientLeg))],
    },
    retransmissions: Math.max(...members.map((p) => p.stat[S_RETRANS] + p.stat[S_RETRANS + 1])),
    duplicateAcks: Math.max(...members.map((p) => p.stat[S_DUP_ACKS] + p.stat[S_DUP_ACKS + 1])),
    communityIds: {
      client: communityOf(clientLeg, rd(clientLeg)),
      backend: backend !== null ? communityOf(lastLeg, rd(lastLeg)) : null,
    },
    ambiguousPairings: sum((p) => p.ambiguous),
  };
}

function dirRank(d: string): number {
  return d === 'request' ? 0 : 1;
}

function perspectiveOf(p: PerspectiveState, d: number, request: boolean, ctx: FlowContext): Perspective {
  const tuple = tupleOf(p, d);
  const interfaces: InterfaceCount[] = [];
  for (let i = 0; i < p.ifaces.length; i += 4) {
    if (p.ifaces[i + 2] !== d) continue;
    interfaces.push({
      name: p.ifNames[i / 4] ?? (p.ifaces[i] >= 0 ? `if${p.ifaces[i]}` : ''),
      type: packetTypeName(p.ifaces[i + 1]),
      packets: p.ifaces[i + 3],
    });
  }
  return {
    capture: ctx.captureId(p.capture),
    direction: request ? 'request' : 'reply',
    src: tuple.src,
    dst: tuple.dst,
    packets: p.stat[S_PACKETS + d],
    sightingCount: p.stat[S_SIGHTINGS + d],
    bytes: p.stat[S_BYTES + d],
    firstNs: absolute(ctx.baseSec, p.stat[S_FIRST + d]),
    lastNs: absolute(ctx.baseSec, p.stat[S_LAST + d]),
    interfaces,
    outer: outerOf(p),
    retransmissions: p.stat[S_RETRANS + d],
    duplicateAcks: p.stat[S_DUP_ACKS + d],
    syn: p.synDir === d ? p.synCount : 0,
    fin: p.stat[S_FIN + d],
    rst: p.stat[S_RST + d],
    icmpErrors: request ? 0 : p.icmpErrors,
    unpaired: p.stat[S_UNPAIRED + d],
    sightings: sightingsOf(p, d, ctx),
  };
}

function sightingsOf(p: PerspectiveState, d: number, ctx: FlowContext): SightingRecord[] {
  const rows: SightingRecord[] = [];
  const e = p.evidence;
  for (let i = 0; i < e.length; i += 6) {
    if (e[i + 1] !== d) continue;
    rows.push({
      timestampNs: absolute(ctx.baseSec, e[i]),
      frame: e[i + 4],
      interface: ctx.interfaceName(p, e[i + 2], e[i + 3]),
      type: packetTypeName(e[i + 3]),
      tcpFlags: e[i + 5],
    });
  }
  return rows;
}

function communityOf(p: PerspectiveState, d: number): string {
  const [src, sport, dst, dport] =
    d === 0 ? [p.aAddr, p.aPort, p.bAddr, p.bPort] : [p.bAddr, p.bPort, p.aAddr, p.aPort];
  // ICMP: type and code stand in for the ports (echo request 8/128, code 0).
  if (p.protocol === 1 || p.protocol === 58)
    return communityId(p.protocol, src, p.protocol === 1 ? 8 : 128, dst, 0);
  const ports = hasPorts(p.protocol);
  return communityId(p.protocol, src, ports ? sport : 0, dst, ports ? dport : 0);
}

/** Nanoseconds since the epoch as a decimal string, from a time relative to `baseSec`. */
export function absolute(baseSec: number, t: number): string {
  const ns = Math.round(t);
  const sec = Math.floor(ns / 1e9);
  const frac = ns - sec * 1e9;
  const whole = baseSec + sec;
  // Seconds and nanoseconds are exact doubles: no BigInt needed for the common case.
  if (whole > 0) return `${whole}${String(frac).padStart(9, '0')}`;
  return (BigInt(baseSec) * 1_000_000_000n + BigInt(ns)).toString();
}

function bookProtocol(protocol: number): 'tcp' | 'udp' | 'sctp' | undefined {
  return protocol === 6 ? 'tcp' : protocol === 17 ? 'udp' : protocol === 132 ? 'sctp' : undefined;
}

function hostOf(ep: string): string {
  if (ep.startsWith('[')) return ep.slice(1, ep.indexOf(']'));
  const i = ep.lastIndexOf(':');
  return i >= 0 && !ep.slice(0, i).includes(':') ? ep.slice(0, i) : ep;
}

function portOf(ep: string): number | undefined {
  const m = /:(\d+)$/.exec(ep);
  return m && (ep.startsWith('[') || !ep.slice(0, ep.lastIndexOf(':')).includes(':'))
    ? Number(m[1])
    : undefined;
}
