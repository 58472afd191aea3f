// correlate(): bootstrap clock offsets from a prefix of every capture, merge the captures in
// reference time through the engine, then refine the offsets and assemble the flows.
import { UNDECODED_NAMES } from '#decode';
import { ClockBootstrap } from './clock-bootstrap.js';
import { resolveDomains, type DomainOffsets, type OffsetInterval } from './clock-offset.js';
import { addFlowIntervals, Correlator, DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './correlator.js';
import { buildFlow, requestDirections, type FlowContext } from './flow.js';
import { mergeAsync, mergeSync } from './merge.js';
import { type PerspectiveState, S_SIGHTINGS, S_UNPAIRED } from './perspective.js';
import type {
  AsyncPacketSource,
  CapturePoint,
  CorrelateCapture,
  CorrelateOptions,
  CorrelatePacket,
  CorrelationResult,
  Flow,
  FlowClock,
  PacketSource,
} from './types.js';

const DEFAULT_BOOTSTRAP_PACKETS = 200_000;
/**
 * The first try reads a tenth of the prefix: when the captures overlap from the start (the usual
 * case) that holds enough handshakes to line up the clocks, at a tenth of the cost.
 */
const FIRST_BOOTSTRAP_SHARE = 10;

/** Correlates captures whose packets can be iterated synchronously (arrays, decoded files). */
export function correlate(
  captures: CorrelateCapture<PacketSource>[],
  options: CorrelateOptions = {},
): CorrelationResult {
  const run = new Run(
    captures.map((c) => c.point),
    options,
  );
  for (const limit of run.bootstrapLimits()) {
    let truncated = false;
    captures.forEach((c, i) => {
      let n = 0;
      for (const p of c.packets()) {
        run.bootstrap.add(run.domains[i], p);
        if (++n >= limit) {
          truncated = true;
          break;
        }
      }
    });
    if (run.bootstrapped(truncated, limit)) break;
  }
  const engine = run.start();
  const visit = run.visitor(engine, captures);
  mergeSync(
    captures.map((c) => c.packets()),
    (i, p) => engine.time(p) - engine.offsets[i],
    visit,
  );
  return run.finish(engine);
}

/**
 * The same over asynchronous sources, e.g. decoded batches of files being read: each source is
 * called twice (bootstrap prefix, then the whole capture) and yields chunks of packets.
 */
export async function correlateAsync(
  captures: CorrelateCapture<() => AsyncIterable<Iterable<CorrelatePacket>>>[],
  options: CorrelateOptions = {},
): Promise<CorrelationResult> {
  const run = new Run(
    captures.map((c) => c.point),
    options,
  );
  for (const limit of run.bootstrapLimits()) {
    let truncated = false;
    for (let i = 0; i < captures.length; i++) {
      let n = 0;
      outer: for await (const chunk of captures[i].packets()) {
        for (const p of chunk) {
          run.bootstrap.add(run.domains[i], p);
          if (++n >= limit) {
            truncated = true;
            break outer;
          }
        }
      }
    }
    if (run.bootstrapped(truncated, limit)) break;
  }
  const engine = run.start();
  const visit = run.visitor(engine, captures);
  await mergeAsync(
    captures.map((c) => c.packets()),
    (i, p) => engine.time(p) - engine.offsets[i],
    visit,
  );
  return run.finish(engine);
}

export type { AsyncPacketSource };

/** Clock domains, options and the steps shared by the sync and async drivers. */
class Run {
  readonly domains: number[];
  readonly domainNames: string[] = [];
  readonly reference: number;
  bootstrap: ClockBootstrap;
  private coarse: DomainOffsets | null = null;
  /** The offsets as known so far: coarse, refined as finished flows bracket them. */
  private offset: number[] = [];
  private spread: number[] = [];
  private fine: DomainOffsets | null = null;
  private readonly intervals = new Map<number, OffsetInterval[]>();
  /** Brackets added so far (the lists keep only the narrowest), and how many at the last estimate. */
  private added = 0;
  private refinedAt = 0;
  private readonly flows: Flow[] = [];
  private flowCount = 0;
  private readonly unpaired: number[];
  private readonly sightings: number[];
  private ctx: FlowContext | null = null;
  /** Capture id -> its offset as known now (FlowClock), for onFlow. */
  private readonly clock: FlowClock;

  constructor(
    readonly points: CapturePoint[],
    readonly options: CorrelateOptions,
  ) {
    const ids = new Map<string, number>();
    this.domains = points.map((p) => {
      const name = p.clockDomain ?? p.node ?? p.id;
      if (!ids.has(name)) {
        ids.set(name, ids.size);
        this.domainNames.push(name);
      }
      return ids.get(name)!;
    });
    const client = points.findIndex((p) => p.role === 'client');
    this.reference = this.domains[client >= 0 ? client : 0] ?? 0;
    this.bootstrap = new ClockBootstrap(ids.size);
    this.unpaired = points.map(() => 0);
    this.sightings = points.map(() => 0);
    const domainOf = new Map(points.map((p, i) => [p.id, this.domains[i]]));
    this.clock = (capture) => {
      const d = domainOf.get(capture);
      return d === undefined ? 0n : BigInt(Math.round(this.offset[d] ?? 0));
    };
  }

  /** Prefix lengths to try: a short one first, the whole option value if that is not enough. */
  bootstrapLimits(): number[] {
    const max = this.bootstrapMax();
    const first = Math.ceil(max / FIRST_BOOTSTRAP_SHARE);
    return first < max ? [first, max] : [max];
  }

  private bootstrapMax(): number {
    return this.options.bootstrapPackets ?? DEFAULT_BOOTSTRAP_PACKETS;
  }

  /**
   * After a prefix of `limit` packets was read: true when its offsets will do (every clock
   * domain lined up with the reference, or nothing more to read); else starts over for more.
   */
  bootstrapped(truncated: boolean, limit: number): boolean {
    const coarse = resolveDomains(this.domainNames.length, this.reference, this.bootstrap.intervals());
    const reached = coarse.pairs.every((n, d) => n > 0 || d === this.reference);
    if (reached || !truncated || limit >= this.bootstrapMax()) {
      this.coarse = coarse;
      return true;
    }
    this.bootstrap = new ClockBootstrap(this.domainNames.length);
    return false;
  }

  start(): Correlator {
    const coarse =
      this.coarse ?? resolveDomains(this.domainNames.length, this.reference, this.bootstrap.intervals());
    this.coarse = coarse;
    this.offset = coarse.offset.slice();
    this.spread = coarse.spread.slice();
    const base = Number.isNaN(this.bootstrap.baseSec) ? 0 : this.bootstrap.baseSec;
    // Its maps are garbage from here on: let them go before the main pass.
    this.bootstrap = new ClockBootstrap(0);
    const engineOptions: EngineOptions = {
      ...DEFAULT_ENGINE_OPTIONS,
      windowNs: this.options.pairingWindowNs !== undefined ? Number(this.options.pairingWindowNs) : 1e9,
      maxEvidence: this.options.maxSightingsPerPerspective ?? DEFAULT_ENGINE_OPTIONS.maxEvidence,
    };
    const offsets = this.domains.map((d) => coarse.offset[d]);
    const uncertainty = (a: number, b: number) => 2 * (coarse.spread[a] + coarse.spread[b]) + 50_000;
    this.ctx = {
      points: this.points,
      baseSec: base,
      addressBook: this.options.addressBook ?? null,
      captureId: (c) => this.points[c].id,
      offset: (d) => this.offset[d],
    };
    return new Correlator(this.points, this.domains, offsets, base, engineOptions, uncertainty, (batch) =>
      this.retire(batch),
    );
  }

  /** What the merge calls for each packet: the engine, plus progress when totals are known. */
  visitor(engine: Correlator, captures: { packetCount?: number }[]): (i: number, p: CorrelatePacket) => void {
    const onProgress = this.options.onProgress;
    const total = captures.reduce((n, c) => n + (c.packetCount ?? NaN), 0);
    if (!onProgress || !(total > 0)) return (i, p) => engine.add(i, p);
    // About a hundred reports, none closer than 4096 packets.
    const every = Math.max(4096, Math.floor(total / 100));
    let done = 0;
    let next = every;
    return (i, p) => {
      engine.add(i, p);
      if (++done === next) {
        next += every;
        onProgress(Math.min(1, done / total));
      }
    };
  }

  /** Finished flows: their offset brackets refine the clocks, then they are built and handed on. */
  private retire(batch: PerspectiveState[][]): void {
    const offset = (d: number) => this.offset[d];
    for (const members of batch) requestDirections(members, offset);
    for (const members of batch) this.added += addFlowIntervals(this.intervals, members);
    // Re-estimate as brackets double (each estimate sorts them all), and once more at the end.
    if (this.added > this.refinedAt && this.added >= 2 * this.refinedAt) this.refineOffsets();
    batch.forEach((members) => {
      const flow = buildFlow(members, this.ctx!);
      this.flowCount++;
      if (this.options.onFlow) this.options.onFlow(flow, this.clock);
      else this.flows.push(flow);
      const multi = members.some((p) => p.capture !== members[0].capture);
      for (const p of members) {
        if (multi) this.unpaired[p.capture] += p.stat[S_UNPAIRED] + p.stat[S_UNPAIRED + 1];
        this.sightings[p.capture] += p.stat[S_SIGHTINGS] + p.stat[S_SIGHTINGS + 1];
      }
    });
  }

  private refineOffsets(): void {
    this.refinedAt = this.added;
    const coarse = this.coarse!;
    const fine = resolveDomains(this.domainNames.length, this.reference, this.intervals);
    this.fine = fine;
    this.offset = this.domainNames.map((_, d) =>
      fine.pairs[d] > 0 || d === this.reference ? fine.offset[d] : coarse.offset[d],
    );
    this.spread = this.domainNames.map((_, d) => (fine.pairs[d] > 0 ? fine.spread[d] : coarse.spread[d]));
  }

  finish(engine: Correlator): CorrelationResult {
    engine.flush();
    if (this.added > this.refinedAt) this.refineOffsets();
    const coarse = this.coarse!;
    const fine = this.fine;
    this.flows.sort((x, y) => compareNs(x.firstNs, y.firstNs) || (x.id < y.id ? -1 : 1));
    this.options.onProgress?.(1);
    return {
      flows: this.flows,
      flowCount: this.flowCount,
      clockOffsets: this.points.map((pt, i) => {
        const d = this.domains[i];
        return {
          capture: pt.id,
          clockDomain: this.domainNames[d],
          offsetNs: String(this.offset[d]),
          spreadNs: String(this.spread[d]),
          pairs: d === this.reference ? 0 : (fine?.pairs[d] ?? 0) || coarse.pairs[d],
          reference: d === this.reference,
        };
      }),
      captures: this.points.map((pt, i) => ({
        capture: pt.id,
        packets: engine.packets[i],
        ignored: engine.ignored[i],
        sightings: this.sightings[i],
        unpaired: this.unpaired[i],
        // Only when there are any: the summary of a capture natlens reads whole is as it was.
        ...counts('unsupportedLinkTypes', engine.unsupportedLinkTypes[i]),
        ...counts('undecoded', engine.undecoded[i], (k) => UNDECODED_NAMES[k] ?? String(k)),
      })),
      unpaired: Object.fromEntries(this.points.map((pt, i) => [pt.id, this.unpaired[i]])),
      ambiguousPairings: engine.ambiguous,
      conflicts: engine.conflicts,
      sightings: engine.sightings,
      hops: engine.hops,
    };
  }
}

/** `{ [name]: the counts as an object, in order of key }`, or nothing when there are none. */
function counts(
  name: string,
  map: Map<number, number>,
  label: (key: number) => string = String,
): Record<string, Record<string, number>> {
  if (map.size === 0) return {};
  return { [name]: Object.fromEntries([...map].sort((x, y) => x[0] - y[0]).map(([k, n]) => [label(k), n])) };
}

/** Orders decimal nanosecond strings (same length = same order as text; else by length). */
function compareNs(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
