// kube-proxy's own nftables mode (`table ip kube-proxy`, kube-proxy ≥ 1.29), as `nft list ruleset` prints it:
//   map service-ips       { elements = { 10.96.0.10 . udp . 53 : goto service-HASH-ns/name/udp/dns, … } }
//   map service-nodeports { elements = { tcp . 30080 : goto external-HASH-ns/name/tcp/http } }
//   map no-endpoint-services { elements = { 10.96.44.2 . tcp . 443 comment "ns/svc:https" : goto reject-chain } }
//   chain service-HASH-ns/name/tcp/http { numgen random mod 2 vmap { 0 : goto endpoint-…, 1 : goto endpoint-… } }
//   chain endpoint-HASH-ns/name/tcp/http__10.244.1.5/80 { meta l4proto tcp dnat to 10.244.1.5:80 }
import { canonicalIp, parseHostPort, serviceFromComment, servicePortName, toProtocol } from '../text.js';
import type {
  FrontendKind,
  NftData,
  ProgrammedBackend,
  ProgrammedFrontend,
  ProgrammedService,
  Protocol,
} from '../types.js';
import { masqueradeOf, mergeBackends, type KubeRule } from './kube-chains.js';
import { translateRule } from './nft-rule.js';

type Table = NftData['tables'][number];

/** `service-ULMVA6XW-ns1/svc1/tcp/p80` → hash, `ns1/svc1:p80`, tcp. */
export function parseServiceChainName(
  chain: string,
): { hash: string; service: string; protocol: Protocol } | undefined {
  const m =
    /^(?:service|external|cluster|local|firewall)-([A-Z0-9]+)-([^/]+)\/([^/]+)\/(tcp|udp|sctp)\/(.*)$/.exec(
      chain,
    );
  if (!m) return undefined;
  return { hash: m[1]!, service: servicePortName(m[2]!, m[3]!, m[5]!), protocol: m[4] as Protocol };
}

interface Element {
  ip?: string;
  protocol?: Protocol;
  port?: number;
  comment?: string;
  verdict: string;
  chain?: string;
}

function parseElement(raw: string): Element | undefined {
  const comment = /\bcomment\s+"([^"]*)"/.exec(raw)?.[1];
  const [key, verdict] = raw.replace(/\bcomment\s+"[^"]*"/, '').split(/\s:\s/);
  if (!key || !verdict) return undefined;
  const parts = key.split(' . ').map((p) => p.trim());
  const el: Element = { verdict: verdict.trim(), comment };
  const chain = /^(?:goto|jump)\s+"?([^"\s]+)"?/.exec(el.verdict);
  if (chain) el.chain = chain[1];
  if (parts.length === 3) {
    el.ip = canonicalIp(parts[0]!);
    el.protocol = toProtocol(parts[1]);
    el.port = Number(parts[2]);
  } else if (parts.length === 2) {
    el.protocol = toProtocol(parts[0]);
    el.port = Number(parts[1]);
  }
  return el.protocol && Number.isInteger(el.port) ? el : undefined;
}

