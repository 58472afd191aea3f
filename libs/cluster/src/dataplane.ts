// Builds the dataplane model: intended backends from kubectl (Services + EndpointSlices), programmed
// backends per node from ipvsadm / iptables-save / nft, and the mismatches between them.
import type { DataplaneForm, DataplaneModel, Frontend, IntendedBackend } from './dataplane-types.js';
import { attributeNode, nodeAddressIndex } from './node-attribution.js';
import { family, findMismatches, usableEndpoints } from './mismatches.js';
import { addObserved } from './observed.js';
import { formatHostPort, servicePortName } from './text.js';
import type {
  EndpointSliceObject,
  FrontendKind,
  ParsedSnapshot,
  ProgrammedService,
  Protocol,
  ServiceObject,
  SnapshotOf,
} from './types.js';

const EVEN_SCHEDULERS = new Set(['rr', 'lc', 'sh', 'dh']);

export function buildDataplaneModel(snapshots: ParsedSnapshot[]): DataplaneModel {
  const frontends = new Map<string, Frontend>();
  const byIp = nodeAddressIndex(snapshots);
  const kubectl = snapshots.filter((s): s is SnapshotOf<'kubectl'> => s.kind === 'kubectl');
  // EndpointSlices from every kubectl snapshot: `kubectl get svc` and `kubectl get
  // endpointslices` are often saved to separate files.
  const slices = kubectl.flatMap((s) => s.data.endpointSlices.map((slice) => ({ slice, source: s.name })));
  for (const s of kubectl) addIntended(frontends, s, slices);

  const nodes = new Set<string>();
  // A node's own snapshot names its node, or its addresses do; on a one-node cluster (by the
  // kubectl nodes, or the nodes the addresses name) an iptables-save or ip neigh is that node's.
  const clusterNodes = new Set([
    ...kubectl.flatMap((s) => s.data.nodes.map((n) => n.name)),
    ...byIp.values(),
  ]);
  const onlyNode = clusterNodes.size === 1 ? [...clusterNodes][0] : undefined;
  const nodeOf = (s: ParsedSnapshot) => attributeNode(s, byIp) ?? onlyNode ?? s.name;
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
  addObserved(frontends, snapshots, nodeOf);
  model.mismatches = findMismatches(model.frontends, snapshots, nodeOf);
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
      observed: [],
    };
    frontends.set(id, f);
  }
  return f;
}

interface SourcedSlice {
  slice: EndpointSliceObject;
  source: string;
}

function addIntended(
  frontends: Map<string, Frontend>,
  s: SnapshotOf<'kubectl'>,
  slices: SourcedSlice[],
): void {
  for (const svc of s.data.services) {
    for (const sp of svc.ports) {
      const name = servicePortName(svc.namespace, svc.name, sp.name);
      const backends = intendedFor(slices, svc, sp.name, sp.protocol);
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
        // Without any EndpointSlices, an empty `intended` says nothing about the endpoints.
        if (slices.length > 0) f.endpointsKnown = true;
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
  slices: SourcedSlice[],
  svc: ServiceObject,
  portName: string,
  protocol: Protocol,
): IntendedBackend[] {
  const out: IntendedBackend[] = [];
  for (const { slice, source } of slices) {
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
          source,
        });
      }
    }
  }
  return out;
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
      ...((fe.rejected ?? ps.rejected) ? { rejected: (fe.rejected ?? ps.rejected)!.how } : {}),
      ...(fe.masquerade ? { masquerade: fe.masquerade } : {}),
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
