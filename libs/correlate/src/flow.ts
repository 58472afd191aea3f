// Flows from joined perspectives: which way is the request, who the client, service and backend
// are, the state, the translations in path order and every capture point's perspective.
import { hash } from 'node:crypto';
import { icmpCounterpart } from '#decode';
import { communityId } from './community-id.js';
import { hasPorts, indexName, interfaceName, packetTypeName, protocolName } from './endpoint.js';
import {
  hasHandshake,
  parityToRoot,
  type PerspectiveState,
  S_BYTES,
  S_DUP_ACKS,
  S_FIN,
  S_FIRST,
  S_ICMP_CODE,
  S_ICMP_ERRORS,
  S_ICMP_TYPE,
  S_LAST,
  S_PACKETS,
  S_RETRANS,
  S_RST,
  S_SIGHTINGS,
  S_SYN,
  S_UNPAIRED,
} from './perspective.js';
import { addTranslations, outerOf, tupleOf, type TranslationContext } from './translation.js';
import type {
  AddressLookup,
  CapturePoint,
  Flow,
  FlowState,
  HandshakeTiming,
  InterfaceCount,
  Perspective,
  SightingRecord,
  Translation,
} from './types.js';

const ROLE_RANK: Record<string, number> = { client: 0, node: 1, other: 2, backend: 3 };

