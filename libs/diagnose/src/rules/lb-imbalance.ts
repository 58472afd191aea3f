// LB_IMBALANCE: the share of new connections each backend got departs from the expected share
// beyond what chance explains. Test: Pearson's chi-square goodness of fit of the connections per
// backend (flows DNATed by one node to one frontend) against the shares that node's rules program
// (iptables/nft probabilities, IPVS weights), else the Service's intended equal split, else an equal
// split over the backends seen. Below options.lbMinExpectedPerBackend expected connections per
// backend the approximation does not hold: the rule judges nothing, and says "too few connections
// to judge" when the split nevertheless looks uneven. A SHARE_MISMATCH in the dataplane model (rules
// that split traffic differently from the intended shares) is reported too, tested against the packets.
import type { DataplaneMismatch, Frontend } from '#cluster';
import type { BalanceGroup } from '../aggregates.js';
import { commands, unique } from '../commands.js';
import { endpoint, ipOf, type RuleContext } from '../context.js';
import { mismatchEvidence, plural } from '../evidence.js';
import type { Rule } from '../rule.js';
import { chiSquareTest } from '../stats/chi-square.js';
import type { Finding } from '../types.js';

export const lbImbalance: Rule = {
  codes: ['LB_IMBALANCE'],
  run(ctx) {
    const findings: Finding[] = [];
    const tested = new Set<string>();
    for (const group of ctx.aggregates.balance.values()) {
      const frontend = ctx.frontend(group.first);
      const node = group.node;
      const mismatch = ctx.dataplane?.mismatches.find(
        (m) =>
          m.kind === 'SHARE_MISMATCH' && frontend && m.frontend === frontend.id && (!node || m.node === node),
      );
      if (frontend) tested.add(`${frontend.id}|${node}`);
      const f = judge(ctx, group, frontend, node, mismatch);
      if (f) findings.push(f);
    }
    // Rules that split traffic wrongly, with no captured traffic to test them against.
    for (const m of ctx.dataplane?.mismatches ?? []) {
      if (
        m.kind !== 'SHARE_MISMATCH' ||
        tested.has(`${m.frontend}|${m.node}`) ||
        tested.has(`${m.frontend}|null`)
      )
        continue;
      const svc = ctx.serviceNamed(m.service);
      findings.push({
        code: 'LB_IMBALANCE',
        severity: 'warning',
        title: `${m.service ?? m.frontend}: ${m.node ?? 'a node'} splits new connections unevenly (no captured traffic)`,
        detail: `${m.message}. No captured connection went through ${m.frontend} on ${m.node ?? 'that node'}, so the packets neither confirm nor contradict it.`,
        flows: [],
        evidence: {
          sightings: [],
          frontend: m.frontend,
          node: m.node ?? null,
          confirmedByPackets: false,
          snapshot: [mismatchEvidence(m)],
        },
        next: unique([
          svc && commands.endpointSlices(svc),
          svc && commands.iptablesFor(svc, m.node),
          commands.kubeProxyLogs(),
        ]),
      });
    }
    return findings;
  },
};

interface Expected {
  backends: { backend: string; share: number }[];
  source: 'programmed' | 'intended' | 'equal-split-of-observed';
}

function expectedShares(
  group: BalanceGroup,
  frontend: Frontend | undefined,
  node: string | null,
  intended: boolean,
): Expected {
  const key = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  const programmed =
    frontend?.programmed.find((p) => p.node === node) ?? (node ? undefined : frontend?.programmed[0]);
  if (programmed && programmed.backends.length > 0 && !intended)
    return {
      backends: programmed.backends.map((b) => ({ backend: key(b.ip, b.port), share: b.share })),
      source: 'programmed',
    };
  if (frontend && frontend.expectedShares.length > 0)
    return {
      backends: frontend.expectedShares.map((b) => ({ backend: key(b.ip, b.port), share: b.share })),
      source: 'intended',
    };
  const seen = [...group.backends.keys()].sort();
  return {
    backends: seen.map((backend) => ({ backend, share: 1 / seen.length })),
    source: 'equal-split-of-observed',
  };
}

