// Running totals over a stream of report flows: the summary (flows by protocol, state, translation
// kind, time span) and per service its addresses, backend shares and grouped translations. Memory
// is bounded by the number of services, backends and translation groups, not by the flows: the flows
// the text report prints are a bounded selection (those with problems, then the earliest).
import { serviceKey } from './services.js';
import type {
  BackendShare,
  ReportFinding,
  ReportFlow,
  ReportService,
  ReportSummary,
  ReportTranslation,
  TranslationSummary,
} from './types.js';

/** Flow ids a service lists in the JSON form; `flowCount` has them all. */
export const MAX_SERVICE_FLOW_IDS = 1000;
/** Latencies kept per translation group for its median: exact up to this many, a sample beyond. */
const LATENCY_SAMPLE = 4096;
const HEALTHY = new Set(['CLOSED', 'ESTABLISHED', 'ANSWERED']);

export interface AccumulatorOptions {
  /** Flows kept per service and kind (with problems / without) for the text tables (default 500). */
  keepPerService?: number;
}

interface TranslationGroup {
  summary: TranslationSummary;
  flows: number;
  /** ns; a latency is far below 2^53. */
  latencies: number[];
  seen: number;
  random: number;
  /** The earliest flow with this translation, and its place there: the order of the old report. */
  at: { firstNs: string; id: string; index: number };
}

interface ServiceTotals {
  key: string;
  serviceName: string | null;
  addresses: Set<string>;
  flowCount: number;
  /** The earliest flows' first packet and id. */
  flowIds: Earliest<{ firstNs: string; id: string }>;
  backends: Map<string | null, BackendShare>;
  translations: Map<string, TranslationGroup>;
  troubled: Earliest<ReportFlow>;
  healthy: Earliest<ReportFlow>;
}

export class ReportAccumulator {
  private readonly keep: number;
  private readonly byService = new Map<string, ServiceTotals>();
  private flows = 0;
  private readonly protocols: Record<string, number> = {};
  private readonly states: Record<string, number> = {};
  private readonly translationKinds: Record<string, number> = {};
  private first: bigint | null = null;
  private last: bigint | null = null;

  constructor(options: AccumulatorOptions = {}) {
    this.keep = options.keepPerService ?? 500;
  }

  add(f: ReportFlow): void {
    this.flows++;
    bump(this.protocols, f.protocol);
    bump(this.states, f.state);
    for (const t of f.translations) if (t.kind !== 'NONE') bump(this.translationKinds, t.kind);
    if (f.firstNs) {
      const v = BigInt(f.firstNs);
      if (this.first === null || v < this.first) this.first = v;
    }
    if (f.lastNs) {
      const v = BigInt(f.lastNs);
      if (this.last === null || v > this.last) this.last = v;
    }
    const s = this.service(f);
    s.flowCount++;
    s.addresses.add(f.service);
    if (s.flowIds.wants(f)) s.flowIds.add({ firstNs: f.firstNs ?? '', id: f.id });
    let b = s.backends.get(f.backend);
    if (!b) {
      b = { backend: f.backend, backendPod: f.backendPod, connections: 0, share: 0, states: {} };
      s.backends.set(f.backend, b);
    }
    b.connections++;
    b.backendPod ??= f.backendPod;
    bump(b.states, f.state);
    const counted: string[] = [];
    const at = { firstNs: f.firstNs ?? '', id: f.id };
    f.translations.forEach((t, index) => {
      const what = change(f, t);
      const key = `${t.kind}|${t.direction}|${t.capture}|${t.interfaces?.before}|${t.interfaces?.after}|${what}`;
      let g = s.translations.get(key);
      if (!g) {
        g = {
          summary: {
            kind: t.kind,
            direction: t.direction,
            capture: t.capture,
            interfaces: t.interfaces,
            change: what,
            flows: 0,
            medianLatencyNs: '0',
          },
          flows: 0,
          latencies: [],
          seen: 0,
          random: s.translations.size + 1,
          at: { ...at, index },
        };
        s.translations.set(key, g);
      } else if (compare(at, g.at) < 0) g.at = { ...at, index };
      if (!counted.includes(key)) {
        g.flows++;
        counted.push(key);
      }
      sample(g, Number(t.latencyNs));
    });
    (HEALTHY.has(f.state) ? s.healthy : s.troubled).add(f);
  }

  /** Flows counted so far. */
  get flowCount(): number {
    return this.flows;
  }

  summary(findings: Pick<ReportFinding, 'severity'>[]): ReportSummary {
    const bySeverity: Record<string, number> = {};
    for (const f of findings) bump(bySeverity, f.severity);
    return {
      flows: this.flows,
      services: this.byService.size,
      protocols: sortedCounts(this.protocols),
      states: sortedCounts(this.states),
      translations: sortedCounts(this.translationKinds),
      findings: sortedCounts(bySeverity),
      firstNs: this.first === null ? null : String(this.first),
      lastNs: this.last === null ? null : String(this.last),
    };
  }

  /** Most flows first (then by key), so the order does not depend on the order flows came in. */
  services(): ReportService[] {
    return [...this.byService.values()]
      .sort((a, b) => b.flowCount - a.flowCount || a.key.localeCompare(b.key))
      .map((s) => ({
        key: s.key,
        serviceName: s.serviceName,
        addresses: [...s.addresses].sort(),
        flowCount: s.flowCount,
        flows: s.flowIds.values().map((x) => x.id),
        backends: shares(s),
        translations: summaries(s),
      }));
  }