/**
 * Sets every member's request direction (`reqDir`), in its own terms: the direction of the
 * earliest SYN if any perspective saw one; else the opposite of the earliest packet that can only
 * be an answer (SYN-ACK, echo reply...: the capture began after the opening); else the direction
 * of the earliest packet, except that a TCP connection caught mid-stream, where the server may
 * well have sent first, goes from its ephemeral port (Linux: 32768 and up) if one side has one.
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
      if (p.answerDir < 0) continue;
      const t = p.answerT - offset(p.domain);
      if (t < pickT) {
        pick = p;
        pickDir = 1 - p.answerDir;
        pickT = t;
      }
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
    const first = pick!;
    const ephemeralA = first.aPort >= EPHEMERAL_PORTS;
    if (first.protocol === 6 && ephemeralA !== first.bPort >= EPHEMERAL_PORTS) pickDir = ephemeralA ? 0 : 1;
  }
  const rootDir = pickDir ^ parityToRoot(pick!);
  for (const p of members) p.reqDir = rootDir ^ parityToRoot(p);
}

/** Where Linux's default ip_local_port_range begins (NodePorts end below it, at 32767). */
const EPHEMERAL_PORTS = 32768;

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
  const protocol = members[0].protocol;

  // Sort keys computed once: when the request was first seen (reference clock), and the role.
  for (const p of members) {
    const t = p.stat[S_FIRST + p.reqDir];
    p.firstReqTc = (Number.isNaN(t) ? p.stat[S_FIRST + (1 - p.reqDir)] : t) - ctx.offset(p.domain);
    p.roleRank = ROLE_RANK[ctx.points[p.capture].role] ?? 2;
  }
  // Path order of the request, client side first: the hops' order, and time where none links
  // two perspectives. Time alone would put a capture that started late at the end of the path.
  pathOrder(members, 1);
  const n = pathOrder(members, 0);
  const clientLeg = scratch[0];
  const lastLeg = scratch[n - 1];
  const clientTuple = tupleOf(clientLeg, clientLeg.reqDir);
  const lastTuple = tupleOf(lastLeg, lastLeg.reqDir);

  const translations: Translation[] = [];
  for (const p of members) {
    for (let h = 0; h < p.hopCount; h++) {
      const hop = p.hops[h];
      const from = translations.length;
      const request = hop.fromDir === p.reqDir;
      addTranslations(translations, p, hop, request ? 'request' : 'reply', ctx);
      for (let i = from; i < translations.length; i++) {
        translationPos[i] = request ? p.reqPos : p.repPos;
        translationOrder[i] = hop.firstTc;
      }
    }
  }
  sortTranslations(translations, translationPos, translationOrder);
  let dnat = false;
  for (const t of translations) if (t.direction === 'request' && isDnat(t.kind)) dnat = true;

  const book = ctx.addressBook;
  const serviceEntry = book ? lookup(book, clientTuple.dst, protocol) : undefined;
  // A Service's virtual IP or one of its load balancers' addresses: the front, not a backend.
  const isService = serviceEntry ? /service|loadbalancer/i.test(serviceEntry.kind) : false;
  let backend: string | null = null;
  if (dnat || requestReachedBackend(members, ctx) || (serviceEntry && !isService)) backend = lastTuple.dst;
  const backendEntry = backend ? (book ? lookup(book, backend, protocol) : undefined) : null;

  let synReq = false;
  let synAck = false;
  let finReq = false;
  let finRep = false;
  let rstReq = false;
  let rstRep = false;
  let icmpErrors = 0;
  let replyErrors = 0;
  let replyPackets = 0;
  let ambiguousPairings = 0;
  let retransmissions = -Infinity;
  let duplicateAcks = -Infinity;
  for (const p of members) {
    const req = p.reqDir;
    const rep = 1 - req;
    if (p.synDir === req) synReq = true;
    // A SYN-ACK (INIT ACK) the reply's way, wherever it was seen: the point that saw the SYN may
    // have missed it, or the capture that saw it may have started after the SYN.
    if (p.stat[S_SYN + rep] > 0) synAck = true;
    if (p.stat[S_FIN + req] > 0) finReq = true;
    if (p.stat[S_FIN + rep] > 0) finRep = true;
    if (p.stat[S_RST + req] > 0) rstReq = true;
    if (p.stat[S_RST + rep] > 0) rstRep = true;
    icmpErrors += p.stat[S_ICMP_ERRORS] + p.stat[S_ICMP_ERRORS + 1];
    replyErrors += p.stat[S_ICMP_ERRORS + rep];
    replyPackets += p.stat[S_PACKETS + rep];
    ambiguousPairings += p.ambiguous;
    retransmissions = Math.max(retransmissions, p.stat[S_RETRANS] + p.stat[S_RETRANS + 1]);
    duplicateAcks = Math.max(duplicateAcks, p.stat[S_DUP_ACKS] + p.stat[S_DUP_ACKS + 1]);
  }
  // Errors travelling the reply's way were counted as its packets: they are no answer.
  const replies = replyPackets - replyErrors;

  let state: FlowState;
  // SCTP associations have TCP's states (perspective.ts maps their chunks onto its counters).
  if (hasHandshake(protocol)) {
    if (rstReq || rstRep) state = 'RESET';
    else if (finReq && finRep) state = 'CLOSED';
    else if (synAck || (!synReq && replies > 0)) state = 'ESTABLISHED';
    else if (icmpErrors > 0) state = 'ICMP_ERROR';
    else state = 'UNANSWERED';
  } else if (replies > 0) state = 'ANSWERED';
  else state = icmpErrors > 0 ? 'ICMP_ERROR' : 'UNANSWERED';

  let resetBy: Flow['resetBy'] = null;
  if (rstReq) resetBy = 'client';
  else if (rstRep) resetBy = replyResetBy(members, backend !== null, lastLeg, ctx);

  let first = Infinity;
  let last = -Infinity;
  for (const p of members) {
    const offset = ctx.offset(p.domain);
    for (let d = 0; d < 2; d++) {
      if (p.stat[S_PACKETS + d] === 0) continue;
      first = Math.min(first, p.stat[S_FIRST + d] - offset);
      last = Math.max(last, p.stat[S_LAST + d] - offset);
    }
  }
  const firstNs = absolute(ctx.baseSec, first);

  let icmpSource = clientLeg.icmpError !== null ? clientLeg : undefined;
  for (let i = 0; icmpSource === undefined && i < members.length; i++)
    if (members[i].icmpError !== null) icmpSource = members[i];

  return {
    id: flowId(protocol, clientTuple.src, clientTuple.dst, firstNs),
    protocol: protocolName(protocol),
    client: clientTuple.src,
    service: clientTuple.dst,
    backend,
    clientSeenByBackend: backend !== null ? lastTuple.src : null,
    serviceName: serviceEntry && isService ? (serviceEntry.serviceName ?? serviceEntry.name) : null,
    backendPod: backendEntry && /pod/i.test(backendEntry.kind) ? backendEntry.name : null,
    state,
    resetBy,
    icmpError: icmpSource?.icmpError ?? null,
    firstNs,
    lastNs: absolute(ctx.baseSec, last),
    translations,
    perspectives: perspectivesOf(members, ctx),
    handshake: handshakeOf(members, ctx),
    request: {
      packets: smallInt(clientLeg.stat[S_PACKETS + clientLeg.reqDir]),
      bytes: smallInt(clientLeg.stat[S_BYTES + clientLeg.reqDir]),
    },
    reply: {
      packets: smallInt(clientLeg.stat[S_PACKETS + (1 - clientLeg.reqDir)]),
      bytes: smallInt(clientLeg.stat[S_BYTES + (1 - clientLeg.reqDir)]),
    },
    retransmissions: smallInt(retransmissions),
    duplicateAcks: smallInt(duplicateAcks),
    communityIds: {
      client: communityOf(clientLeg, clientLeg.reqDir),
      backend: backend !== null ? communityOf(lastLeg, lastLeg.reqDir) : null,
    },
    ambiguousPairings,
  };
}

