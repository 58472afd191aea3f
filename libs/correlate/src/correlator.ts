// The streaming engine: packets from all captures, merged in (coarsely clock-corrected) time
// order, become sightings in perspectives; the pairing window groups the sightings of each packet;
// closing a group turns consecutive sightings into hops, which join perspectives into flows.
// Memory: the open groups of one window, plus the perspectives of flows still live; a finished
// flow is retired (built and handed over) a few seconds after it closes or goes quiet.
// Allocation: sightings, groups and perspectives are recycled (with the storage of their arrays)
// rather than collected: the hot path allocates little beyond the flows it hands over.
import { fingerprint, fingerprintHigh } from './fingerprint.js';
import { addInterval, type OffsetInterval } from './clock-offset.js';
import { PairingWindow } from './pairing.js';
import { TupleIndex } from './tuple-index.js';
import {
  findRoot,
  hasHandshake,
  PerspectiveState,
  S_SIGHTINGS,
  S_UNPAIRED,
  sawEnd,
  union,
  VNI_UNSEEN,
} from './perspective.js';
import type { SightingArena, SightingInput } from './sighting.js';
import { PKT_OUTGOING, type CapturePoint, type CorrelatePacket } from './types.js';

export interface EngineOptions {
  windowNs: number;
  maxEvidence: number;
  /** Idle time after which a tuple starts a new flow (TCP, then others). */
  tcpIdleNs: number;
  otherIdleNs: number;
  /** A flow quiet this long (and not closed) is finished. */
  flowIdleNs: number;
  /** An answered UDP/ICMP exchange quiet this long is finished. */
  answeredIdleNs: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  windowNs: 1e9,
  maxEvidence: 4,
  tcpIdleNs: 300e9,
  otherIdleNs: 30e9,
  flowIdleNs: 60e9,
  answeredIdleNs: 10e9,
};

const ICMP_ECHO = new Set([0, 8, 128, 129]);

export class Correlator {
  /**
   * Roots of the flows not yet retired (handed to `retire` once idle), in order of creation; a
   * perspective stays here after joining another flow until the next sweep drops it.
   */
  private roots: PerspectiveState[] = [];
  private serial = 0;
  /** Retired perspectives, reused for new ones. */
  private readonly freePerspectives: PerspectiveState[] = [];
  private readonly index: TupleIndex[];
  private readonly pairing: PairingWindow;
  readonly packets: number[];
  readonly ignored: number[];
  /** Per capture, link type -> packets on an interface of that type the decoder does not decode. */
  readonly unsupportedLinkTypes: Map<number, number>[];
  /** Per capture, UNDECODED_* encapsulation -> packets carrying it. */
  readonly undecoded: Map<number, number>[];
  sightings = 0;
  hops = 0;
  conflicts = 0;
  private nextRetire = -Infinity;
  /** Per capture, the perspectives used last, most recent first (at most RECENT). */
  private readonly recent: PerspectiveState[][];
  /** Captures taken at an endpoint (a client or backend pod) rather than on a node's path. */
  private readonly endpoint: boolean[];
  /** The sighting being placed: one object, rewritten per packet (the arena copies it). */
  private readonly input: SightingInput = {
    p: RETIRED,
    dir: 0,
    t: 0,
    tc: 0,
    capture: 0,
    domain: 0,
    rank: 0,
    endpoint: 0,
    ifIndex: 0,
    pktType: 0,
    frame: 0,
  };

