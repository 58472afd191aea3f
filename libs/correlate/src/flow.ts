// Flows from joined perspectives: which way is the request, who the client, service and backend
// are, the state, the translations in path order and every capture point's perspective.
import { hash } from 'node:crypto';
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
 * Sets every member's request direction (`reqDir`), in its own terms: the direction of the
 * earliest SYN if any perspective saw one, else of the earliest packet.
 */
export function requestDirections(members: PerspectiveState[], offset: (domain: number) => number): void {
  let pick: PerspectiveState | null = null;
  let pickDir = 0;
  let pickT = Infinity;
  for (const p of members) {
    if (p.synDir < 0) continue;
    const t = p.synT - offset(p.domain);
    if (t < pickT) {
      pick = p;
      pickDir = p.synDir;
      pickT = t;
    }
  }
  if (pick === null) {
    for (const p of members) {
      const t = Math.min(nz(p.stat[S_FIRST]), nz(p.stat[S_FIRST + 1])) - offset(p.domain);
      // Endpoint a sent the first packet (or the packet an ICMP error quoted): direction 0.
      if (t < pickT) {
        pick = p;
        pickDir = 0;
        pickT = t;
      }
    }
  }
  const rootDir = pickDir ^ parityToRoot(pick!);
  for (const p of members) p.reqDir = rootDir ^ parityToRoot(p);
}

function nz(t: number): number {
  return Number.isNaN(t) ? Infinity : t;
}

export interface FlowContext extends TranslationContext {
  points: readonly CapturePoint[];
  baseSec: number;
  addressBook: AddressLookup | null;
}