/** The first 16 hex digits of the SHA-1 of `protocol|client|service|firstNs`. */
function flowId(protocol: number, client: string, service: string, firstNs: string): string {
  // The text is ASCII (numbers, addresses): its bytes are written out rather than the text
  // joined, which builds a cons string per part and then a flat copy to hash.
  let n = putAscii(String(protocol), 0);
  n = putAscii(client, putSeparator(n));
  n = putAscii(service, putSeparator(n));
  n = putAscii(firstNs, putSeparator(n));
  if (n < 0) return hash('sha1', `${protocol}|${client}|${service}|${firstNs}`, 'hex').slice(0, 16);
  return hash('sha1', (idViews[n] ??= idBytes.subarray(0, n)), 'hex').slice(0, 16);
}

const idBytes = Buffer.alloc(256);
/** Views of `idBytes` by length, made once. */
const idViews: Buffer[] = [];

/** Writes `s` into idBytes at `at` (-1: nowhere); the end, or -1 if not ASCII or too long. */
function putAscii(s: string, at: number): number {
  if (at < 0 || at + s.length > idBytes.length) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return -1;
    idBytes[at + i] = c;
  }
  return at + s.length;
}

function putSeparator(at: number): number {
  return putAscii('|', at);
}

/**
 * Scratch for buildFlow's sorts, kept between calls (buildFlow is not re-entrant; each use is
 * done before the next starts): perspectives, their SYN times, the translations' order keys.
 * Only the first entries are live: the arrays keep their size.
 */
const scratch: PerspectiveState[] = [];
const scratchKeys: number[] = [];
const translationPos: number[] = [];
const translationOrder: number[] = [];

/**
 * Orders the members along the path of the request (`reply` 0) or of the reply (1): a hop goes
 * from the perspective where the packet was seen earlier on its way to the next, so the hops
 * decide (a topological order); time, then role, decides between perspectives no hop orders.
 * Only members that carried packets that way take part (all of them if none did). Sets reqPos
 * or repPos, leaves them in that order in scratch[0 .. n) and returns n.
 */