  /**
   * The flows kept for a service's tables (every service's without a key), in time order: those
   * with problems, then the earliest.
   */
  keptFlows(key?: string): ReportFlow[] {
    const services = key === undefined ? [...this.byService.values()] : [this.byService.get(key)];
    return services.flatMap((s) => (s ? [...s.troubled.values(), ...s.healthy.values()] : [])).sort(byTime);
  }

  private service(f: ReportFlow): ServiceTotals {
    const key = serviceKey(f);
    let s = this.byService.get(key);
    if (!s) {
      s = {
        key,
        serviceName: f.serviceName,
        addresses: new Set(),
        flowCount: 0,
        flowIds: new Earliest(MAX_SERVICE_FLOW_IDS),
        backends: new Map(),
        translations: new Map(),
        troubled: new Earliest(this.keep),
        healthy: new Earliest(this.keep),
      };
      this.byService.set(key, s);
    }
    return s;
  }
}

/** Most first, then by name: the same record whatever order the flows came in. */
export function sortedCounts(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)),
  );
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Time order of the report: first packet, then id. */
export function byTime(a: ReportFlow, b: ReportFlow): number {
  return compare(a, b);
}

/**
 * The `max` earliest items (by first packet, then id), in time order. Trimmed in bulk, and past
 * the first trim an item later than the last one kept is not even stored: flows mostly arrive in
 * time order, so keeping the earliest costs a comparison per flow.
 */
class Earliest<T extends { firstNs: string | null; id: string }> {
  private items: T[] = [];
  private cutoff: T | null = null;

  constructor(private readonly max: number) {}

  wants(x: { firstNs: string | null; id: string }): boolean {
    return this.cutoff === null || compare(x, this.cutoff) < 0;
  }

  add(x: T): void {
    if (!this.wants(x)) return;
    this.items.push(x);
    if (this.items.length >= 2 * this.max) this.trim();
  }

  values(): T[] {
    this.trim();
    return this.items;
  }

  private trim(): void {
    this.items.sort(compare);
    if (this.items.length > this.max) {
      this.items.length = this.max;
      this.cutoff = this.items[this.max - 1]!;
    }
  }
}

/** By first packet (decimal ns: shorter is earlier), then id. */
function compare(
  a: { firstNs: string | null; id: string },
  b: { firstNs: string | null; id: string },
): number {
  const x = a.firstNs ?? '';
  const y = b.firstNs ?? '';
  return x.length - y.length || (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Reservoir sampling with a fixed-seed generator: the same flows give the same median. */
function sample(g: TranslationGroup, latency: number): void {
  g.seen++;
  if (g.latencies.length < LATENCY_SAMPLE) {
    g.latencies.push(latency);
    return;
  }
  g.random = (Math.imul(g.random, 1103515245) + 12345) >>> 0;
  const slot = g.random % g.seen;
  if (slot < LATENCY_SAMPLE) g.latencies[slot] = latency;
}

function shares(s: ServiceTotals): BackendShare[] {
  const list = [...s.backends.values()].map((b) => ({
    ...b,
    share: b.connections / s.flowCount,
    states: sortedCounts(b.states),
  }));
  // Most used first; flows that reached no backend last.
  return list.sort(
    (a, b) =>
      Number(a.backend === null) - Number(b.backend === null) ||
      b.connections - a.connections ||
      String(a.backend).localeCompare(String(b.backend)),
  );
}

/** Request first; then as first seen in time order (whatever order the flows came in). */
function summaries(s: ServiceTotals): TranslationSummary[] {
  const requestFirst = [...s.translations.values()].sort(
    (a, b) =>
      Number(a.summary.direction === 'reply') - Number(b.summary.direction === 'reply') ||
      compare(a.at, b.at) ||
      a.at.index - b.at.index,
  );
  return requestFirst.map(({ summary, latencies, flows }) => {
    const sorted = Float64Array.from(latencies).sort();
    return { ...summary, flows, medianLatencyNs: String(sorted[sorted.length >> 1] ?? 0) };
  });
}

/** Client-side endpoints vary per connection: shown as `host:*` so translations group. */
function generalise(flow: ReportFlow, endpoint: string): string {
  if (endpoint !== flow.client && endpoint !== flow.clientSeenByBackend) return endpoint;
  const i = endpoint.lastIndexOf(':');
  return i > 0 && !endpoint.endsWith(']') ? `${endpoint.slice(0, i)}:*` : endpoint;
}

function change(flow: ReportFlow, t: ReportTranslation): string {
  if (t.outer) {
    const vni =
      t.outer.vni !== null && t.outer.vni !== undefined && t.outer.vni >= 0 ? ` vni ${t.outer.vni}` : '';
    return `${t.outer.tunnel} ${t.outer.src} > ${t.outer.dst}${vni}`;
  }
  const parts: string[] = [];
  if (t.before.src !== t.after.src)
    parts.push(`src ${generalise(flow, t.before.src)} -> ${generalise(flow, t.after.src)}`);
  if (t.before.dst !== t.after.dst)
    parts.push(`dst ${generalise(flow, t.before.dst)} -> ${generalise(flow, t.after.dst)}`);
  return parts.length ? parts.join(', ') : 'unchanged';
}