  constructor(
    readonly points: readonly CapturePoint[],
    /** Clock domain of each capture. */
    readonly domains: readonly number[],
    /** Coarse offset of each capture's clock (ns), subtracted before pairing. */
    readonly offsets: readonly number[],
    /** Whole seconds subtracted from every timestamp so times stay exact in a double. */
    readonly baseSec: number,
    readonly options: EngineOptions = DEFAULT_ENGINE_OPTIONS,
    /** How far apart two domains' corrected times may be and still be in either order (ns). */
    private readonly uncertainty: (a: number, b: number) => number = () => 50_000,
    /** Receives finished flows (their perspectives), a batch at a time. */
    private readonly retire: (flows: PerspectiveState[][]) => void = () => {},
  ) {
    this.index = points.map(() => new TupleIndex());
    this.recent = points.map(() => []);
    // Only a client or backend capture is where packets start or end; `other` (the API's default
    // for an upload without a role) may be a node's, so it ranks as the path does.
    this.endpoint = points.map((p) => p.role === 'client' || p.role === 'backend');
    this.packets = points.map(() => 0);
    this.ignored = points.map(() => 0);
    this.unsupportedLinkTypes = points.map(() => new Map());
    this.undecoded = points.map(() => new Map());
    this.pairing = new PairingWindow(
      { windowNs: options.windowNs, ambiguityNs: 1e6, unknownInterfaceDupNs: 1e6, uncertainty },
      (order, n, ambiguous) => {
        this.closeGroup(order, n, ambiguous);
        this.release(order, n);
      },
    );
  }

  get ambiguous(): number {
    return this.pairing.ambiguous;
  }

  /** Time of a packet on its capture's clock, in ns since `baseSec` (exact in a double). */
  time(p: CorrelatePacket): number {
    return (p.tsSec - this.baseSec) * 1e9 + p.tsNsec;
  }

  add(capture: number, p: CorrelatePacket): void {
    this.packets[capture]++;
    if (p.undecoded !== 0) count(this.undecoded[capture], p.undecoded);
    if ((p.ipVersion !== 4 && p.ipVersion !== 6) || p.protocol < 0) {
      this.ignored[capture]++;
      if (p.unsupportedLinktype >= 0) count(this.unsupportedLinkTypes[capture], p.unsupportedLinktype);
      return;
    }
    const t = this.time(p);
    const tc = t - this.offsets[capture];

    // The tuple in the flow's terms: an ICMP error belongs to the flow of the packet it quotes.
    let protocol = p.protocol;
    let src = p.src;
    let dst = p.dst;
    let sport = p.srcPort;
    let dport = p.dstPort;
    const icmpError = p.embeddedProtocol !== 0;
    if (icmpError) {
      protocol = p.embeddedProtocol;
      src = p.embeddedDst;
      dst = p.embeddedSrc;
      sport = p.embeddedDstPort;
      dport = p.embeddedSrcPort;
    } else if (protocol === 1 || protocol === 58) {
      sport = dport = ICMP_ECHO.has(p.icmpType) ? p.icmpId : 0;
    }
    // Consecutive packets of a capture mostly belong to a few flows (one packet shows on several
    // interfaces in a row): try the recently used perspectives, most recent first, before
    // building the index key. Most recent first also finds a tuple's newest perspective (a
    // reused port) before an older one still cached.
    const recent = this.recent[capture];
    let ps: PerspectiveState | undefined;
    for (let i = 0; i < recent.length; i++) {
      const r = recent[i];
      if (matches(r, protocol, src, sport, dst, dport, p)) {
        ps = r;
        for (let j = i; j > 0; j--) recent[j] = recent[j - 1];
        recent[0] = r;
        break;
      }
    }
    const idle = protocol === 6 ? this.options.tcpIdleNs : this.options.otherIdleNs;
    if (ps === undefined || ps.isReusedBy(p, t, idle)) {
      const hash = TupleIndex.hash(protocol, src, sport, dst, dport, p.tunnel, p.outerSrc, p.outerDst);
      const index = this.index[capture];
      ps = index.get(hash, protocol, src, sport, dst, dport, p.tunnel, p.outerSrc, p.outerDst);
      if (ps !== undefined && ps.isReusedBy(p, t, idle)) ps = undefined;
      if (ps === undefined) {
        ps = this.newPerspective(hash, capture, protocol, src, sport, dst, dport, p, icmpError);
        index.set(ps);
      }
      if (recent[0] !== ps) {
        for (let j = Math.min(recent.length, RECENT - 1); j > 0; j--) recent[j] = recent[j - 1];
        recent[0] = ps;
      }
    }
    const dir = src === ps.aAddr && sport === ps.aPort ? 0 : 1;
    if (dir !== ps.outerDir && ps.otherVni === VNI_UNSEEN && p.tunnel !== 0) ps.otherVni = p.vni;

    const rank = !this.endpoint[capture] || p.pktType < 0 ? 1 : p.pktType === PKT_OUTGOING ? 0 : 2;
    const s = this.input;
    s.p = ps;
    s.dir = dir;
    s.t = t;
    s.tc = tc;
    s.capture = capture;
    s.domain = this.domains[capture];
    s.rank = rank;
    s.endpoint = this.endpoint[capture] ? 1 : 0;
    s.ifIndex = p.ifIndex;
    s.pktType = p.pktType;
    s.frame = p.frame;
    const group = this.pairing.place(fingerprint(p), fingerprintHigh, s);
    this.sightings++;
    ps.stat[S_SIGHTINGS + dir]++;
    ps.countInterface(p, dir);
    // The flow's summary for the retire sweep, on its root.
    const root = findRoot(ps);
    root.flowOpen++;
    if (!this.pairing.seenBefore(group, ps)) {
      ps.countPacket(p, dir, t);
      if (tc > root.flowLast) root.flowLast = tc;
      if (!root.flowClosed && sawEnd(ps)) root.flowClosed = true;
    }
    if (ps.evidenceCount < this.options.maxEvidence * 6) ps.addEvidence(t, dir, p);
    this.pairing.advance(tc);
    // Also when time went back by more than a period (a timestamp far ahead in a capture): else
    // nothing would be swept until the reading caught up with it, memory growing meanwhile.
    if (tc > this.nextRetire || tc < this.nextRetire - 2 * RETIRE_EVERY_NS) this.retireIdle(tc, false);
  }