function pathOrder(members: PerspectiveState[], reply: number): number {
  let n = 0;
  for (const p of members) if (p.stat[S_PACKETS + (p.reqDir ^ reply)] > 0) scratch[n++] = p;
  if (n === 0) for (const p of members) scratch[n++] = p;
  stableSort(scratch, n, reply === 0 ? byPath : byReplyPath);
  for (const p of members) p.pathIn = -1;
  for (let i = 0; i < n; i++) scratch[i].pathIn = 0;
  for (let i = 0; i < n; i++) forEachHop(scratch[i], reply, (to) => to.pathIn++);
  // Kahn's algorithm over the time order: the earliest perspective no remaining hop leads to.
  for (let placed = 0; placed < n; placed++) {
    let pick = placed;
    while (pick < n && scratch[pick].pathIn !== 0) pick++;
    if (pick === n) pick = placed; // a cycle (never on one packet's path): time decides
    const p = scratch[pick];
    for (let j = pick; j > placed; j--) scratch[j] = scratch[j - 1];
    scratch[placed] = p;
    p.pathIn = -2;
    if (reply === 0) p.reqPos = placed;
    else p.repPos = placed;
    forEachHop(p, reply, (to) => to.pathIn--);
  }
  return n;
}

/** Calls `visit` with the perspective each of p's hops in that direction leads to (if ordered). */
function forEachHop(p: PerspectiveState, reply: number, visit: (to: PerspectiveState) => void): void {
  for (let h = 0; h < p.hopCount; h++) {
    const hop = p.hops[h];
    if (hop.fromDir === (p.reqDir ^ reply) && hop.to !== p && hop.to.pathIn >= 0) visit(hop.to);
  }
}

function hasRequest(p: PerspectiveState): boolean {
  return p.stat[S_PACKETS + p.reqDir] > 0;
}

function byPath(x: PerspectiveState, y: PerspectiveState): number {
  return cmp(x.firstReqTc, y.firstReqTc) || x.roleRank - y.roleRank || x.capture - y.capture;
}

/** The reply's way: when it was first seen, the backend's side first. */
function byReplyPath(x: PerspectiveState, y: PerspectiveState): number {
  return cmp(firstReplyTc(x), firstReplyTc(y)) || y.roleRank - x.roleRank || x.capture - y.capture;
}

function firstReplyTc(p: PerspectiveState): number {
  const t = p.stat[S_FIRST + 1 - p.reqDir];
  return Number.isNaN(t) ? Infinity : t;
}

/** Perspectives as listed: along the request's path, then (no request there) by time. */
function byRequestPath(x: PerspectiveState, y: PerspectiveState): number {
  const xPos = hasRequest(x) ? x.reqPos : Infinity;
  const yPos = hasRequest(y) ? y.reqPos : Infinity;
  return cmp(xPos, yPos) || cmp(x.firstReqTc, y.firstReqTc) || x.roleRank - y.roleRank;
}

/** The kinds whose name has DNAT in it (TranslationKind is a closed set: no regex needed). */
function isDnat(kind: string): boolean {
  return kind === 'DNAT' || kind === 'DNAT_SNAT';
}

function requestReachedBackend(members: PerspectiveState[], ctx: FlowContext): boolean {
  for (const p of members) if (ctx.points[p.capture].role === 'backend' && hasRequest(p)) return true;
  return false;
}

function lookup(book: AddressLookup, ep: string, protocol: number) {
  return book.lookup(hostOf(ep), portOf(ep), bookProtocol(protocol));
}

/** Who reset a flow whose reply carried the RST: the backend, a node, or else the service. */
function replyResetBy(
  members: PerspectiveState[],
  hasBackend: boolean,
  lastLeg: PerspectiveState,
  ctx: FlowContext,
): Flow['resetBy'] {
  if (hasBackend)
    for (const p of members) if (sawReplyRst(p) && (p === lastLeg || p.roleRank === 3)) return 'backend';
  for (const p of members) if (sawReplyRst(p) && ctx.points[p.capture].role === 'node') return 'node';
  return 'service';
}

function sawReplyRst(p: PerspectiveState): boolean {
  return p.stat[S_RST + (1 - p.reqDir)] > 0;
}

/**
 * Orders as `a - b` would (NaN as equal) but returns a small integer: a comparator's fractional
 * or large result is boxed on every call.
 */
function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Insertion sort of the first `n` elements: stable like Array.prototype.sort, so the same order
 * for a comparator that is a total order (keys never NaN), without the builtin's per-call state
 * (about 1 KB) on these arrays of a few elements.
 */
