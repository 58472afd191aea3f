// Acceptance: the report of every lab scenario lists exactly the problems its ground truth planted
// (no endpoints, hung backend, stale endpoint, masquerade, clock skew) and nothing else at warning
// or error severity; healthy traffic (clusterip, clusterip-routed, multi-node, DNS) raises no alarm.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '#correlate';
import { diagnose, type Finding } from '../src/index.js';
import {
  groundTruth,
  loadScenario,
  type GroundTruthConnection,
  type LoadedScenario,
  readText,
  type ScenarioName,
} from './helpers/fixtures.js';

interface Expected {
  code: string;
  severity: string;
  connections: string[];
}

const ip = (hostPort: string | null) => hostPort?.replace(/:\d+$/, '') ?? null;

/** The findings the ground truth plants, keyed by code and severity, with the connections they name. */
function planted(name: ScenarioName, loaded: LoadedScenario): Expected[] {
  const truth = groundTruth(loaded.scenario);
  const byKey = new Map<string, Expected>();
  const add = (code: string, severity: string, c: GroundTruthConnection | null, group = '') => {
    const key = `${code}|${severity}|${group}`;
    const e = byKey.get(key) ?? { code, severity, connections: [] };
    if (c) e.connections.push(c.id);
    byKey.set(key, e);
  };
  for (const c of truth.connections) {
    if (c.outcome.startsWith('refused_')) add('RESET_NO_ENDPOINTS', 'error', c, c.service);
    if (c.outcome.startsWith('timeout_after_')) add('SYN_UNANSWERED', 'error', c, c.service);
    if (c.outcome.startsWith('icmp_host_unreachable')) add('STALE_BACKEND', 'error', c, c.service);
    if (c.snat_as_seen_by_backend && ip(c.snat_as_seen_by_backend) !== ip(c.client)) {
      const hairpin = ip(c.client) === ip(c.backend);
      add('CLIENT_IP_NOT_PRESERVED', hairpin ? 'info' : 'warning', c, `${c.service}|${hairpin}`);
    }
  }
  if (name.endsWith('-skewed')) add('CLOCK_SKEW', 'info', null);
  return [...byKey.values()];
}

const SCENARIOS: ScenarioName[] = [
  'clusterip',
  'clusterip-routed',
  'nodeport-masq',
  'diagnostics',
  'multinode-vxlan',
  'multinode-vxlan-skewed',
];