  private newPerspective(
    hash: number,
    capture: number,
    protocol: number,
    src: string,
    sport: number,
    dst: string,
    dport: number,
    p: CorrelatePacket,
    icmpError: boolean,
  ): PerspectiveState {
    // Endpoint a is whoever sent first (for an ICMP error: the sender of the quoted packet).
    const ps = (this.freePerspectives.pop() ?? new PerspectiveState()).init(
      hash,
      capture,
      this.domains[capture],
      protocol,
      icmpError ? dst : src,
      icmpError ? dport : sport,
      icmpError ? src : dst,
      icmpError ? sport : dport,
      p.tunnel,
      p.outerSrc,
      p.outerDst,
      icmpError ? 1 : 0,
      p.vni,
    );
    ps.serial = this.serial++;
    this.roots.push(ps);
    return ps;
  }

  /** Closes every open group and retires every flow; call once all packets have been added. */
  flush(): void {
    this.pairing.flush();
    this.retireIdle(Infinity, true);
  }

  /**
   * Hands over the flows whose every perspective has been quiet long enough: a window after a
   * TCP close (FIN both ways, RST), `answeredIdleNs` after an answered UDP/ICMP exchange (a DNS
   * query per source port must not pile up), `flowIdleNs` otherwise. Their groups are all closed
   * by then, so nothing refers to them any more: memory holds live flows only.
   */
  private retireIdle(tc: number, all: boolean): void {
    this.nextRetire = tc + RETIRE_EVERY_NS;
    const done: PerspectiveState[][] = [];
    const roots = this.roots;
    let kept = 0;
    for (const r of roots) {
      if (r.parent !== r) continue; // joined another flow: that flow's root stands for it
      const quiet = !r.flowClosed
        ? this.options.flowIdleNs
        : hasHandshake(r.protocol)
          ? 2 * this.options.windowNs + 1e9
          : this.options.answeredIdleNs;
      if (!all && (r.flowOpen > 0 || r.flowLast > tc - quiet)) roots[kept++] = r;
      else done.push(this.takeMembers(r));
    }
    roots.length = kept;
    if (done.length === 0) return;
    // Flows in order of their first perspective, as they were created.
    done.sort((x, y) => x[0].serial - y[0].serial);
    this.retire(done);
    // Built and handed over: nothing refers to these any more but the recent-perspective caches,
    // where a stand-in that never matches takes their place (a recycled one could match again).
    for (const recent of this.recent)
      for (let i = 0; i < recent.length; i++) if (recent[i].retired) recent[i] = RETIRED;
    for (const members of done) for (const p of members) this.freePerspectives.push(p);
  }