function stableSort<T>(a: T[], n: number, compare: (x: T, y: T) => number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && compare(a[j], x) > 0) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/**
 * The same insertion sort of the translations: request before reply, then along that path
 * (`pos`: its perspective's place), then by when their hop was first made (`order`); the keys
 * move along, so no wrapper object per translation carries them.
 */
function sortTranslations(t: Translation[], pos: number[], order: number[]): void {
  for (let i = 1; i < t.length; i++) {
    const x = t[i];
    const xPos = pos[i];
    const xOrder = order[i];
    const xRank = dirRank(x.direction);
    let j = i - 1;
    while (j >= 0 && (dirRank(t[j].direction) - xRank || pos[j] - xPos || cmp(order[j], xOrder)) > 0) {
      t[j + 1] = t[j];
      pos[j + 1] = pos[j];
      order[j + 1] = order[j];
      j--;
    }
    t[j + 1] = x;
    pos[j + 1] = xPos;
    order[j + 1] = xOrder;
  }
}

/**
 * `x` as a small integer when it is one. The counters come from arrays of doubles: stored as
 * such, they make the result's number fields doubles, each a box of its own (16 bytes). Never
 * -0 here (counts, frame numbers and flags), which this would turn into 0.
 */
function smallInt(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

function dirRank(d: string): number {
  return d === 'request' ? 0 : 1;
}

/** Every direction that was seen, requests first, each in order of the request's first sighting. */
function perspectivesOf(members: PerspectiveState[], ctx: FlowContext): Perspective[] {
  const n = members.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    scratch[i] = members[i];
    if (members[i].stat[S_SIGHTINGS] !== 0) count++;
    if (members[i].stat[S_SIGHTINGS + 1] !== 0) count++;
  }
  stableSort(scratch, n, byRequestPath);
  // Sized once: pushing would give every one of these small arrays room for 17.
  const perspectives = new Array<Perspective>(count);
  let k = 0;
  for (let r = 0; r < 2; r++) {
    const wantRequest = r === 0;
    for (let i = 0; i < n; i++) {
      const p = scratch[i];
      const d = wantRequest ? p.reqDir : 1 - p.reqDir;
      if (p.stat[S_SIGHTINGS + d] === 0) continue;
      perspectives[k++] = perspectiveOf(p, d, wantRequest, ctx);
    }
  }
  return perspectives;
}

function perspectiveOf(p: PerspectiveState, d: number, request: boolean, ctx: FlowContext): Perspective {
  const tuple = tupleOf(p, d);
  const firstNs = absolute(ctx.baseSec, p.stat[S_FIRST + d]);
  const lastNs =
    p.stat[S_LAST + d] === p.stat[S_FIRST + d] ? firstNs : absolute(ctx.baseSec, p.stat[S_LAST + d]);
  return {
    capture: ctx.captureId(p.capture),
    direction: request ? 'request' : 'reply',
    src: tuple.src,
    dst: tuple.dst,
    packets: smallInt(p.stat[S_PACKETS + d]),
    sightingCount: smallInt(p.stat[S_SIGHTINGS + d]),
    bytes: smallInt(p.stat[S_BYTES + d]),
    firstNs,
    lastNs,
    interfaces: interfacesOf(p, d),
    outer: outerOf(p, d),
    retransmissions: smallInt(p.stat[S_RETRANS + d]),
    duplicateAcks: smallInt(p.stat[S_DUP_ACKS + d]),
    syn: smallInt(p.stat[S_SYN + d]),
    fin: smallInt(p.stat[S_FIN + d]),
    rst: smallInt(p.stat[S_RST + d]),
    icmpErrors: smallInt(p.stat[S_ICMP_ERRORS + d]),
    unpaired: smallInt(p.stat[S_UNPAIRED + d]),
    sightings: sightingsOf(p, d, ctx, firstNs, lastNs),
  };
}

