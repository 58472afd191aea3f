// A perspective: one flow as one capture point saw it, under one tuple. Both directions share
// it; endpoint `a` is the sender of the first packet (for an ICMP error, of the packet it quotes).
// Direction 0 is a -> b, 1 is b -> a. Perspectives joined by paired packets form a flow
// (union-find with a parity bit that says whether the two perspectives' directions agree).
import {
  SCTP_ABORT,
  SCTP_COOKIE_ECHO,
  SCTP_INIT,
  SCTP_INIT_ACK,
  SCTP_SHUTDOWN,
  SCTP_SHUTDOWN_ACK,
} from '#decode';
import type { CorrelatePacket } from './types.js';

const FIN = 1;
const SYN = 2;
const RST = 4;
const ACK = 16;

/** A hop seen from this perspective to another one, aggregated over the packets that made it. */
export interface HopAggregate {
  to: PerspectiveState;
  /** Direction of the packets in this perspective and in `to`. */
  fromDir: number;
  toDir: number;
  fromIf: number;
  toIf: number;
  fromType: number;
  toType: number;
  packets: number;
  /** When the first packet made this hop (reference clock), to order translations. */
  firstTc: number;
  /** Raw timestamp differences (to - from), clock offsets still to be applied. */
  firstLatency: number;
  minLatency: number;
}

/** Distinct packets, sightings (every interface), bytes, first/last time, TCP flags seen. */
export const S_PACKETS = 0;
export const S_SIGHTINGS = 2;
export const S_BYTES = 4;
export const S_FIRST = 6;
export const S_LAST = 8;
export const S_FIN = 10;
export const S_RST = 12;
export const S_RETRANS = 14;
export const S_DUP_ACKS = 16;
/** Packets seen here and at no other capture. */
export const S_UNPAIRED = 18;
/** Highest TCP sequence end, last pure ACK and its window (NaN until seen). */
const S_NEXT_SEQ = 20;
const S_LAST_ACK = 22;
const S_LAST_WIN = 24;
/**
 * ICMP errors about the flow, by the direction they travel in (also counted as packets there):
 * usually the reply's, but a client refusing a late answer sends one the request's way.
 */
export const S_ICMP_ERRORS = 26;
/** ICMP (not errors): type and code of the first message each way (NaN until seen, -1 if cut off). */
export const S_ICMP_TYPE = 28;
export const S_ICMP_CODE = 30;
/** Packets with SYN set (a SYN-ACK included; SCTP: INIT and INIT ACK), as tcpdump's [S] and [S.]. */
export const S_SYN = 32;

// prettier-ignore
const INITIAL_STATS = [0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN, NaN, NaN, NaN, NaN, NaN, 0, 0, NaN, NaN, NaN, NaN, 0, 0];

/** ICMP and ICMPv6 types that answer another (echo reply, router or neighbour advertisement...). */
const ICMP_ANSWERS = new Set([0, 9, 14, 16, 18]);
const ICMP6_ANSWERS = new Set([129, 131, 134, 136, 140, 145]);

/** PerspectiveState.otherVni before a tunnelled packet went the other way. */
export const VNI_UNSEEN = -2;

/** A plain array of doubles: small typed arrays get an off-heap buffer each, costly to collect. */
function newStats(): number[] {
  return INITIAL_STATS.slice();
}

export class PerspectiveState {
  parent: PerspectiveState = this;
  /** Direction flip relative to `parent`. */
  parity = 0;
  rank = 0;

  /**
   * Counters per direction in one array (one allocation per perspective: there is one per flow
   * and capture point): stat[S_PACKETS + dir], ...
   */
  readonly stat = newStats();
  /** Direction of the first SYN without ACK, its ISN and time; -1 if none seen. */
  synDir = -1;
  synSeq = 0;
  synT = NaN;
  synAckT = NaN;
  ackT = NaN;
  /**
   * Direction and time of the first packet that can only be an answer (a SYN-ACK, an echo
   * reply...), -1 if none: it tells the request direction of a flow whose opening was missed.
   */
  answerDir = -1;
  answerT = NaN;
  icmpError: { type: number; code: number; from: string } | null = null;
  /** Packets whose pairing was ambiguous (first seen here). */
  ambiguous = 0;
  // The arrays below outlive a recycled perspective with their storage (`length = 0` would drop
  // it): each holds `*Count` live entries, slots past that are stale.
  /** Interfaces: [ifIndex, pktType, dir, count] per entry, names kept aside. */
  readonly ifaces: number[] = [];
  readonly ifNames: (string | null)[] = [];
  ifaceCount = 0;
  /** Evidence: [t, dir, ifIndex, pktType, frame, tcpFlags] per sighting, capped. */
  readonly evidence: number[] = [];
  evidenceCount = 0;
  /**
   * Packets that crossed between clock domains, one per direction and next domain: [dir,
   * domainA, domainB, tA, tB] per entry (the last sighting before the crossing and the first
   * after it), for the offset brackets.
   */
  readonly cross: number[] = [];
  crossCount = 0;
  /** Hops from here; the objects in stale slots are reused. */
  readonly hops: HopAggregate[] = [];
  hopCount = 0;
  /** Result-building caches: the tuple text per direction. */
  tuples: { src: string; dst: string }[] | null = null;
  /** Set when the flow is finished: its request direction here, and buildFlow's sort keys. */
  reqDir = 0;
  firstReqTc = NaN;
  roleRank = 0;
  /** buildFlow's path positions, request and reply (see pathOrder), and its scratch count. */
  reqPos = 0;
  repPos = 0;
  pathIn = 0;