function judge(
  ctx: RuleContext,
  group: BalanceGroup,
  frontend: Frontend | undefined,
  node: string | null,
  mismatch: DataplaneMismatch | undefined,
): Finding | null {
  const expected = expectedShares(group, frontend, node, mismatch !== undefined);
  if (expected.backends.length < 2 && !mismatch) return null;
  const known = new Set(expected.backends.map((b) => b.backend));
  const observed = expected.backends.map((b) => group.backends.get(b.backend) ?? 0);
  const outside = [...group.backends].filter(([backend]) => !known.has(backend));
  const others = outside.reduce((sum, [, n]) => sum + n, 0);
  const test = chiSquareTest(
    observed,
    expected.backends.map((b) => b.share),
  );
  const n = observed.reduce((sum, x) => sum + x, 0);
  const minExpected = Math.min(...test.expected);
  const enough = n > 0 && minExpected >= ctx.options.lbMinExpectedPerBackend;
  const uneven = test.pValue < ctx.options.lbAlpha;
  if (!mismatch && !uneven) return null;
  const flow = group.first;
  const svc = ctx.service(flow);
  const target = svc ? `${svc.display} (${flow.service})` : flow.service;
  const split = expected.backends
    .map((b, i) => {
      const ip = ipOf(b.backend);
      const pod = ip ? ctx.pod(ip) : null;
      return `${pod ? pod.name : b.backend} ${observed[i]} (expected ${test.expected[i]!.toFixed(1)})`;
    })
    .join(', ');
  const p = formatP(test.pValue);
  const verdict = !enough
    ? `too few connections to judge (${n}; the chi-square test needs at least ${ctx.options.lbMinExpectedPerBackend} expected per backend)`
    : uneven
      ? `chance does not explain it (chi-square ${test.statistic.toFixed(2)}, ${test.degreesOfFreedom} df, p = ${p} < ${ctx.options.lbAlpha})`
      : `the packets are consistent with it (chi-square p = ${p})`;
  const severity = mismatch || (enough && uneven) ? 'warning' : 'info';
  const ep = endpoint(flow.service);
  const sourceText = {
    programmed: `the shares ${node ?? 'the node'} programs`,
    intended: 'the intended equal split',
    'equal-split-of-observed': 'an equal split',
  }[expected.source];
  return {
    code: 'LB_IMBALANCE',
    severity,
    title: `${svc?.display ?? flow.service}: connections per backend ${enough && uneven ? 'depart from' : 'may depart from'} the expected split`,
    detail:
      `${plural(n, 'connection')} to ${target}${node ? ` DNATed on ${node}` : ''} went ${split}, against ${sourceText}: ${verdict}.` +
      (mismatch ? ` The snapshots say: ${mismatch.message}.` : '') +
      (others > 0 ? ` ${plural(others, 'connection')} went to backends outside the expected set.` : ''),
    flows: group.flowIds,
    evidence: {
      sightings: [],
      test: 'chi-square goodness of fit',
      expectedFrom: expected.source,
      node,
      counts: Object.fromEntries(expected.backends.map((b, i) => [b.backend, observed[i]!])),
      expected: Object.fromEntries(
        expected.backends.map((b, i) => [b.backend, Number(test.expected[i]!.toFixed(3))]),
      ),
      shares: Object.fromEntries(expected.backends.map((b) => [b.backend, b.share])),
      statistic: Number(test.statistic.toFixed(4)),
      degreesOfFreedom: test.degreesOfFreedom,
      pValue: test.pValue,
      alpha: ctx.options.lbAlpha,
      connections: n,
      minExpectedPerBackend: ctx.options.lbMinExpectedPerBackend,
      enoughConnections: enough,
      outsideExpected: outside.map(([backend]) => backend),
      outsideExpectedConnections: others,
      flowsListed: group.flowIds.length,
      snapshot: mismatch ? [mismatchEvidence(mismatch)] : [],
    },
    next: unique([
      svc && commands.endpointSlices(svc),
      ep && commands.ipvsadm(ep.ip, ep.port, flow.protocol, node),
      svc && commands.iptablesFor(svc, node),
      ep && commands.conntrack(ep.ip, node),
    ]),
  };
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}
