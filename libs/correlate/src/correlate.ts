// correlate(): bootstrap clock offsets from a prefix of every capture, merge the captures in
// reference time through the engine, then refine the offsets and assemble the flows.
import { ClockBootstrap } from './clock-bootstrap.js';
import { resolveDomains, type DomainOffsets } from './clock-offset.js';
import { Correlator, DEFAULT_ENGINE_OPTIONS, type EngineOptions } from './correlator.js';
import { absolute, buildFlow, groupFlows, requestDirections, type FlowContext } from './flow.js';
import { mergeAsync, mergeSync } from './merge.js';
import { type PerspectiveState, S_SIGHTINGS, S_UNPAIRED } from './perspective.js';
import type {
  AsyncPacketSource,
  CapturePoint,
  CorrelateCapture,
  CorrelateOptions,
  CorrelatePacket,
  CorrelationResult,
  PacketSource,
} from './types.js';

const DEFAULT_BOOTSTRAP_PACKETS = 200_000;

/** Correlates captures whose packets can be iterated synchronously (arrays, decoded files). */
export function correlate(
  captures: CorrelateCapture<PacketSource>[],
  options: CorrelateOptions = {},
): CorrelationResult {
  const run = new Run(
    captures.map((c) => c.point),
    options,
  );
  const limit = options.bootstrapPackets ?? DEFAULT_BOOTSTRAP_PACKETS;
  captures.forEach((c, i) => {
    let n = 0;
    for (const p of c.packets()) {
      run.bootstrap.add(run.domains[i], p);
      if (++n >= limit) break;
    }
  });
  const engine = run.start();
  mergeSync(
    captures.map((c) => c.packets()),
    (i, p) => engine.time(p) - engine.offsets[i],
    (i, p) => engine.add(i, p),
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
  const limit = options.bootstrapPackets ?? DEFAULT_BOOTSTRAP_PACKETS;
  for (let i = 0; i < captures.length; i++) {
    let n = 0;
    outer: for await (const chunk of captures[i].packets()) {
      for (const p of chunk) {
        run.bootstrap.add(run.domains[i], p);
        if (++n >= limit) break outer;
      }
    }
  }
  const engine = run.start();
  await mergeAsync(
    captures.map((c) => c.packets()),
    (i, p) => engine.time(p) - engine.offsets[i],
    (i, p) => engine.add(i, p),
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
  }

  start(): Correlator {
    this.coarse = resolveDomains(this.domainNames.length, this.reference, this.bootstrap.intervals());
    const base = Number.isNaN(this.bootstrap.baseSec) ? 0 : this.bootstrap.baseSec;
    // Its maps are garbage from here on: let them go before the main pass.
    this.bootstrap = new ClockBootstrap(0);
    const engineOptions: EngineOptions = {
      ...DEFAULT_ENGINE_OPTIONS,
      windowNs: this.options.pairingWindowNs !== undefined ? Number(this.options.pairingWindowNs) : 1e9,
      maxEvidence: this.options.maxSightingsPerPerspective ?? DEFAULT_ENGINE_OPTIONS.maxEvidence,
    };
    const offsets = this.domains.map((d) => this.coarse!.offset[d]);
    const spread = this.coarse.spread;
    const uncertainty = (a: number, b: number) => 2 * (spread[a] + spread[b]) + 50_000;
    return new Correlator(this.points, this.domains, offsets, base, engineOptions, uncertainty);
  }

  finish(engine: Correlator): CorrelationResult {
    engine.flush();
    const coarse = this.coarse!;
    const groups = groupFlows(engine.perspectives);
    const coarseOffset = (d: number) => coarse.offset[d];
    const dirs = new Map<PerspectiveState, number>();
    const dirsOf = groups.map((members) => requestDirections(members, coarseOffset));
    for (const m of dirsOf) for (const [p, d] of m) dirs.set(p, d);

    // Refine: every flow seen in two domains brackets their offset.
    const fine = resolveDomains(
      this.domainNames.length,
      this.reference,
      engine.clockIntervals(groups, (p) => dirs.get(p)!),
    );
    const offset = this.domainNames.map((_, d) =>
      fine.pairs[d] > 0 || d === this.reference ? fine.offset[d] : coarse.offset[d],
    );
    const spread = this.domainNames.map((_, d) => (fine.pairs[d] > 0 ? fine.spread[d] : coarse.spread[d]));

    const ctx: FlowContext = {
      points: this.points,
      baseSec: engine.baseSec,
      addressBook: this.options.addressBook ?? null,
      captureId: (c) => this.points[c].id,
      offset: (d) => offset[d],
      interfaceName: (p, ifIndex, pktType) => {
        for (let i = 0; i < p.ifaces.length; i += 4)
          if (p.ifaces[i] === ifIndex && p.ifaces[i + 1] === pktType && p.ifNames[i / 4])
            return p.ifNames[i / 4];
        return ifIndex >= 0 ? `if${ifIndex}` : null;
      },
    };
    const flows = groups.map((members, i) => buildFlow(members, dirsOf[i], ctx));
    flows.sort(
      (x, y) =>
        (BigInt(x.firstNs) < BigInt(y.firstNs) ? -1 : BigInt(x.firstNs) > BigInt(y.firstNs) ? 1 : 0) ||
        (x.id < y.id ? -1 : 1),
    );

    const unpaired = this.points.map(() => 0);
    for (const members of groups) {
      if (new Set(members.map((p) => p.capture)).size < 2) continue;
      for (const p of members) unpaired[p.capture] += p.stat[S_UNPAIRED] + p.stat[S_UNPAIRED + 1];
    }
    const sightings = this.points.map(() => 0);
    for (const p of engine.perspectives)
      sightings[p.capture] += p.stat[S_SIGHTINGS] + p.stat[S_SIGHTINGS + 1];

    this.options.onProgress?.(1);
    return {
      flows,
      clockOffsets: this.points.map((pt, i) => {
        const d = this.domains[i];
        return {
          capture: pt.id,
          clockDomain: this.domainNames[d],
          offsetNs: String(offset[d]),
          spreadNs: String(spread[d]),
          pairs: d === this.reference ? 0 : fine.pairs[d] || coarse.pairs[d],
          reference: d === this.reference,
        };
      }),
      captures: this.points.map((pt, i) => ({
        capture: pt.id,
        packets: engine.packets[i],
        ignored: engine.ignored[i],
        sightings: sightings[i],
        unpaired: unpaired[i],
      })),
      unpaired: Object.fromEntries(this.points.map((pt, i) => [pt.id, unpaired[i]])),
      ambiguousPairings: engine.ambiguous,
      conflicts: engine.conflicts,
      sightings: engine.sightings,
      hops: engine.hops,
    };
  }
}

export { absolute };
