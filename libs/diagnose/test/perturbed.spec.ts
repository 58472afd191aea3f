// Lab captures with packets taken out — the captures the lab did not make, built from real packets:
// DNS answers that never came, a hung backend's pod capture that missed the SYNs, node and pod
// captures started late.
import { describe, expect, it } from 'vitest';
import { diagnose, type Finding } from '../src/index.js';
import {
  groundTruth,
  loadScenario,
  packetNs,
  SCENARIOS,
  type PacketFilter,
  type ScenarioName,
} from './helpers/fixtures.js';

async function findingsOf(name: ScenarioName, keep: PacketFilter): Promise<Finding[]> {
  const s = await loadScenario(name, keep);
  return diagnose({
    correlation: s.correlation,
    addressBook: s.addressBook,
    dataplane: s.dataplane,
    captures: s.points,
  });
}

describe('real captures with packets removed', () => {
  it('DNS_TIMEOUT: the DNS server got the queries and its answers were dropped', async () => {
    const truth = groundTruth(SCENARIOS.diagnostics).connections.filter((c) => c.case === 'udp-dns');
    const findings = await findingsOf('diagnostics', (_c, p) => !(p.protocol === 17 && p.srcPort === 53));
    const dns = findings.filter((f) => f.code === 'DNS_TIMEOUT');
    expect(dns).toHaveLength(1);
    expect(dns[0]).toMatchObject({
      severity: 'error',
      evidence: {
        queries: truth.length,
        answers: 0,
        lastSeen: { stage: 'backend', capture: 'backend-dns.pcap' },
      },
    });
    expect(dns[0]!.flows).toHaveLength(truth.length);
    expect(dns[0]!.title).toContain(truth[0]!.service_name);
    expect(dns[0]!.next).toContain('conntrack -S  # on k8s-compute-02');
  });

  it("SYN_UNANSWERED: DNATed towards the hung pod but never in that pod's capture", async () => {
    const hung = groundTruth(SCENARIOS.diagnostics).connections.find((c) => c.case === 'backend-hung')!;
    const port = Number(hung.client.split(':')[1]);
    const findings = await findingsOf('diagnostics', (c, p) => !(c === 'backend.pcap' && p.srcPort === port));
    const [f] = findings.filter((x) => x.code === 'SYN_UNANSWERED');
    expect(f!.evidence.lastSeen).toMatchObject({ stage: 'node-after-nat', capture: 'node.pcap' });
    expect(f!.detail).toContain(`DNATed towards pod network-test/${hung.backend_pod} (${hung.backend})`);
    expect(f!.detail).toContain('never arrived at backend.pcap');
  });

  it("SYN_UNANSWERED: counts the SYNs as the point that saw them all, not the client's late capture", async () => {
    const hung = groundTruth(SCENARIOS.diagnostics).connections.find((c) => c.case === 'backend-hung')!;
    const syns = Number(/timeout_after_(\d+)_syns/.exec(hung.outcome)![1]);
    const port = Number(hung.client.split(':')[1]);
    // The client's capture started after its first SYN (retransmissions follow 1 s and more
    // later); the node and the pod saw every one. (Stateless: each source is read twice.)
    const firstSyn = BigInt(Math.round(hung.start_time * 1e6)) * 1000n;
    const findings = await findingsOf(
      'diagnostics',
      (c, p) => !(c === 'client.pcap' && p.srcPort === port && packetNs(p) < firstSyn + 500_000_000n),
    );
    const [f] = findings.filter((x) => x.code === 'SYN_UNANSWERED');
    expect(f!.evidence.attempts).toEqual([expect.objectContaining({ syns, retransmissions: syns - 1 })]);
  });

  it('UNPAIRED_TRAFFIC: node and pod captures started after half the connections', async () => {
    const truth = [...groundTruth(SCENARIOS.clusterip).connections].sort(
      (a, b) => a.start_time - b.start_time,
    );
    const half = Math.floor(truth.length / 2);
    const cut = BigInt(Math.round(truth[half]!.start_time * 1e6)) * 1000n - 1_000_000n;
    const findings = await findingsOf('clusterip', (c, p) => c === 'client.pcap' || packetNs(p) >= cut);
    const unpaired = findings.filter((f) => f.code === 'UNPAIRED_TRAFFIC');
    expect(unpaired.map((f) => [f.severity, f.evidence.capture])).toEqual([['warning', 'client.pcap']]);
    expect(unpaired[0]!.flows).toHaveLength(half);
    // The connections still seen end to end raise nothing else.
    expect(findings.filter((f) => f.severity !== 'info' && f.code !== 'UNPAIRED_TRAFFIC')).toEqual([]);
  });
});
