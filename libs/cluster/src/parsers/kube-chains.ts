// kube-proxy's iptables-mode chain layout, whichever tool printed it (iptables-save, or `nft list
// ruleset` showing the same rules through iptables-nft):
//   KUBE-SERVICES  -d VIP -p tcp --dport P  -> KUBE-SVC-H (or KUBE-EXT-H for external IPs / LB IPs)
//   KUBE-NODEPORTS -p tcp --dport NP        -> KUBE-EXT-H -> KUBE-SVC-H or KUBE-SVL-H (local policy)
//   KUBE-SVC-H     -m statistic --probability p_i -> KUBE-SEP-X (the last rule has no probability)
//   KUBE-SEP-X     -j DNAT --to-destination POD:PORT
//   filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES: REJECT for "ns/svc:port has no endpoints"
// H is the same hash for every chain of one service port, so it joins them.
import { formatHostPort, hostOf, parseHostPort, serviceFromComment } from '../text.js';
import type {
  FrontendKind,
  Masquerade,
  ProgrammedBackend,
  ProgrammedFrontend,
  ProgrammedService,
  Protocol,
} from '../types.js';

export interface KubeRule {
  line: number;
  src?: string;
  srcNegated?: boolean;
  dst?: string;
  proto?: Protocol;
  dport?: number;
  comment?: string;
  /** statistic --probability (iptables) or `meta random & 2147483647 < N` (iptables-nft). */
  probability?: number;
  /** Session-affinity shortcut (`-m recent --rcheck`): not a load-balancing branch. */
  recent?: boolean;
  dstLocal?: boolean;
  /** `-m addrtype --src-type LOCAL` / `fib saddr type local`: only traffic the node itself sends. */
  srcLocal?: boolean;
  target?: string;
  toDestination?: string;
  rejectWith?: string;
}

export type Chains = Map<string, KubeRule[]>;

const SERVICE_CHAIN = /^KUBE-(?:SVC|SVL|EXT|FW|XLB)-([A-Z0-9]{16})$/;

export function serviceHash(chain: string | undefined): string | undefined {
  return chain ? SERVICE_CHAIN.exec(chain)?.[1] : undefined;
}

function frontendKind(comment: string | undefined): FrontendKind {
  if (comment?.includes('loadbalancer IP')) return 'LoadBalancer';
  if (comment?.includes('external IP')) return 'ExternalIP';
  return 'ClusterIP';
}

export function extractKubeServices(nat: Chains, filter: Chains): ProgrammedService[] {
  const byHash = new Map<string, ProgrammedService & { entry: string }>();
  const entries = new Map<ProgrammedFrontend, string>();
  const out: ProgrammedService[] = [];
  const serviceFor = (hash: string, entry: string, rule: KubeRule) => {
    let svc = byHash.get(hash);
    if (!svc) {
      svc = { hash, protocol: rule.proto ?? 'tcp', frontends: [], backends: [], entry };
      byHash.set(hash, svc);
    }
    if (rule.proto) svc.protocol = rule.proto;
    svc.service ??= serviceFromComment(rule.comment);
    return svc;
  };

  for (const rule of nat.get('KUBE-SERVICES') ?? []) {
    const hash = serviceHash(rule.target);
    const ip = rule.dst ? hostOf(rule.dst) : undefined;
    if (!hash || !ip || rule.dport === undefined) continue;
    const svc = serviceFor(hash, rule.target!, rule);
    const fe: ProgrammedFrontend = {
      kind: frontendKind(rule.comment),
      ip,
      port: rule.dport,
      line: rule.line,
    };
    svc.frontends.push(fe);
    entries.set(fe, rule.target!);
  }
  for (const rule of nat.get('KUBE-NODEPORTS') ?? []) {
    const hash = serviceHash(rule.target);
    if (!hash || rule.dport === undefined) continue;
    const svc = serviceFor(hash, rule.target!, rule);
    const ip = rule.dst ? hostOf(rule.dst) : undefined;
    const fe: ProgrammedFrontend = {
      kind: 'NodePort',
      ...(ip ? { ip } : {}),
      port: rule.dport,
      line: rule.line,
    };
    svc.frontends.push(fe);
    entries.set(fe, rule.target!);
  }

  for (const [hash, svc] of byHash) {
    const start = nat.has(`KUBE-SVC-${hash}`) ? `KUBE-SVC-${hash}` : svc.entry;
    const seen = new Set<string>();
    svc.backends = resolve(nat, start, 1, seen);
    for (const chain of seen) {
      for (const r of nat.get(chain) ?? []) {
        svc.service ??= serviceFromComment(r.comment);
        if (r.recent) svc.sessionAffinity = true;
      }
    }
    if (svc.backends.length === 0) {
      const refusal = [...seen].flatMap((c) => nat.get(c) ?? []).find((r) => isRefusal(r.target));
      if (refusal) svc.rejected = { how: refusal.rejectWith ?? refusal.target!, line: refusal.line };
    }
    // externalTrafficPolicy Local: KUBE-EXT-* leads to KUBE-SVL-* (node-local endpoints only), so an
    // external frontend can have its own, smaller backend set.
    for (const fe of svc.frontends) {
      const entry = entries.get(fe);
      if (!entry) continue;
      const masquerade = masqueradeOf(serviceChainsFrom(nat, entry), 'KUBE-MARK-MASQ');
      if (masquerade) fe.masquerade = masquerade;
      if (entry === start) continue;
      const own = resolve(nat, entry, 1, new Set());
      if (!sameBackends(own, svc.backends)) fe.backends = own;
    }
    const { entry: _entry, ...plain } = svc;
    out.push(plain);
  }

  // Services without endpoints: kube-proxy REJECTs them in the filter table (some setups DROP).
  for (const table of [filter, nat]) {
    for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS']) {
      for (const rule of table.get(chain) ?? []) {
        if (!isRefusal(rule.target) || rule.dport === undefined) continue;
        const name = serviceFromComment(rule.comment);
        const ip = rule.dst ? hostOf(rule.dst) : undefined;
        const nodePort = chain !== 'KUBE-SERVICES' || (rule.dstLocal && !ip);
        const protocol = rule.proto ?? 'tcp';
        let svc = out.find((s) => name && s.service === name && s.protocol === protocol);
        if (!svc) {
          svc = { ...(name ? { service: name } : {}), protocol, frontends: [], backends: [] };
          out.push(svc);
        }
        const rejected = { how: rule.rejectWith ?? rule.target!, line: rule.line };
        const fe: ProgrammedFrontend = {
          kind: nodePort ? 'NodePort' : frontendKind(rule.comment),
          ...(ip && !nodePort ? { ip } : {}),
          port: rule.dport,
          line: rule.line,
        };
        // A service that has endpoints elsewhere ("has no local endpoints" under traffic policy Local)
        // refuses only on this frontend.
        if (svc.backends.length) Object.assign(fe, { backends: [], rejected });
        else svc.rejected ??= rejected;
        svc.frontends.push(fe);
      }
    }
  }
  return out;
}

