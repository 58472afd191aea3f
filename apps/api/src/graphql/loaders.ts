// Per-request batch loaders: every `load(key)` made while one GraphQL level resolves is gathered
// and answered by one query, so a page of flows with their perspectives, translations, findings
// and capture points costs a fixed number of SQL queries, however many flows it holds.
import {
  AnalysesRepository,
  CapturesRepository,
  FlowsQueryRepository,
  type Capture,
  type FindingRecord,
  type FlowRecord,
  type PerspectiveRecord,
  type TranslationRecord,
} from '#persistence';

/** Collects keys until the current turn of the event loop ends, then fetches them in one batch. */
export class BatchLoader<K, V> {
  private pending = new Map<K, Array<{ resolve: (v: V) => void; reject: (e: unknown) => void }>>();
  private cache = new Map<K, Promise<V>>();
  private scheduled = false;

  constructor(
    private readonly fetch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly fallback: V,
  ) {}

  load(key: K): Promise<V> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const promise = new Promise<V>((resolve, reject) => {
      const waiting = this.pending.get(key) ?? [];
      waiting.push({ resolve, reject });
      this.pending.set(key, waiting);
    });
    this.cache.set(key, promise);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.dispatch());
    }
    return promise;
  }

  private async dispatch(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    try {
      const found = await this.fetch([...batch.keys()]);
      for (const [key, waiting] of batch) for (const w of waiting) w.resolve(found.get(key) ?? this.fallback);
    } catch (error) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(error);
    }
  }
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

export class Loaders {
  readonly perspectives: BatchLoader<string, PerspectiveRecord[]>;
  readonly translations: BatchLoader<string, TranslationRecord[]>;
  readonly captures: BatchLoader<string, Capture | null>;
  private readonly findingsByAnalysis = new Map<string, BatchLoader<string, FindingRecord[]>>();
  private readonly flowsByAnalysis = new Map<string, BatchLoader<string, FlowRecord | null>>();
  private readonly analysisInputs: BatchLoader<string, { captures: string[]; snapshots: string[] }>;
  private readonly offsets = new Map<string, Promise<Map<string, bigint>>>();

  constructor(
    private readonly flows: FlowsQueryRepository,
    captures: CapturesRepository,
    private readonly analyses: AnalysesRepository,
    /** Every capture and analysis looked up belongs to this project, or is not found. */
    private readonly projectId: string,
  ) {
    this.perspectives = new BatchLoader(
      async (ids) => groupBy(await flows.perspectives(ids), (p) => p.flowId),
      [],
    );
    this.translations = new BatchLoader(
      async (ids) => groupBy(await flows.translations(ids), (t) => t.flowId),
      [],
    );
    this.analysisInputs = new BatchLoader(
      async (ids) => {
        const rows = await flows.analysisInputs(ids);
        const out = new Map(ids.map((id) => [id, { captures: [] as string[], snapshots: [] as string[] }]));
        for (const c of rows.captures) out.get(c.analysisId)?.captures.push(c.captureId);
        for (const s of rows.snapshots) out.get(s.analysisId)?.snapshots.push(s.snapshotId);
        return out;
      },
      { captures: [], snapshots: [] },
    );
    this.captures = new BatchLoader(async (ids) => {
      const rows = await captures.findMany(ids);
      return new Map(rows.filter((c) => c.projectId === projectId).map((c) => [c.id, c]));
    }, null);
  }

  /** Capture and snapshot ids of an analysis (the caller's: it was resolved through the scope). */
  inputs(analysisId: string): Promise<{ captures: string[]; snapshots: string[] }> {
    return this.analysisInputs.load(analysisId);
  }

  /** Each capture's clock offset (capture clock minus reference clock) in an analysis, once per request. */
  clockOffsets(analysisId: string): Promise<Map<string, bigint>> {
    let offsets = this.offsets.get(analysisId);
    if (!offsets) {
      offsets = this.analyses.find(this.projectId, analysisId).then((a) => clockOffsetsOf(a?.summary));
      this.offsets.set(analysisId, offsets);
    }
    return offsets;
  }

  /** A flow by its correlator key, batched per analysis (the flows findings name). */
  flowByKey(analysisId: string, key: string): Promise<FlowRecord | null> {
    let loader = this.flowsByAnalysis.get(analysisId);
    if (!loader) {
      loader = new BatchLoader(
        async (keys) => new Map((await this.flows.flowsByKeys(analysisId, keys)).map((f) => [f.key, f])),
        null,
      );
      this.flowsByAnalysis.set(analysisId, loader);
    }
    return loader.load(key);
  }

  /** Findings about a flow (by key), batched per analysis. */
  findings(analysisId: string, flowKey: string): Promise<FindingRecord[]> {
    let loader = this.findingsByAnalysis.get(analysisId);
    if (!loader) {
      loader = new BatchLoader(async (keys) => {
        const rows = await this.flows.findingsOfFlows(analysisId, keys);
        const out = new Map<string, FindingRecord[]>();
        for (const f of rows)
          for (const k of f.flowKeys) {
            if (!keys.includes(k)) continue;
            const list = out.get(k) ?? [];
            list.push(f);
            out.set(k, list);
          }
        return out;
      }, []);
      this.findingsByAnalysis.set(analysisId, loader);
    }
    return loader.load(flowKey);
  }
}

/** analysis.summary.clockOffsets as capture id -> offset ns. */
export function clockOffsetsOf(summary: unknown): Map<string, bigint> {
  const list = ((summary ?? {}) as { clockOffsets?: Array<{ capture: string; offsetNs: string }> })
    .clockOffsets;
  return new Map((list ?? []).map((o) => [o.capture, BigInt(o.offsetNs)]));
}

const perRequest = new WeakMap<object, Loaders>();

/** The loaders of this request (made on first use). */
export function loadersFor(
  req: object,
  flows: FlowsQueryRepository,
  captures: CapturesRepository,
  analyses: AnalysesRepository,
  projectId: string,
): Loaders {
  let loaders = perRequest.get(req);
  if (!loaders) {
    loaders = new Loaders(flows, captures, analyses, projectId);
    perRequest.set(req, loaders);
  }
  return loaders;
}