function interfacesOf(p: PerspectiveState, d: number): InterfaceCount[] {
  const f = p.ifaces;
  const end = p.ifaceCount * 4;
  let count = 0;
  for (let i = 0; i < end; i += 4) if (f[i + 2] === d) count++;
  const list = new Array<InterfaceCount>(count);
  let k = 0;
  for (let i = 0; i < end; i += 4) {
    if (f[i + 2] !== d) continue;
    list[k++] = {
      // '' is no name, as in interfaceName(): a sighting and its interface count agree.
      name: p.ifNames[i >> 2] || indexName(f[i]),
      type: packetTypeName(f[i + 1]),
      packets: smallInt(f[i + 3]),
    };
  }
  return list;
}

/** The evidence of `p` in direction `d`; `firstNs` and `lastNs` are its first and last times. */
function sightingsOf(
  p: PerspectiveState,
  d: number,
  ctx: FlowContext,
  firstNs: string,
  lastNs: string,
): SightingRecord[] {
  const e = p.evidence;
  let count = 0;
  for (let i = 0; i < p.evidenceCount; i += 6) if (e[i + 1] === d) count++;
  const rows = new Array<SightingRecord>(count);
  // Most sightings are the first or last packet, or at the time of the one before (another
  // interface): their text is at hand.
  let prevT = NaN;
  let prevNs = '';
  let k = 0;
  for (let i = 0; i < p.evidenceCount; i += 6) {
    if (e[i + 1] !== d) continue;
    const t = e[i];
    if (t !== prevT) {
      prevNs =
        t === p.stat[S_FIRST + d] ? firstNs : t === p.stat[S_LAST + d] ? lastNs : absolute(ctx.baseSec, t);
      prevT = t;
    }
    rows[k++] = {
      timestampNs: prevNs,
      frame: smallInt(e[i + 4]),
      interface: interfaceName(p, e[i + 2], e[i + 3]),
      type: packetTypeName(e[i + 3]),
      tcpFlags: smallInt(e[i + 5]),
    };
  }
  return rows;
}

/**
 * SYN to SYN-ACK to ACK per capture point that saw the client's SYN answered, in order of the
 * SYN (reference clock); of two perspectives at one capture point, the earlier one's.
 */
function handshakeOf(members: PerspectiveState[], ctx: FlowContext): Record<string, HandshakeTiming> {
  const handshake: Record<string, HandshakeTiming> = {};
  if (!members.some(answeredSyn)) return handshake;
  const ordered = bySynTime(members, ctx);
  for (let i = 0; i < members.length; i++) {
    const p = ordered[i];
    if (!answeredSyn(p)) continue;
    const id = ctx.captureId(p.capture);
    handshake[id] ??= {
      synToSynAckNs: String(Math.round(p.synAckT - p.synT)),
      synAckToAckNs: Number.isNaN(p.ackT) ? null : String(Math.round(p.ackT - p.synAckT)),
    };
  }
  return handshake;
}

function answeredSyn(p: PerspectiveState): boolean {
  return p.synDir === p.reqDir && !Number.isNaN(p.synAckT);
}

/**
 * The members by time of their SYN (reference clock), in the first `members.length` slots of the
 * array returned. Where every member has one, an insertion sort into the scratch array; else the
 * builtin sort as before: a comparator that holds NaN equal to everything is no order, and the
 * result is whatever the builtin's algorithm makes of it.
 */
function bySynTime(members: PerspectiveState[], ctx: FlowContext): PerspectiveState[] {
  const n = members.length;
  for (let i = 0; i < n; i++) {
    const key = members[i].synT - ctx.offset(members[i].domain);
    if (Number.isNaN(key)) {
      const tc = (p: PerspectiveState) => p.synT - ctx.offset(p.domain);
      return members.slice().sort((x, y) => cmp(tc(x), tc(y)));
    }
    scratch[i] = members[i];
    scratchKeys[i] = key;
  }
  for (let i = 1; i < n; i++) {
    const x = scratch[i];
    const key = scratchKeys[i];
    let j = i - 1;
    while (j >= 0 && cmp(scratchKeys[j], key) > 0) {
      scratch[j + 1] = scratch[j];
      scratchKeys[j + 1] = scratchKeys[j];
      j--;
    }
    scratch[j + 1] = x;
    scratchKeys[j + 1] = key;
  }
  return scratch;
}

