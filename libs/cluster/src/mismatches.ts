// Compares what kubectl intends with what each node programmed, per frontend, and states every
// difference as a structured fact (kind, frontend, node, form, backend, sources, line, message).
import type { DataplaneForm, DataplaneMismatch, Frontend, IntendedBackend } from './dataplane-types.js';
import { formatHostPort } from './text.js';
import type { ParsedSnapshot } from './types.js';

const SHARE_TOLERANCE = 0.05;

export function findMismatches(
  frontends: Frontend[],
  snapshots: ParsedSnapshot[],
  nodeOf: (s: ParsedSnapshot) => string,
): DataplaneMismatch[] {
  return [
    ...frontends.flatMap(compare),
    ...unprogrammedFrontends(frontends),
    ...unreachableBackends(frontends, snapshots, nodeOf),
  ];
}

export function family(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/** kube-proxy uses ready endpoints; only when none is ready does it fall back to serving-but-terminating ones. */
export function usableEndpoints(list: IntendedBackend[]): IntendedBackend[] {
  const ready = list.filter((b) => b.ready);
  return ready.length ? ready : list.filter((b) => b.serving && b.terminating);
}

function compare(f: Frontend): DataplaneMismatch[] {
  const out: DataplaneMismatch[] = [];
  const known = f.declaredBy.length > 0;
  const base = { frontend: f.id, ...(f.service ? { service: f.service } : {}) };
  const kubectlSources = f.declaredBy;
  const usable = usableEndpoints(f.intended);
  const local = f.trafficPolicy === 'Local';
  const label = f.service ? `${f.service} (${f.id})` : f.id;

  if (known && f.endpointsKnown && usable.length === 0 && f.programmed.length === 0) {
    out.push({
      ...base,
      kind: 'NO_ENDPOINTS',
      sources: kubectlSources,
      message: `${label} has no ready endpoints`,
    });
  }
  for (const p of f.programmed) {
    const at = { ...base, node: p.node, form: p.form };
    const src = [p.source, ...kubectlSources];
    // Each ruleset serves one address family; a NodePort's endpoints may span both.
    const expected = usable.filter((b) => family(b.ip) === p.family && (!local || b.node === p.node));
    if (p.rejected || p.backends.length === 0) {
      const why =
        known && local && usable.length > 0 && expected.length === 0
          ? ': traffic policy Local and no endpoint on this node'
          : p.rejected
            ? ': kube-proxy saw no endpoints'
            : '';
      out.push({
        ...at,
        kind: 'NO_ENDPOINTS',
        sources: src,
        line: p.line,
        message: p.rejected
          ? `${p.node} rejects ${label} (${p.rejected})${why}`
          : `${p.node} programs ${label} with no backends${why}`,
      });
    }
    for (const b of p.backends) {
      if (b.weight === 0) {
        out.push({
          ...at,
          kind: 'WEIGHT_ZERO',
          backend: formatHostPort(b.ip, b.port),
          sources: [p.source],
          line: b.line,
          message: `${p.node}: IPVS real server ${formatHostPort(b.ip, b.port)} of ${label} has weight 0 and gets no new connections`,
        });
      }
    }
    if (p.vipBound === false) {
      out.push({
        ...at,
        kind: 'VIP_NOT_BOUND',
        sources: [p.source],
        line: p.line,
        message: `${p.node}: ${f.ip} of ${label} is an IPVS virtual service but is not bound to kube-ipvs0`,
      });
    }
    if (!known) continue;
    for (const b of expected) {
      if (p.backends.some((x) => x.ip === b.ip && x.port === b.port)) continue;
      out.push({
        ...at,
        kind: 'ENDPOINT_NOT_PROGRAMMED',
        backend: formatHostPort(b.ip, b.port),
        ...(b.pod ? { pod: b.pod } : {}),
        sources: src,
        line: p.line,
        message: `${p.node}: endpoint ${formatHostPort(b.ip, b.port)}${b.pod ? ` (${b.pod})` : ''} of ${label} is ready but not programmed in ${p.form}`,
      });
    }
    for (const b of p.backends) {
      if (expected.some((x) => x.ip === b.ip && x.port === b.port)) continue;
      const listed = f.intended.find((x) => x.ip === b.ip && x.port === b.port);
      const why = !listed
        ? 'is not an endpoint'
        : local && listed.node !== p.node
          ? 'is on another node under traffic policy Local'
          : 'is not ready';
      out.push({
        ...at,
        kind: 'STALE_BACKEND',
        backend: formatHostPort(b.ip, b.port),
        ...(listed?.pod ? { pod: listed.pod } : {}),
        sources: src,
        line: b.line,
        message: `${p.node}: ${p.form} sends ${label} traffic to ${formatHostPort(b.ip, b.port)}, which ${why}`,
      });
    }
    const same =
      expected.length > 0 &&
      expected.length === p.backends.length &&
      expected.every((b) => p.backends.some((x) => x.ip === b.ip && x.port === b.port));
    if (same) {
      const skewed = p.backends.filter(
        (b) => b.weight !== 0 && Math.abs(b.share - 1 / expected.length) > SHARE_TOLERANCE,
      );
      if (skewed.length) {
        out.push({
          ...at,
          kind: 'SHARE_MISMATCH',
          sources: src,
          line: p.line,
          message: `${p.node}: ${label} splits new connections ${p.backends.map((b) => `${formatHostPort(b.ip, b.port)}=${(b.share * 100).toFixed(1)}%`).join(', ')}; expected ${(100 / expected.length).toFixed(1)}% each`,
        });
      }
    }
  }
  return out;
}

/** Backends a node sends traffic to whose neighbour entry on that node failed: the stale-endpoint signature. */
function unreachableBackends(
  frontends: Frontend[],
  snapshots: ParsedSnapshot[],
  nodeOf: (s: ParsedSnapshot) => string,
): DataplaneMismatch[] {
  const failed = new Map<string, { state: string; source: string; line: number }>();
  for (const s of snapshots) {
    if (s.kind !== 'ip-neigh') continue;
    for (const n of s.data.neighbors) {
      if (n.state === 'INCOMPLETE' || n.state === 'FAILED') {
        failed.set(`${nodeOf(s)}|${n.ip}`, { state: n.state, source: s.name, line: n.line });
      }
    }
  }
  const out: DataplaneMismatch[] = [];
  if (failed.size === 0) return out;
  for (const f of frontends) {
    const reported = new Set<string>();
    for (const p of f.programmed) {
      for (const b of p.backends) {
        const hit = failed.get(`${p.node}|${b.ip}`);
        const backend = formatHostPort(b.ip, b.port);
        if (!hit || reported.has(`${p.node}|${backend}`)) continue;
        reported.add(`${p.node}|${backend}`);
        const pod = f.intended.find((x) => x.ip === b.ip && x.port === b.port)?.pod;
        out.push({
          kind: 'BACKEND_UNREACHABLE',
          frontend: f.id,
          ...(f.service ? { service: f.service } : {}),
          node: p.node,
          backend,
          ...(pod ? { pod } : {}),
          sources: [hit.source, p.source],
          line: hit.line,
          message: `${p.node}: backend ${backend} of ${f.service ?? f.id} is programmed but its neighbour entry is ${hit.state}: nothing answers at that address`,
        });
      }
    }
  }
  return out;
}

/** Declared frontends with usable endpoints that a dataplane snapshot (of the same address family) does
 *  not mention: kube-proxy on that node never programmed the Service. Frontends without endpoints are
 *  left out, since their REJECT rules live in the filter table, which a `-t nat` dump omits. */
function unprogrammedFrontends(frontends: Frontend[]): DataplaneMismatch[] {
  const snapshots = new Map<string, { node: string; form: DataplaneForm; families: Set<4 | 6> }>();
  for (const f of frontends) {
    for (const p of f.programmed) {
      const s = snapshots.get(p.source) ?? { node: p.node, form: p.form, families: new Set() };
      s.families.add(p.family);
      snapshots.set(p.source, s);
    }
  }
  const out: DataplaneMismatch[] = [];
  for (const f of frontends) {
    if (f.declaredBy.length === 0) continue;
    const usable = usableEndpoints(f.intended);
    for (const [source, s] of snapshots) {
      if (f.programmed.some((p) => p.source === source)) continue;
      const fam = f.ip ? family(f.ip) : undefined;
      if (fam ? !s.families.has(fam) : false) continue;
      const local = f.trafficPolicy === 'Local';
      const expected = usable.filter((b) => s.families.has(family(b.ip)) && (!local || b.node === s.node));
      if (expected.length === 0) continue;
      out.push({
        kind: 'SERVICE_NOT_PROGRAMMED',
        frontend: f.id,
        ...(f.service ? { service: f.service } : {}),
        node: s.node,
        form: s.form,
        sources: [source, ...f.declaredBy],
        message: `${s.node}: ${f.service ?? f.id} (${f.id}) has ${expected.length} ready endpoint(s) but no ${s.form} rules in ${source}`,
      });
    }
  }
  return out;
}