  /** A finished flow's members, in order of creation, taken out of the tuple index. */
  private takeMembers(root: PerspectiveState): PerspectiveState[] {
    const members: PerspectiveState[] = [];
    let p = root;
    do {
      p.retired = true;
      this.index[p.capture].deleteIf(p);
      // Insertion by serial: a ring of a dozen, mostly in order already.
      let j = members.length;
      members.push(p);
      while (j > 0 && members[j - 1].serial > p.serial) {
        members[j] = members[j - 1];
        j--;
      }
      members[j] = p;
      p = p.ringNext;
    } while (p !== root);
    return members;
  }

  /** A closed group's sightings no longer hold their flows live (after closeGroup joined them). */
  private release(order: Int32Array, n: number): void {
    const P = this.pairing.sightings.p;
    for (let i = 0; i < n; i++) findRoot(P[order[i]]).flowOpen--;
  }

  private closeGroup(order: Int32Array, n: number, ambiguous: boolean): void {
    const S = this.pairing.sightings;
    const first = order[0];
    const capture = S.capture(first);
    let oneCapture = true;
    for (let i = 1; i < n; i++) if (S.capture(order[i]) !== capture) oneCapture = false;
    if (oneCapture) S.p[first].stat[S_UNPAIRED + S.dir(first)]++;
    if (n === 1) return;
    this.sampleClock(S, order, n);
    if (ambiguous) {
      S.p[first].ambiguous++;
      return;
    }
    for (let i = 1; i < n; i++) {
      const a = order[i - 1];
      const b = order[i];
      const pa = S.p[a];
      const pb = S.p[b];
      if (pa === pb) continue;
      this.hops++;
      if (!union(pa, S.dir(a), pb, S.dir(b))) {
        this.conflicts++;
        continue;
      }
      addHop(S, a, b);
    }
  }

  /**
   * Keeps, per perspective, direction and next domain, one packet that crossed between clock
   * domains: the last sighting before the crossing and the first after it (the tightest bracket).
   */
  private sampleClock(S: SightingArena, order: Int32Array, n: number): void {
    // Every crossing of the packet's path (client, node, backend on three clocks: two).
    next: for (let i = 1; i < n; i++) {
      const a = order[i - 1];
      const b = order[i];
      const domainA = S.domain(a);
      const domainB = S.domain(b);
      if (domainA === domainB) continue;
      const dir = S.dir(a);
      const p = S.p[a];
      const cross = p.cross;
      const n = p.crossCount * 5;
      for (let k = 0; k < n; k += 5) if (cross[k] === dir && cross[k + 2] === domainB) continue next;
      cross[n] = dir;
      cross[n + 1] = domainA;
      cross[n + 2] = domainB;
      cross[n + 3] = S.t(a);
      cross[n + 4] = S.t(b);
      p.crossCount++;
    }
  }
}

function count<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Perspectives kept per capture in the recent cache: a packet crossing a node shows on a few
 * interfaces under two or three tuples, and a few flows interleave. */
const RECENT = 8;

/** Stands in for retired perspectives in the recent caches: never matches (retired). */
const RETIRED = new PerspectiveState();
RETIRED.retired = true;
/** How often (capture time) idle flows are looked for. */
const RETIRE_EVERY_NS = 2e9;

