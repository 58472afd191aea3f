// Builds the dataplane model: intended backends from kubectl (Services + EndpointSlices), programmed
// backends per node from ipvsadm / iptables-save / nft, and the mismatches between them.
import type {
  DataplaneForm,
  DataplaneMismatch,
  DataplaneModel,
  Frontend,
  IntendedBackend,
} from './dataplane-types.js';
import { attributeNode, nodeAddressIndex } from './node-attribution.js';
import { formatHostPort } from './text.js';
import type {
  FrontendKind,
  ParsedSnapshot,
  ProgrammedService,
  Protocol,
  ServiceObject,
  SnapshotOf,
} from './types.js';

const SHARE_TOLERANCE = 0.05;
const EVEN_SCHEDULERS = new Set(['rr', 'lc', 'sh', 'dh']);

function family(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

export function buildDataplaneModel(snapshots: ParsedSnapshot[]): DataplaneModel {
  const frontends = new Map<string, Frontend>();
  const byIp = nodeAddressIndex(snapshots);
  const kubectl = snapshots.filter((s): s is SnapshotOf<'kubectl'> => s.kind === 'kubectl');
  for (const s of kubectl) addIntended(frontends, s);

  const nodes = new Set<string>();
  const nodeOf = (s: ParsedSnapshot) => attributeNode(s, byIp) ?? s.name;
  const kubeIpvs0 = boundVips(snapshots, nodeOf);
  for (const s of snapshots) {
    if (s.kind === 'iptables-save' || s.kind === 'nft') {
      const form: DataplaneForm = s.kind === 'nft' ? 'nft' : 'iptables';
      nodes.add(nodeOf(s));
      for (const ps of s.data.services) addRules(frontends, ps, nodeOf(s), form, s.name);
    } else if (s.kind === 'ipvsadm') {
      nodes.add(nodeOf(s));
      addIpvs(frontends, s, nodeOf(s), byIp, kubeIpvs0.get(nodeOf(s)));
    }
  }

  const model: DataplaneModel = { frontends: [...frontends.values()], nodes: [...nodes], mismatches: [] };
  const config =
    snapshots.find((s) => s.kind === 'kube-proxy-config') ?? kubectl.find((s) => s.data.kubeProxyConfig);
  const mode =
    config?.kind === 'kube-proxy-config'
      ? config.data.mode
      : config?.kind === 'kubectl'
        ? config.data.kubeProxyConfig?.mode
        : undefined;
  if (mode) model.proxyMode = mode;
  for (const f of model.frontends) model.mismatches.push(...compare(f));
  model.mismatches.push(...unprogrammedFrontends(model.frontends));
  model.mismatches.push(...unreachableBackends(model.frontends, snapshots, nodeOf));
  return model;
}

function frontendId(protocol: Protocol, ip: string | undefined, port: number): string {
  return `${protocol}/${ip ? formatHostPort(ip, port) : `*:${port}`}`;
}

function getFrontend(
  frontends: Map<string, Frontend>,
  kind: FrontendKind,
  protocol: Protocol,
  ip: string | undefined,
  port: number,
): Frontend {
  const id = frontendId(protocol, kind === 'NodePort' ? undefined : ip, port);
  let f = frontends.get(id);
  if (!f) {
    f = {
      id,
      kind,
      ...(kind !== 'NodePort' && ip ? { ip } : {}),
      port,
      protocol,
      declaredBy: [],
      intended: [],
      expectedShares: [],
      programmed: [],
    };
    frontends.set(id, f);
  }
  return f;
}

function addIntended(frontends: Map<string, Frontend>, s: SnapshotOf<'kubectl'>): void {
  for (const svc of s.data.services) {
    for (const sp of svc.ports) {
      const name = `${svc.namespace}/${svc.name}:${sp.name || sp.port}`;
      const backends = intendedFor(s, svc, sp.name, sp.protocol);
      const vips: [FrontendKind, string][] = [
        ...svc.clusterIPs.map((ip): [FrontendKind, string] => ['ClusterIP', ip]),
        ...svc.externalIPs.map((ip): [FrontendKind, string] => ['ExternalIP', ip]),
        ...svc.loadBalancerIngress.flatMap((i): [FrontendKind, string][] =>
          i.ip ? [['LoadBalancer', i.ip]] : [],
        ),
      ];
      const targets = vips.map(([kind, ip]) => getFrontend(frontends, kind, sp.protocol, ip, sp.port));
      if (sp.nodePort) targets.push(getFrontend(frontends, 'NodePort', sp.protocol, undefined, sp.nodePort));
      for (const f of targets) {
        f.service = name;
        if (!f.declaredBy.includes(s.name)) f.declaredBy.push(s.name);
        f.trafficPolicy = f.kind === 'ClusterIP' ? svc.internalTrafficPolicy : svc.externalTrafficPolicy;
        const family = f.ip?.includes(':') ? 6 : f.ip ? 4 : 0;
        for (const b of backends) {
          if (family && (b.ip.includes(':') ? 6 : 4) !== family) continue;
          if (!f.intended.some((x) => x.ip === b.ip && x.port === b.port)) f.intended.push(b);
        }
        const usable = usableEndpoints(f.intended);
        f.expectedShares = usable.map((b) => ({ ip: b.ip, port: b.port, share: 1 / usable.length }));
      }
    }
  }
}

function intendedFor(
  s: SnapshotOf<'kubectl'>,
  svc: ServiceObject,
  portName: string,
  protocol: Protocol,
): IntendedBackend[] {
  const out: IntendedBackend[] = [];
  for (const slice of s.data.endpointSlices) {
    if (slice.namespace !== svc.namespace || slice.service !== svc.name) continue;
    const port = slice.ports.find((p) => p.name === portName && p.protocol === protocol);
    if (!port?.port) continue;
    for (const ep of slice.endpoints) {
      for (const ip of ep.addresses) {
        out.push({
          ip,
          port: port.port,
          ...(ep.targetRef?.kind === 'Pod'
            ? { pod: `${ep.targetRef.namespace ?? slice.namespace}/${ep.targetRef.name}` }
            : {}),
          ...(ep.nodeName ? { node: ep.nodeName } : {}),
          ready: ep.ready,
          serving: ep.serving,
          terminating: ep.terminating,
          source: s.name,
        });
      }
    }
  }
  return out;
}

/** kube-proxy uses ready endpoints; only when none is ready does it fall back to serving-but-terminating ones. */
function usableEndpoints(list: IntendedBackend[]): IntendedBackend[] {
  const ready = list.filter((b) => b.ready);
  return ready.length ? ready : list.filter((b) => b.serving && b.terminating);
}

function addRules(
  frontends: Map<string, Frontend>,
  ps: ProgrammedService,
  node: string,
  form: DataplaneForm,
  source: string,
): void {
  for (const fe of ps.frontends) {
    const f = getFrontend(frontends, fe.kind, ps.protocol, fe.ip, fe.port);
    f.service ??= ps.service;
    const backends = fe.backends ?? ps.backends;
    f.programmed.push({
      node,
      form,
      source,
      line: fe.line,
      family: family(fe.ip ?? backends[0]?.ip ?? ''),
      backends: backends.map((b) => ({
        ip: b.ip,
        port: b.port,
        share: b.share,
        line: b.line,
        ...(b.chain ? { chain: b.chain } : {}),
      })),
      ...(ps.rejected ? { rejected: ps.rejected.how } : {}),
    });
  }
}

function addIpvs(
  frontends: Map<string, Frontend>,
  s: SnapshotOf<'ipvsadm'>,
  node: string,
  nodeIps: Map<string, string>,
  bound: Set<string> | undefined,
): void {
  for (const vs of s.data.virtualServers) {
    if (vs.protocol === 'fwmark' || !vs.ip || vs.port === undefined) continue; // fwmark services have no address
    const protocol = vs.protocol;
    let f = frontends.get(frontendId(protocol, vs.ip, vs.port));
    const nodePort = frontends.get(frontendId(protocol, undefined, vs.port));
    // kube-proxy creates one IPVS service per node address for a NodePort; those addresses are not VIPs.
    if (!f && nodePort && (nodeIps.has(vs.ip) || !bound?.has(vs.ip))) f = nodePort;
    f ??= getFrontend(frontends, 'ClusterIP', protocol, vs.ip, vs.port);
    const total = vs.realServers.reduce((sum, r) => sum + (r.weight ?? 0), 0);
    // rr, lc, sh, dh ignore weights apart from 0 (quiesced): an even split over the others.
    const weighted = !EVEN_SCHEDULERS.has(vs.scheduler ?? '');
    f.programmed.push({
      node,
      form: 'ipvs',
      source: s.name,
      line: vs.line,
      family: family(vs.ip),
      address: formatHostPort(vs.ip, vs.port),
      ...(vs.scheduler ? { scheduler: vs.scheduler } : {}),
      backends: vs.realServers.map((r) => ({
        ip: r.ip,
        port: r.port,
        share:
          total === 0
            ? 0
            : weighted
              ? (r.weight ?? 0) / total
              : r.weight
                ? 1 / vs.realServers.filter((x) => x.weight).length
                : 0,
        line: r.line,
        ...(r.weight !== undefined ? { weight: r.weight } : {}),
        ...(r.activeConn !== undefined ? { activeConn: r.activeConn, inactConn: r.inactConn } : {}),
      })),
      ...(bound && f.kind !== 'NodePort' ? { vipBound: bound.has(vs.ip) } : {}),
    });
  }
}

/** VIPs on kube-ipvs0 per node, for nodes whose `ip addr` was given. */
function boundVips(
  snapshots: ParsedSnapshot[],
  nodeOf: (s: ParsedSnapshot) => string,
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of snapshots) {
    if (s.kind !== 'ip-addr') continue;
    const set = out.get(nodeOf(s)) ?? new Set<string>();
    out.set(nodeOf(s), set);
    for (const i of s.data.interfaces)
      if (i.name === 'kube-ipvs0') for (const a of i.addresses) set.add(a.ip);
  }
  return out;
}

function compare(f: Frontend): DataplaneMismatch[] {
  const out: DataplaneMismatch[] = [];
  const known = f.declaredBy.length > 0;
  const base = { frontend: f.id, ...(f.service ? { service: f.service } : {}) };
  const kubectlSources = f.declaredBy;
  const usable = usableEndpoints(f.intended);
  const local = f.trafficPolicy === 'Local';
  const label = f.service ? `${f.service} (${f.id})` : f.id;

  if (known && usable.length === 0 && f.programmed.length === 0) {
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