/** Builds the flow of `members`, whose request directions requestDirections() has set. */
export function buildFlow(members: PerspectiveState[], ctx: FlowContext): Flow {
  const tc = (p: PerspectiveState, t: number) => t - ctx.offset(p.domain);
  const role = (p: PerspectiveState) => ROLE_RANK[ctx.points[p.capture].role] ?? 2;
  const protocol = members[0].protocol;

  // Sort keys computed once: when the request was first seen (reference clock), and the role.
  for (const p of members) {
    const t = p.stat[S_FIRST + p.reqDir];
    p.firstReqTc = tc(p, Number.isNaN(t) ? p.stat[S_FIRST + (1 - p.reqDir)] : t);
    p.roleRank = role(p);
  }
  // Path order of the request: where it was first seen (client side) to where it was last seen.
  const withRequest = members.filter((p) => p.stat[S_PACKETS + p.reqDir] > 0);
  const path = withRequest.length ? withRequest : members.slice();
  stableSort(
    path,
    (x, y) => cmp(x.firstReqTc, y.firstReqTc) || x.roleRank - y.roleRank || x.capture - y.capture,
  );
  const clientLeg = path[0];
  const lastLeg = path[path.length - 1];
  const clientTuple = tupleOf(clientLeg, clientLeg.reqDir);
  const lastTuple = tupleOf(lastLeg, lastLeg.reqDir);

  const translations = [];
  for (const p of members) {
    for (let h = 0; h < p.hopCount; h++) {
      const hop = p.hops[h];
      const direction = hop.fromDir === p.reqDir ? 'request' : 'reply';
      for (const t of toTranslations(p, hop, direction, ctx)) translations.push({ order: hop.firstTc, t });
    }
  }
  stableSort(
    translations,
    (x, y) => dirRank(x.t.direction) - dirRank(y.t.direction) || cmp(x.order, y.order),
  );
  const dnat = translations.some((x) => x.t.direction === 'request' && /DNAT/.test(x.t.kind));

  const lookup = (ep: string) => ctx.addressBook?.lookup(hostOf(ep), portOf(ep), bookProtocol(protocol));
  const serviceEntry = lookup(clientTuple.dst);
  let backend: string | null = null;
  if (dnat) backend = lastTuple.dst;
  else if (members.some((p) => ctx.points[p.capture].role === 'backend' && p.stat[S_PACKETS + p.reqDir] > 0))
    backend = lastTuple.dst;
  else if (serviceEntry && !/service/i.test(serviceEntry.kind)) backend = lastTuple.dst;
  const backendEntry = backend ? lookup(backend) : null;

  let synReq = false;
  let synAck = false;
  let finReq = false;
  let finRep = false;
  let rstReq = false;
  let rstRep = false;
  let icmpErrors = 0;
  let replyPackets = 0;
  let ambiguousPairings = 0;
  let retransmissions = -Infinity;
  let duplicateAcks = -Infinity;
  for (const p of members) {
    const req = p.reqDir;
    const rep = 1 - req;
    if (p.synDir === req) {
      synReq = true;
      if (!Number.isNaN(p.synAckT)) synAck = true;
    }
    if (p.stat[S_FIN + req] > 0) finReq = true;
    if (p.stat[S_FIN + rep] > 0) finRep = true;
    if (p.stat[S_RST + req] > 0) rstReq = true;
    if (p.stat[S_RST + rep] > 0) rstRep = true;
    icmpErrors += p.icmpErrors;
    replyPackets += p.stat[S_PACKETS + rep];
    ambiguousPairings += p.ambiguous;
    retransmissions = Math.max(retransmissions, p.stat[S_RETRANS] + p.stat[S_RETRANS + 1]);
    duplicateAcks = Math.max(duplicateAcks, p.stat[S_DUP_ACKS] + p.stat[S_DUP_ACKS + 1]);
  }
  const replies = replyPackets - icmpErrors;

  let state: FlowState;
  // SCTP associations have TCP's states (perspective.ts maps their chunks onto its counters).
  if (protocol === 6 || protocol === 132) {
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
    const sawRst = (p: PerspectiveState) => p.stat[S_RST + (1 - p.reqDir)] > 0;
    if (backend !== null && members.some((p) => sawRst(p) && (p === lastLeg || p.roleRank === 3)))
      resetBy = 'backend';
    else if (members.some((p) => sawRst(p) && ctx.points[p.capture].role === 'node')) resetBy = 'node';
    else resetBy = 'service';
  }

  let first = Infinity;
  let last = -Infinity;
  for (const p of members) {
    for (let d = 0; d < 2; d++) {
      if (p.stat[S_PACKETS + d] === 0) continue;
      first = Math.min(first, tc(p, p.stat[S_FIRST + d]));
      last = Math.max(last, tc(p, p.stat[S_LAST + d]));
    }
  }
  const firstNs = absolute(ctx.baseSec, first);

  const perspectives: Perspective[] = [];
  const ordered = stableSort(
    members.slice(),
    (x, y) => cmp(x.firstReqTc, y.firstReqTc) || x.roleRank - y.roleRank,
  );
  for (let k = 0; k < 2; k++) {
    const wantRequest = k === 0;
    for (const p of ordered) {
      const d = wantRequest ? p.reqDir : 1 - p.reqDir;
      if (p.stat[S_SIGHTINGS + d] === 0) continue;
      perspectives.push(perspectiveOf(p, d, wantRequest, ctx));
    }
  }

  const handshake: Record<string, HandshakeTiming> = {};
  for (const p of members.slice().sort((x, y) => cmp(tc(x, x.synT), tc(y, y.synT)))) {
    if (p.synDir !== p.reqDir || Number.isNaN(p.synAckT)) continue;
    const id = ctx.captureId(p.capture);
    handshake[id] ??= {
      synToSynAckNs: String(Math.round(p.synAckT - p.synT)),
      synAckToAckNs: Number.isNaN(p.ackT) ? null : String(Math.round(p.ackT - p.synAckT)),
    };
  }

  const icmpSource = clientLeg.icmpError !== null ? clientLeg : members.find((p) => p.icmpError !== null);
  const id = hash('sha1', `${protocol}|${clientTuple.src}|${clientTuple.dst}|${firstNs}`, 'hex').slice(0, 16);

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
      packets: clientLeg.stat[S_PACKETS + clientLeg.reqDir],
      bytes: clientLeg.stat[S_BYTES + clientLeg.reqDir],
    },
    reply: {
      packets: clientLeg.stat[S_PACKETS + (1 - clientLeg.reqDir)],
      bytes: clientLeg.stat[S_BYTES + (1 - clientLeg.reqDir)],
    },
    retransmissions,
    duplicateAcks,
    communityIds: {
      client: communityOf(clientLeg, clientLeg.reqDir),
      backend: backend !== null ? communityOf(lastLeg, lastLeg.reqDir) : null,
    },
    ambiguousPairings,
  };
}

/**
 * Orders as `a - b` would (NaN as equal) but returns a small integer: a comparator's fractional
 * or large result is boxed on every call.
 */
function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Insertion sort: stable like Array.prototype.sort, so the same order for a comparator that is
 * a total order (keys never NaN), without the builtin's per-call state (about 1 KB) on these
 * arrays of a few elements.
 */
function stableSort<T>(a: T[], compare: (x: T, y: T) => number): T[] {
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && compare(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

function dirRank(d: string): number {
  return d === 'request' ? 0 : 1;
}

function perspectiveOf(p: PerspectiveState, d: number, request: boolean, ctx: FlowContext): Perspective {
  const tuple = tupleOf(p, d);
  const interfaces: InterfaceCount[] = [];
  for (let i = 0; i < p.ifaceCount * 4; i += 4) {
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
    outer: outerOf(p, d),
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
  for (let i = 0; i < p.evidenceCount; i += 6) {
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
  if (whole <= 0) return (BigInt(baseSec) * 1_000_000_000n + BigInt(ns)).toString();
  // Epoch seconds exceed V8's small integers, so printing them is a slow double conversion:
  // consecutive calls mostly fall in the same second, so its text is kept.
  if (whole !== lastWhole) {
    lastWhole = whole;
    lastWholeText = String(whole);
  }
  const fracText = String(frac);
  return lastWholeText + ZEROS[9 - fracText.length] + fracText;
}

let lastWhole = NaN;
let lastWholeText = '';
const ZEROS = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000'];

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