  /** Handed over in a finished flow: the index no longer finds it. */
  retired = false;
  /** Order of creation (the engine's count): flows and their members are handed over in it. */
  serial = 0;
  /** The next member of this perspective's flow: a flow's members form a ring (see union). */
  ringNext: PerspectiveState = this;
  /**
   * Kept on roots for the whole flow, so the retire sweep visits flows rather than perspectives:
   * the latest packet of any member (reference clock) and whether any member saw it close.
   */
  flowLast = -Infinity;
  flowClosed = false;
  /**
   * On roots: the flow's sightings still in open pairing groups. A flow with any is not retired:
   * closing their groups may still join it to others, and its objects must not be recycled first.
   */
  flowOpen = 0;
  /** Its tuple was taken over by a newer perspective (port reuse): the recent caches skip it. */
  superseded = false;

  // What the perspective is; set by init(): the object is pooled and reused once retired (its
  // state lives for seconds, long enough to be copied by every young-generation collection).
  /** Its tuple's hash in the capture's tuple index, and the next perspective in that chain. */
  indexHash = 0;
  indexNext: PerspectiveState | null = null;
  capture = 0;
  domain = 0;
  protocol = 0;
  aAddr = '';
  aPort = 0;
  bAddr = '';
  bPort = 0;
  /** The outer header (TUNNEL_* and addresses as first seen), 0 when not tunnelled. */
  tunnel = 0;
  outerSrc = '';
  outerDst = '';
  /** Direction of the packet the outer header was taken from (1 when an ICMP error opened it). */
  outerDir = 0;
  /** VNI (GRE key, -1 if none) of that packet, and of the first packet the other way. */
  vni = 0;
  otherVni = VNI_UNSEEN;

  /** Starts a new perspective in this object, new or recycled: every field is reset. */
  init(
    indexHash: number,
    capture: number,
    domain: number,
    protocol: number,
    aAddr: string,
    aPort: number,
    bAddr: string,
    bPort: number,
    tunnel: number,
    outerSrc: string,
    outerDst: string,
    outerDir: number,
    vni: number,
  ): this {
    this.indexHash = indexHash;
    this.indexNext = null;
    this.capture = capture;
    this.domain = domain;
    this.protocol = protocol;
    this.aAddr = aAddr;
    this.aPort = aPort;
    this.bAddr = bAddr;
    this.bPort = bPort;
    this.tunnel = tunnel;
    this.outerSrc = outerSrc;
    this.outerDst = outerDst;
    this.outerDir = outerDir;
    this.vni = vni;
    this.otherVni = VNI_UNSEEN;
    this.parent = this;
    this.parity = this.rank = 0;
    for (let i = 0; i < INITIAL_STATS.length; i++) this.stat[i] = INITIAL_STATS[i];
    this.synDir = -1;
    this.synSeq = 0;
    this.synT = this.synAckT = this.ackT = NaN;
    this.answerDir = -1;
    this.answerT = NaN;
    this.icmpError = null;
    this.ambiguous = 0;
    this.ifaceCount = this.evidenceCount = this.hopCount = this.crossCount = 0;
    this.tuples = null;
    this.reqDir = this.roleRank = this.reqPos = this.repPos = this.pathIn = 0;
    this.firstReqTc = NaN;
    this.retired = false;
    this.serial = 0;
    this.ringNext = this;
    this.flowLast = -Infinity;
    this.flowClosed = false;
    this.flowOpen = 0;
    this.superseded = false;
    return this;
  }