for (const name of SCENARIOS) {
  describe(`${name}: findings against the ground truth`, () => {
    let loaded: LoadedScenario;
    let findings: Finding[];
    let connectionOf: (flowId: string) => string;

    beforeAll(async () => {
      loaded = await loadScenario(name);
      findings = diagnose({
        correlation: loaded.correlation,
        addressBook: loaded.addressBook,
        dataplane: loaded.dataplane,
        captures: loaded.points,
      });
      const truth = groundTruth(loaded.scenario).connections;
      const byFlow = new Map<string, string>();
      for (const f of loaded.correlation.flows) {
        const c = truth.find(
          (t) => t.proto === f.protocol && t.client === f.client && t.service === f.service,
        );
        byFlow.set(f.id, c?.id ?? `unknown flow ${f.id}`);
      }
      connectionOf = (id) => byFlow.get(id) ?? `unknown flow ${id}`;
    });

    it('lists exactly the planted problems (code, severity, connections)', () => {
      const expected = planted(name, loaded);
      const plantedCodes = new Set(expected.map((e) => e.code));
      const actual = findings
        // Snapshot-only facts about Services nobody called are context, not problems of this capture.
        .filter((f) => !(f.code === 'NO_ENDPOINTS' && f.severity === 'info' && f.flows.length === 0))
        .map((f) => ({ code: f.code, severity: f.severity, connections: f.flows.map(connectionOf).sort() }));
      const sortKey = (e: Expected) => `${e.code}|${e.severity}|${e.connections.join(',')}`;
      expect(actual.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
        expected
          .map((e) => ({ ...e, connections: [...e.connections].sort() }))
          .sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
      );
      for (const f of findings) if (!plantedCodes.has(f.code)) expect(f.severity, f.title).toBe('info');
    });

    it('gives every finding a detail, evidence and next commands with real names, as plain JSON', () => {
      for (const f of findings) {
        expect(f.detail.length, f.code).toBeGreaterThan(20);
        expect(f.next.length, f.code).toBeGreaterThan(0);
        for (const cmd of f.next) expect(cmd, f.code).not.toMatch(/undefined|null|\[object/);
        expect(JSON.parse(JSON.stringify(f))).toEqual(f);
        const ids = new Set(loaded.correlation.flows.map((x: Flow) => x.id));
        for (const id of f.flows) expect(ids.has(id)).toBe(true);
      }
    });
  });
}

describe('the planted problems in detail', () => {
  let diag: LoadedScenario;
  let findings: Finding[];
  beforeAll(async () => {
    diag = await loadScenario('diagnostics');
    findings = diagnose({
      correlation: diag.correlation,
      addressBook: diag.addressBook,
      dataplane: diag.dataplane,
      captures: diag.points,
    });
  });

  it('SYN_UNANSWERED: the hung backend got every SYN and never replied', () => {
    const c = groundTruth(diag.scenario).connections.find((x) => x.outcome.startsWith('timeout_after_'))!;
    const syns = Number(/timeout_after_(\d+)_syns/.exec(c.outcome)![1]);
    const f = findings.find((x) => x.code === 'SYN_UNANSWERED')!;
    expect(f.evidence.lastSeen).toMatchObject({ stage: 'backend', capture: 'backend.pcap' });
    expect(f.evidence.attempts).toEqual([expect.objectContaining({ syns, retransmissions: syns - 1 })]);
    expect(f.detail).toContain(c.backend_pod!);
    expect(f.next).toContain(`kubectl -n network-test logs ${c.backend_pod}`);
    expect(f.next).toContain(`tcpdump -ni any host ${ip(c.backend)} and port 80  # on k8s-compute-02`);
    const seen = (f.evidence.sightings as { capture: string; flags: string }[]).map((s) => s.capture);
    expect(new Set(seen)).toEqual(new Set(['client.pcap', 'node.pcap', 'backend.pcap']));
  });

  it('RESET_NO_ENDPOINTS: ICMP port unreachable and TCP reset, both confirmed by the rules', () => {
    const truth = groundTruth(diag.scenario).connections.filter((x) => x.outcome.startsWith('refused_'));
    const refused = findings.filter((x) => x.code === 'RESET_NO_ENDPOINTS');
    expect(refused.map((f) => f.evidence.refusedWith).sort()).toEqual(['icmp-port-unreachable', 'tcp-reset']);
    for (const f of refused) {
      const c = truth.find((t) => f.evidence.service === t.service)!;
      expect(f.title).toContain(c.service_name);
      expect(f.evidence.confirmedBySnapshot).toBe(true);
      const svc = c.service_name.split('/')[1]!.split(':')[0];
      expect(f.next).toContain(
        `kubectl get endpointslices -n network-test -l kubernetes.io/service-name=${svc}`,
      );
    }
  });

  it('STALE_BACKEND: the programmed endpoint nobody answers, confirmed by ICMP host unreachable', () => {
    const c = groundTruth(diag.scenario).connections.find((x) =>
      x.outcome.startsWith('icmp_host_unreachable'),
    )!;
    // The stale address is the one the Service's EndpointSlice still lists.
    const svc = c.service_name.split('/')[1]!.split(':')[0];
    const slices = JSON.parse(readText(`${diag.scenario.dir}/snapshot/kubectl-get-endpointslices.json`)) as {
      items: { metadata: { labels: Record<string, string> }; endpoints: { addresses: string[] }[] }[];
    };
    const slice = slices.items.find((i) => i.metadata.labels['kubernetes.io/service-name'] === svc)!;
    const stale = slice.endpoints[0]!.addresses[0]!;
    const f = findings.find((x) => x.code === 'STALE_BACKEND')!;
    expect(f.evidence).toMatchObject({ confirmedByPackets: true, icmp: { type: 3, code: 1 } });
    expect(f.evidence.backend).toBe(`${stale}:80`);
    expect(f.flows).toEqual([diag.correlation.flows.find((x) => x.client === c.client)!.id]);
    expect(f.next).toContain(`ip neigh show ${stale}  # on k8s-compute-02`);
  });

  it('STALE_BACKEND from packets alone when no snapshot was given', () => {
    const bare = diagnose({ correlation: diag.correlation, captures: diag.points });
    const f = bare.find((x) => x.code === 'STALE_BACKEND')!;
    expect(f.severity).toBe('error');
    expect(f.evidence.service).toBe('10.233.20.51:80');
    // Without snapshots nothing is named, but the same problems are found.
    expect(bare.filter((x) => x.severity !== 'info').map((x) => x.code)).toEqual(
      findings.filter((x) => x.severity !== 'info').map((x) => x.code),
    );
  });

  it('DNS through the ClusterIP was answered: no DNS_TIMEOUT', () => {
    expect(findings.some((x) => x.code === 'DNS_TIMEOUT')).toBe(false);
  });
});

describe('masquerade and clock skew in detail', () => {
  it('CLIENT_IP_NOT_PRESERVED: NodePort traffic masqueraded under externalTrafficPolicy Cluster', async () => {
    const s = await loadScenario('nodeport-masq');
    const findings = diagnose({
      correlation: s.correlation,
      addressBook: s.addressBook,
      dataplane: s.dataplane,
      captures: s.points,
    });
    const truth = groundTruth(s.scenario).connections.filter((c) => c.case === 'nodeport-http');
    const f = findings.find((x) => x.code === 'CLIENT_IP_NOT_PRESERVED' && x.severity === 'warning')!;
    expect(f.evidence.externalTrafficPolicy).toBe('Cluster');
    const seen = (f.evidence.translations as { client: string; seenByBackend: string }[]).map((t) => [
      t.client,
      t.seenByBackend,
    ]);
    expect(seen.sort()).toEqual(truth.map((c) => [c.client, c.snat_as_seen_by_backend]).sort());
    expect(f.detail).toContain('with Local, kube-proxy would not masquerade');
    const svc = truth[0]!.service_name.split('/')[1]!.split(':')[0];
    expect(f.next).toContain(
      `kubectl -n network-test patch service ${svc} -p '{"spec":{"externalTrafficPolicy":"Local"}}'`,
    );
  });

  it('CLOCK_SKEW: the offset applied to the skewed copies comes back out', async () => {
    const s = await loadScenario('multinode-vxlan-skewed');
    const findings = diagnose({ correlation: s.correlation, captures: s.points });
    const applied = groundTruth(s.scenario).clock_offsets_applied!;
    const skews = findings.filter((f) => f.code === 'CLOCK_SKEW');
    expect(skews).toHaveLength(1);
    const files = (skews[0]!.evidence.captures as string[]).map(
      (id) => s.scenario.captures.find((c) => c.id === id)!.file,
    );
    expect(files.sort()).toEqual(Object.keys(applied).sort());
    const offsetS = Number(skews[0]!.evidence.offsetNs) / 1e9;
    expect(Math.abs(offsetS - Object.values(applied)[0]!)).toBeLessThan(0.001);
    const skewedNode = groundTruth(s.scenario).capture_points!.find(
      (p) => p.file === Object.keys(applied)[0],
    )!.node;
    expect(skews[0]!.evidence.clockDomain).toBe(skewedNode);
    expect(skews[0]!.next).toContain(`chronyc tracking  # on ${skewedNode}`);
  });
});