/**
 * Offset intervals from one flow seen in two domains: one request and one reply packet bracket
 * the offset. Members' request directions (reqDir) must be set.
 */
export function addFlowIntervals(pairs: Map<number, OffsetInterval[]>, members: PerspectiveState[]): number {
  // The first delta per domain pair and direction, in order of first appearance: [key, delta]
  // pairs in scratch arrays (a flow crosses a couple of domain pairs: a scan beats two Maps).
  const req = REQ;
  const rep = REP;
  req.length = rep.length = 0;
  for (const p of members) {
    const c = p.cross;
    for (let k = 0; k < p.crossCount * 5; k += 5) {
      const domainA = c[k + 1];
      const domainB = c[k + 2];
      const lo = Math.min(domainA, domainB);
      const hi = Math.max(domainA, domainB);
      const key = lo * 65536 + hi;
      const delta = domainA === lo ? c[k + 4] - c[k + 3] : c[k + 3] - c[k + 4];
      const target = c[k] === p.reqDir ? req : rep;
      if (find(target, key) < 0) target.push(key, delta);
    }
  }
  let added = 0;
  for (let i = 0; i < req.length; i += 2) {
    const j = find(rep, req[i]);
    if (j < 0) continue;
    addInterval(pairs, Math.floor(req[i] / 65536), req[i] % 65536, req[i + 1], rep[j + 1]);
    added++;
  }
  return added;
}

const REQ: number[] = [];
const REP: number[] = [];

function find(pairs: number[], key: number): number {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === key) return i;
  return -1;
}

function matches(
  ps: PerspectiveState,
  protocol: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  p: CorrelatePacket,
): boolean {
  if (ps.protocol !== protocol || ps.tunnel !== p.tunnel || ps.retired || ps.superseded) return false;
  if (
    p.tunnel !== 0 &&
    !(
      (ps.outerSrc === p.outerSrc && ps.outerDst === p.outerDst) ||
      (ps.outerSrc === p.outerDst && ps.outerDst === p.outerSrc)
    )
  )
    return false;
  return (
    (ps.aPort === sport && ps.bPort === dport && ps.aAddr === src && ps.bAddr === dst) ||
    (ps.aPort === dport && ps.bPort === sport && ps.aAddr === dst && ps.bAddr === src)
  );
}

function addHop(S: SightingArena, a: number, b: number): void {
  const from = S.p[a];
  const to = S.p[b];
  const fromDir = S.dir(a);
  const toDir = S.dir(b);
  const fromIf = S.ifIndex(a);
  const toIf = S.ifIndex(b);
  const fromType = S.pktType(a);
  const toType = S.pktType(b);
  const latency = S.t(b) - S.t(a);
  const hops = from.hops;
  const n = from.hopCount;
  for (let i = 0; i < n; i++) {
    const h = hops[i];
    if (
      h.to === to &&
      h.fromDir === fromDir &&
      h.toDir === toDir &&
      h.fromIf === fromIf &&
      h.toIf === toIf &&
      h.fromType === fromType &&
      h.toType === toType
    ) {
      h.packets++;
      if (latency < h.minLatency) h.minLatency = latency;
      return;
    }
  }
  from.hopCount = n + 1;
  const firstTc = S.tc(a);
  const stale = n < hops.length ? hops[n] : null;
  if (stale === null) {
    hops.push({
      to,
      fromDir,
      toDir,
      fromIf,
      toIf,
      fromType,
      toType,
      packets: 1,
      firstTc,
      firstLatency: latency,
      minLatency: latency,
    });
    return;
  }
  // A recycled perspective's hop object: every field rewritten.
  stale.to = to;
  stale.fromDir = fromDir;
  stale.toDir = toDir;
  stale.fromIf = fromIf;
  stale.toIf = toIf;
  stale.fromType = fromType;
  stale.toType = toType;
  stale.packets = 1;
  stale.firstTc = firstTc;
  stale.firstLatency = latency;
  stale.minLatency = latency;
}