function isRefusal(target: string | undefined): boolean {
  return target === 'REJECT' || target === 'DROP' || target === 'KUBE-MARK-DROP';
}

/** Backends reachable from `chain`, each with its share of new connections (conditional probabilities). */
function resolve(nat: Chains, chain: string, weight: number, seen: Set<string>): ProgrammedBackend[] {
  if (seen.has(chain) || seen.size > 64) return [];
  seen.add(chain);
  const rules = nat.get(chain) ?? [];
  const dnat = rules.find((r) => r.target === 'DNAT' && r.toDestination);
  if (dnat) {
    const hp = parseHostPort(dnat.toDestination!);
    return hp ? [{ ...hp, share: weight, chain, line: dnat.line }] : [];
  }
  const branches = rules.filter((r) => r.target?.startsWith('KUBE-SEP-') && !r.recent);
  if (branches.length) {
    let remaining = 1;
    const out: ProgrammedBackend[] = [];
    for (const b of branches) {
      const share = remaining * (b.probability ?? 1);
      remaining -= share;
      out.push(...resolve(nat, b.target!, weight * share, seen));
    }
    return mergeBackends(out);
  }
  // KUBE-EXT / KUBE-FW chains hand over to the service chain with their last jump.
  const next = rules.filter((r) => serviceHash(r.target) && !r.recent).at(-1);
  return next ? resolve(nat, next.target!, weight, seen) : [];
}

/** The same pod:port reached through two SEP chains (a stale duplicate) keeps one entry with both shares. */
export function mergeBackends(list: ProgrammedBackend[]): ProgrammedBackend[] {
  const byKey = new Map<string, ProgrammedBackend>();
  for (const b of list) {
    const key = formatHostPort(b.ip, b.port);
    const had = byKey.get(key);
    if (had) had.share += b.share;
    else byKey.set(key, { ...b });
  }
  return [...byKey.values()];
}

function sameBackends(a: ProgrammedBackend[], b: ProgrammedBackend[]): boolean {
  const key = (l: ProgrammedBackend[]) =>
    l
      .map((x) => `${formatHostPort(x.ip, x.port)}=${x.share.toFixed(6)}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** The service-level chains a frontend's packets pass: its entry chain, then each chain's hand-over. */
function serviceChainsFrom(nat: Chains, entry: string): KubeRule[][] {
  const out: KubeRule[][] = [];
  const seen = new Set<string>();
  for (let chain: string | undefined = entry; chain && !seen.has(chain);) {
    seen.add(chain);
    const rules: KubeRule[] = nat.get(chain) ?? [];
    out.push(rules);
    chain = rules.filter((r) => serviceHash(r.target) && !r.recent).at(-1)?.target;
  }
  return out;
}

/** How a frontend's traffic is marked for masquerade, from the mark rules on its way (not the per-endpoint
 *  hairpin rule, and not the rules that only match traffic the node sends itself). */
export function masqueradeOf(chains: KubeRule[][], markChain: string): Masquerade | undefined {
  let found: Masquerade | undefined;
  for (const rules of chains) {
    for (const r of rules) {
      if (r.target !== markChain || r.srcLocal) continue;
      if (!r.src) return { when: 'always', line: r.line };
      if (r.srcNegated) found ??= { when: 'source-outside', cidr: r.src, line: r.line };
    }
  }
  return found;
}