  /** A sighting of a packet not yet seen at this perspective (not an interface duplicate). */
  countPacket(p: CorrelatePacket, dir: number, t: number): void {
    this.stat[S_PACKETS + dir]++;
    this.stat[S_BYTES + dir] += p.ipLength;
    if (Number.isNaN(this.stat[S_FIRST + dir])) this.stat[S_FIRST + dir] = t;
    this.stat[S_LAST + dir] = t;
    // A later fragment has no header to read flags, chunks or a type from.
    if (p.fragOffset !== 0) return;
    if (p.embeddedProtocol !== 0) {
      this.stat[S_ICMP_ERRORS + dir]++;
      this.icmpError ??= { type: p.icmpType, code: p.icmpCode, from: p.src };
      return;
    }
    if (this.protocol === 6) this.countTcp(p, dir, t);
    else if (this.protocol === 1 || this.protocol === 58) this.countIcmp(p, dir, t);
    else if (this.protocol === 132) this.countSctp(p.sctpChunks, dir, t);
  }

  /**
   * An SCTP association in TCP's terms, so flows get the same states: INIT / INIT ACK /
   * COOKIE ECHO are the handshake, ABORT a reset, SHUTDOWN and SHUTDOWN ACK each side's close.
   */
  private countSctp(chunks: number, dir: number, t: number): void {
    if (chunks & SCTP_ABORT) this.stat[S_RST + dir]++;
    if (chunks & (SCTP_SHUTDOWN | SCTP_SHUTDOWN_ACK)) this.stat[S_FIN + dir]++;
    if (chunks & SCTP_INIT) {
      this.stat[S_SYN + dir]++;
      if (this.synDir < 0) {
        this.synDir = dir;
        this.synT = t;
      }
    } else if (chunks & SCTP_INIT_ACK) {
      this.stat[S_SYN + dir]++;
      if (this.answerDir < 0) this.sawAnswer(dir, t);
      if (dir !== this.synDir && this.synDir >= 0 && Number.isNaN(this.synAckT)) this.synAckT = t;
    } else if (chunks & SCTP_COOKIE_ECHO) {
      if (dir === this.synDir && !Number.isNaN(this.synAckT) && Number.isNaN(this.ackT)) this.ackT = t;
    }
  }

  private countIcmp(p: CorrelatePacket, dir: number, t: number): void {
    // The first message's type, or -1 while only messages cut before their type were seen (a
    // snaplen inside the ICMP header): a later whole one replaces that.
    const known = this.stat[S_ICMP_TYPE + dir];
    if (!Number.isNaN(known) && (known >= 0 || p.icmpType < 0)) return;
    this.stat[S_ICMP_TYPE + dir] = p.icmpType;
    this.stat[S_ICMP_CODE + dir] = p.icmpCode;
    const answers = this.protocol === 1 ? ICMP_ANSWERS : ICMP6_ANSWERS;
    if (this.answerDir < 0 && answers.has(p.icmpType)) this.sawAnswer(dir, t);
  }

  private sawAnswer(dir: number, t: number): void {
    this.answerDir = dir;
    this.answerT = t;
  }