export function extractNftKubeProxy(table: Table): ProgrammedService[] {
  const chains = new Map(table.chains.map((c) => [c.name, c]));
  const elements = (name: string) =>
    (table.maps.find((m) => m.name === name)?.elements ?? [])
      .map(parseElement)
      .filter((e): e is Element => !!e);
  const clusterIps = new Set(
    (table.maps.find((m) => m.name === 'cluster-ips')?.elements ?? []).map((e) => canonicalIp(e.trim())),
  );
  const lineOf = (name: string) => table.maps.find((m) => m.name === name)?.line ?? table.line;
  const byHash = new Map<string, ProgrammedService>();
  const out: ProgrammedService[] = [];

  const add = (el: Element, kind: FrontendKind, line: number) => {
    const named = el.chain ? parseServiceChainName(el.chain) : undefined;
    if (!named) return;
    let svc = byHash.get(named.hash);
    if (!svc) {
      svc = {
        service: named.service,
        hash: named.hash,
        protocol: named.protocol,
        frontends: [],
        backends: [],
      };
      byHash.set(named.hash, svc);
      out.push(svc);
      // The service's backends come from its service chain; external-* chains put masquerading in front.
      const serviceChain = el.chain!.replace(/^(?:external|cluster|local|firewall)-/, 'service-');
      const start = chains.has(serviceChain) ? serviceChain : el.chain!;
      svc.backends = mergeBackends(resolve(chains, start, 1, new Set()));
    }
    const fe: ProgrammedFrontend = { kind, ...(el.ip ? { ip: el.ip } : {}), port: el.port!, line };
    // Under externalTrafficPolicy Local the external chain leads elsewhere (node-local endpoints only).
    const own = mergeBackends(resolve(chains, el.chain!, 1, new Set()));
    const key = (l: ProgrammedBackend[]) => l.map((b) => `${b.ip}:${b.port}=${b.share.toFixed(6)}`).join(',');
    if (own.length && key(own) !== key(svc.backends)) fe.backends = own;
    const masquerade = masqueradeOf(passedChains(chains, el.chain!), 'mark-for-masquerade');
    if (masquerade) fe.masquerade = masquerade;
    svc.frontends.push(fe);
  };
  for (const el of elements('service-ips'))
    add(
      el,
      el.ip && clusterIps.has(el.ip) ? 'ClusterIP' : clusterIps.size ? 'ExternalIP' : 'ClusterIP',
      lineOf('service-ips'),
    );
  for (const el of elements('service-nodeports')) add(el, 'NodePort', lineOf('service-nodeports'));

  for (const [map, nodePort] of [
    ['no-endpoint-services', false],
    ['no-endpoint-nodeports', true],
  ] as const) {
    for (const el of elements(map)) {
      const service = serviceFromComment(el.comment);
      const how = /reject/.test(el.verdict) ? 'reject' : /drop/.test(el.verdict) ? 'drop' : el.verdict;
      let svc = out.find((s) => service && s.service === service && s.protocol === el.protocol);
      if (!svc) {
        svc = { ...(service ? { service } : {}), protocol: el.protocol!, frontends: [], backends: [] };
        out.push(svc);
      }
      const kind: FrontendKind = nodePort
        ? 'NodePort'
        : el.ip && clusterIps.has(el.ip)
          ? 'ClusterIP'
          : clusterIps.size
            ? 'ExternalIP'
            : 'ClusterIP';
      svc.frontends.push({ kind, ...(el.ip ? { ip: el.ip } : {}), port: el.port!, line: lineOf(map) });
      svc.rejected ??= { how, line: lineOf(map) };
    }
  }
  return out;
}

function resolve(
  chains: Map<string, Table['chains'][number]>,
  name: string,
  weight: number,
  seen: Set<string>,
): ProgrammedBackend[] {
  const chain = chains.get(name);
  if (!chain || seen.has(name)) return [];
  seen.add(name);
  for (const rule of chain.rules) {
    const dnat = /\bdnat\s+(?:ip6?\s+)?to\s+(\S+)/.exec(rule.text);
    if (dnat) {
      const hp = parseHostPort(dnat[1]!);
      return hp ? [{ ...hp, share: weight, chain: name, line: rule.line }] : [];
    }
    const numgen = /\bnumgen\s+random\s+mod\s+(\d+)\s+vmap\s+\{(.*)\}/.exec(rule.text);
    if (numgen) {
      const mod = Number(numgen[1]);
      const out: ProgrammedBackend[] = [];
      for (const entry of numgen[2]!.split(',')) {
        const m = /^\s*(\d+)(?:-(\d+))?\s*:\s*(?:goto|jump)\s+"?([^"\s]+)"?\s*$/.exec(entry);
        if (!m) continue;
        const slots = (m[2] ? Number(m[2]) : Number(m[1])) - Number(m[1]) + 1;
        out.push(...resolve(chains, m[3]!, (weight * slots) / mod, seen));
      }
      return out;
    }
  }
  // external-* chains mark for masquerade, then hand over with their last goto.
  const next = chain.rules
    .map((r) => /\b(?:goto|jump)\s+"?([^"\s]+)"?/.exec(r.text)?.[1])
    .filter((c): c is string => !!c && c !== 'mark-for-masquerade' && chains.has(c))
    .at(-1);
  return next ? resolve(chains, next, weight, seen) : [];
}

/** The rules of a frontend's chain and of the chains it hands over to (external-* → service-*), stopping
 *  before the numgen vmap that picks an endpoint. */
function passedChains(chains: Map<string, Table['chains'][number]>, start: string): KubeRule[][] {
  const out: KubeRule[][] = [];
  const seen = new Set<string>();
  for (let name: string | undefined = start; name && chains.has(name) && !seen.has(name);) {
    seen.add(name);
    const rules: KubeRule[] = chains
      .get(name)!
      .rules.filter((r) => !/\bnumgen\b/.test(r.text))
      .map((r) => translateRule(r.text, r.line));
    out.push(rules);
    name = rules
      .filter((r: KubeRule) => r.target && r.target !== 'mark-for-masquerade' && chains.has(r.target))
      .at(-1)?.target;
  }
  return out;
}
