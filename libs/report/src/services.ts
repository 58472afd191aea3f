// Per service: which backends its connections went to (the distribution kube-proxy produced) and the
// translations they went through, grouped by what changed so twenty DNATs read as one line.
import type {
  BackendShare,
  ReportFlow,
  ReportService,
  ReportTranslation,
  TranslationSummary,
} from './types.js';

export function serviceKey(flow: Pick<ReportFlow, 'serviceName' | 'service'>): string {
  return flow.serviceName ?? flow.service;
}

export function summariseServices(flows: ReportFlow[]): ReportService[] {
  const groups = new Map<string, ReportFlow[]>();
  for (const f of flows) {
    const key = serviceKey(f);
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.entries()].map(([key, list]) => ({
    key,
    serviceName: list[0].serviceName,
    addresses: [...new Set(list.map((f) => f.service))],
    flows: list.map((f) => f.id),
    backends: backendShares(list),
    translations: translationSummaries(list),
  }));
}

function backendShares(flows: ReportFlow[]): BackendShare[] {
  const byBackend = new Map<string | null, BackendShare>();
  for (const f of flows) {
    let b = byBackend.get(f.backend);
    if (!b) {
      b = { backend: f.backend, backendPod: f.backendPod, connections: 0, share: 0, states: {} };
      byBackend.set(f.backend, b);
    }
    b.connections++;
    b.backendPod ??= f.backendPod;
    b.states[f.state] = (b.states[f.state] ?? 0) + 1;
  }
  const shares = [...byBackend.values()];
  for (const b of shares) b.share = b.connections / flows.length;
  // Most used first; flows that reached no backend last.
  return shares.sort(
    (a, b) =>
      Number(a.backend === null) - Number(b.backend === null) ||
      b.connections - a.connections ||
      String(a.backend).localeCompare(String(b.backend)),
  );
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

function translationSummaries(flows: ReportFlow[]): TranslationSummary[] {
  const groups = new Map<string, { summary: TranslationSummary; latencies: bigint[]; ids: Set<string> }>();
  for (const f of flows) {
    for (const t of f.translations) {
      const what = change(f, t);
      const key = [t.kind, t.direction, t.capture, t.interfaces?.before, t.interfaces?.after, what].join('|');
      let g = groups.get(key);
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
          latencies: [],
          ids: new Set(),
        };
        groups.set(key, g);
      }
      g.ids.add(f.id);
      g.latencies.push(BigInt(t.latencyNs));
    }
  }
  const requestFirst = [...groups.values()].sort(
    (a, b) => Number(a.summary.direction === 'reply') - Number(b.summary.direction === 'reply'),
  );
  return requestFirst.map(({ summary, latencies, ids }) => {
    latencies.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { ...summary, flows: ids.size, medianLatencyNs: String(latencies[latencies.length >> 1] ?? 0n) };
  });
}