  private countTcp(p: CorrelatePacket, dir: number, t: number): void {
    const flags = p.tcpFlags;
    if (flags & RST) this.stat[S_RST + dir]++;
    if (flags & FIN) this.stat[S_FIN + dir]++;
    if (flags & SYN) {
      this.stat[S_SYN + dir]++;
      if (!(flags & ACK)) {
        if (this.synDir < 0) {
          this.synDir = dir;
          this.synSeq = p.seq;
          this.synT = t;
        }
      } else {
        if (this.answerDir < 0) this.sawAnswer(dir, t);
        if (dir !== this.synDir && this.synDir >= 0 && Number.isNaN(this.synAckT)) this.synAckT = t;
      }
    } else if (
      dir === this.synDir &&
      !Number.isNaN(this.synAckT) &&
      Number.isNaN(this.ackT) &&
      flags & ACK &&
      !(flags & RST)
    ) {
      this.ackT = t;
    }
    // Retransmission: the segment ends at or before what this direction already carried.
    const len = p.payloadLength + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0);
    if (len > 0) {
      const end = (p.seq + len) >>> 0;
      const next = this.stat[S_NEXT_SEQ + dir];
      if (!Number.isNaN(next) && ((end - next) | 0) <= 0) this.stat[S_RETRANS + dir]++;
      else this.stat[S_NEXT_SEQ + dir] = end;
    } else if ((flags & (ACK | SYN | FIN | RST)) === ACK) {
      // Duplicate ACK: a pure ACK repeating the previous ack and window.
      if (p.ack === this.stat[S_LAST_ACK + dir] && p.window === this.stat[S_LAST_WIN + dir])
        this.stat[S_DUP_ACKS + dir]++;
      this.stat[S_LAST_ACK + dir] = p.ack;
      this.stat[S_LAST_WIN + dir] = p.window;
      return;
    }
    this.stat[S_LAST_ACK + dir] = NaN;
  }

  countInterface(p: CorrelatePacket, dir: number): void {
    const f = this.ifaces;
    const n = this.ifaceCount * 4;
    for (let i = 0; i < n; i += 4) {
      if (f[i] === p.ifIndex && f[i + 1] === p.pktType && f[i + 2] === dir) {
        f[i + 3]++;
        return;
      }
    }
    f[n] = p.ifIndex;
    f[n + 1] = p.pktType;
    f[n + 2] = dir;
    f[n + 3] = 1;
    this.ifNames[this.ifaceCount++] = p.ifName;
  }

  addEvidence(t: number, dir: number, p: CorrelatePacket): void {
    const e = this.evidence;
    const n = this.evidenceCount;
    e[n] = t;
    e[n + 1] = dir;
    e[n + 2] = p.ifIndex;
    e[n + 3] = p.pktType;
    e[n + 4] = p.frame;
    e[n + 5] = p.tcpFlags;
    this.evidenceCount = n + 6;
  }

  /** Time of the latest packet in either direction (-Infinity before any). */
  lastSeen(): number {
    const a = this.stat[S_LAST];
    const b = this.stat[S_LAST + 1];
    return Math.max(Number.isNaN(a) ? -Infinity : a, Number.isNaN(b) ? -Infinity : b);
  }

  /** True when a new SYN on this tuple starts another connection (port reuse). */
  isReusedBy(p: CorrelatePacket, t: number, idleNs: number): boolean {
    if (t - this.lastSeen() > idleNs) return true;
    return (
      this.protocol === 6 && (p.tcpFlags & (SYN | ACK)) === SYN && this.synDir >= 0 && p.seq !== this.synSeq
    );
  }
}

/** Union-find root, compressing the path and keeping each node's parity relative to the root. */
export function findRoot(x: PerspectiveState): PerspectiveState {
  let root = x;
  let parity = 0;
  while (root.parent !== root) {
    parity ^= root.parity;
    root = root.parent;
  }
  // Second walk: point every node on the path straight at the root.
  let node = x;
  while (node.parent !== root && node !== root) {
    const next = node.parent;
    const nextParity = parity ^ node.parity;
    node.parent = root;
    node.parity = parity;
    parity = nextParity;
    node = next;
  }
  return root;
}

/** Parity of x relative to its root (call after findRoot, or it walks the path). */
export function parityToRoot(x: PerspectiveState): number {
  let parity = 0;
  for (let n = x; n.parent !== n; n = n.parent) parity ^= n.parity;
  return parity;
}

/**
 * Joins the perspectives of two sightings of one packet: direction `dx` in x is direction `dy`
 * in y. Returns false if they are already joined with the opposite orientation (a contradiction).
 */
export function union(x: PerspectiveState, dx: number, y: PerspectiveState, dy: number): boolean {
  const rx = findRoot(x);
  const px = parityToRoot(x);
  const ry = findRoot(y);
  const py = parityToRoot(y);
  const want = dx ^ dy;
  if (rx === ry) return (px ^ py) === want;
  if (rx.rank < ry.rank) {
    rx.parent = ry;
    rx.parity = px ^ py ^ want;
  } else {
    ry.parent = rx;
    ry.parity = px ^ py ^ want;
    if (rx.rank === ry.rank) rx.rank++;
  }
  // The flow's summary moves to the new root, and the two member rings become one (swapping one
  // link of each splices two cycles).
  const root = rx.parent === rx ? rx : ry;
  root.flowLast = Math.max(rx.flowLast, ry.flowLast);
  root.flowClosed = rx.flowClosed || ry.flowClosed;
  root.flowOpen = rx.flowOpen + ry.flowOpen;
  const next = rx.ringNext;
  rx.ringNext = ry.ringNext;
  ry.ringNext = next;
  return true;
}

/** TCP and SCTP: connections that open and close (FIN/SHUTDOWN, RST/ABORT). */
export function hasHandshake(protocol: number): boolean {
  return protocol === 6 || protocol === 132;
}

/**
 * Has `p` seen its flow end? TCP and SCTP: a reset, or a close each way. Others: an answer (a
 * packet each way).
 */
export function sawEnd(p: PerspectiveState): boolean {
  const s = p.stat;
  if (hasHandshake(p.protocol)) return s[S_RST] + s[S_RST + 1] > 0 || (s[S_FIN] > 0 && s[S_FIN + 1] > 0);
  return s[S_PACKETS] > 0 && s[S_PACKETS + 1] > 0;
}