function communityOf(p: PerspectiveState, d: number): string {
  const src = d === 0 ? p.aAddr : p.bAddr;
  const dst = d === 0 ? p.bAddr : p.aAddr;
  // ICMP: type and code stand in for the ports: those of the first message sent this way, else
  // the counterpart of the other way's (an echo reply's request), else an echo request's. Where
  // the capture cut every message before its type or code (-1), no ports are hashed.
  if (p.protocol === 1 || p.protocol === 58) {
    let type = p.stat[S_ICMP_TYPE + d];
    let code = p.stat[S_ICMP_CODE + d];
    if (Number.isNaN(type)) {
      const other = p.stat[S_ICMP_TYPE + 1 - d];
      if (other < 0) type = code = -1;
      else {
        const counterpart = Number.isNaN(other) ? undefined : icmpCounterpart(p.protocol, other);
        type = counterpart ?? (p.protocol === 1 ? 8 : 128);
        code = counterpart !== undefined ? p.stat[S_ICMP_CODE + 1 - d] : 0;
      }
    }
    return communityId(p.protocol, src, type, dst, code);
  }
  if (!hasPorts(p.protocol)) return communityId(p.protocol, src, 0, dst, 0);
  return d === 0
    ? communityId(p.protocol, src, p.aPort, dst, p.bPort)
    : communityId(p.protocol, src, p.bPort, dst, p.aPort);
}

/** Nanoseconds since the epoch as a decimal string, from a time relative to `baseSec`. */
export function absolute(baseSec: number, t: number): string {
  const ns = Math.round(t);
  const sec = Math.floor(ns / 1e9);
  const frac = ns - sec * 1e9;
  const whole = baseSec + sec;
  // Seconds and nanoseconds are exact doubles: no BigInt needed for the common case.
  if (whole <= 0) return (BigInt(baseSec) * 1_000_000_000n + BigInt(ns)).toString();
  if ((frac | 0) === frac && frac >= 0 && frac < 1e9) return secondsText(whole) + nineDigits(frac | 0);
  // Not a time (no packet, or beyond 2^53 ns): the text as it always was, whatever it says.
  const fracText = String(frac);
  return secondsText(whole) + ZEROS[9 - fracText.length] + fracText;
}

/**
 * Nanoseconds within a second as 9 digits, zero-padded. String() calls into the runtime for
 * each number it has not printed lately (most of these): the digits are worked out here.
 */
function nineDigits(n: number): string {
  return String.fromCharCode(
    48 + ((n / 1e8) | 0),
    48 + (((n / 1e7) | 0) % 10),
    48 + (((n / 1e6) | 0) % 10),
    48 + (((n / 1e5) | 0) % 10),
    48 + (((n / 1e4) | 0) % 10),
    48 + (((n / 1e3) | 0) % 10),
    48 + (((n / 100) | 0) % 10),
    48 + (((n / 10) | 0) % 10),
    48 + (n % 10),
  );
}

/**
 * Epoch seconds exceed V8's small integers, so printing them is a slow double conversion: the
 * last few texts are kept (calls mostly fall in the same second, or alternate between the
 * seconds of captures on different clocks).
 */
function secondsText(whole: number): string {
  for (let i = 0; i < SECONDS_KEPT; i++) if (keptSeconds[i] === whole) return keptSecondsText[i];
  const text = String(whole);
  keptSeconds[nextSeconds] = whole;
  keptSecondsText[nextSeconds] = text;
  nextSeconds = (nextSeconds + 1) % SECONDS_KEPT;
  return text;
}

const SECONDS_KEPT = 4;
const keptSeconds: number[] = new Array<number>(SECONDS_KEPT).fill(NaN);
const keptSecondsText: string[] = new Array<string>(SECONDS_KEPT).fill('');
let nextSeconds = 0;
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
