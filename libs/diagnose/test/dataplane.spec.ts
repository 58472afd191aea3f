// Dataplane mismatches as the cluster library really builds them: a planted iptables edit over the
// lab's diagnostics snapshot analysed with the lab's real captures (snapshot and packets disagree),
// and the cluster library's IPVS fixture with hand-built traffic (VIP not bound, weight 0).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAddressBook, buildDataplaneModel, parseSnapshot } from '#cluster';
import type { CapturePoint } from '#correlate';
import { diagnose } from '../src/index.js';
import { groundTruth, loadScenario, readText, SCENARIOS } from './helpers/fixtures.js';
import { flow, result, SYN } from './helpers/synthetic.js';

describe('a planted stale DNAT over the real diagnostics captures', () => {
  it('reports the mismatch and says the packets contradict it', async () => {
    const s = await loadScenario('diagnostics');
    const hung = groundTruth(SCENARIOS.diagnostics).connections.find((c) => c.case === 'backend-hung')!;
    const planted = '10.233.67.98:80';
    const dir = `${SCENARIOS.diagnostics.dir}/snapshot/`;
    const snaps = [
      parseSnapshot(readText(`${dir}kubectl-get-svc-pods-endpointslices-nodes.json`), {
        name: 'kubectl.json',
      }),
      parseSnapshot(
        readText(`${dir}node-iptables-save.txt`).replace(
          `--to-destination ${hung.backend}`,
          `--to-destination ${planted}`,
        ),
        {
          name: 'planted-iptables-save.txt',
          node: 'k8s-compute-02',
        },
      ),
    ];
    const findings = diagnose({
      correlation: s.correlation,
      addressBook: buildAddressBook(snaps),
      dataplane: buildDataplaneModel(snaps),
      captures: s.points,
    });
    const missing = findings.find((f) => f.code === 'ENDPOINT_NOT_PROGRAMMED')!;
    // The capture shows the hung connection DNATed to the endpoint the rules no longer have.
    expect(missing).toMatchObject({
      severity: 'warning',
      evidence: { backend: hung.backend, confirmedByPackets: false, connectionsToBackend: 1 },
    });
    expect(missing.detail).toContain('the snapshot may predate the capture');
    const stale = findings.find((f) => f.code === 'STALE_BACKEND' && f.evidence.backend === planted)!;
    expect(stale).toMatchObject({ severity: 'warning', evidence: { confirmedByPackets: false }, flows: [] });
  });
});

describe("the cluster library's IPVS fixture", () => {
  const dir = new URL('../../cluster/test/fixtures/ipvs-cluster/', import.meta.url);
  const snap = (file: string) => parseSnapshot(readFileSync(new URL(file, dir), 'utf8'), { name: file });
  const snaps = [
    snap('kubectl-get-all.yaml'),
    snap('kube-proxy-configmap.yaml'),
    snap('worker-1-ipvsadm-Ln.txt'),
    snap('worker-1-ip-j-addr.json'),
  ];
  const dataplane = buildDataplaneModel(snaps);
  const addressBook = buildAddressBook(snaps);
  const points: CapturePoint[] = [
    { id: 'client.pcap', role: 'client', node: 'worker-1' },
    { id: 'worker-1.pcap', role: 'node', node: 'worker-1' },
  ];

  it('every mismatch becomes a finding; none is confirmed without traffic', () => {
    const findings = diagnose({ correlation: result([]), addressBook, dataplane, captures: points });
    expect(findings.map((f) => `${f.severity} ${f.code} ${f.evidence.frontend}`)).toEqual([
      'warning ENDPOINT_NOT_PROGRAMMED tcp/10.104.5.7:80',
      'warning STALE_BACKEND udp/10.96.0.10:53',
      'warning STALE_BACKEND tcp/10.104.5.7:80',
      'warning VIP_NOT_BOUND tcp/10.111.2.3:443',
      'info NO_ENDPOINTS tcp/10.111.2.3:443',
      // 10.244.1.10 is terminating: kube-proxy drains it on purpose.
      'info WEIGHT_ZERO tcp/10.104.5.7:80',
    ]);
    const vip = findings.find((f) => f.code === 'VIP_NOT_BOUND')!;
    expect(vip.next).toEqual(
      expect.arrayContaining([
        'ip addr show kube-ipvs0  # on worker-1',
        'ipvsadm -Ln -t 10.111.2.3:443 --stats  # on worker-1',
      ]),
    );
  });

  it('VIP_NOT_BOUND is confirmed by a connection to the VIP that worker-1 never answered', () => {
    const client = '10.244.0.9:40100';
    const service = '10.111.2.3:443';
    const syn = flow({
      client,
      service,
      state: 'UNANSWERED',
      perspectives: [
        {
          capture: 'client.pcap',
          direction: 'request',
          src: client,
          dst: service,
          syn: 3,
          packets: 3,
          flags: SYN,
        },
        {
          capture: 'worker-1.pcap',
          direction: 'request',
          src: client,
          dst: service,
          syn: 3,
          packets: 3,
          atUs: 4,
        },
      ],
    });
    const findings = diagnose({ correlation: result([syn]), addressBook, dataplane, captures: points });
    const vip = findings.find((f) => f.code === 'VIP_NOT_BOUND')!;
    expect(vip).toMatchObject({ severity: 'error', evidence: { confirmedByPackets: true }, flows: [syn.id] });
    const unanswered = findings.find((f) => f.code === 'SYN_UNANSWERED')!;
    expect(unanswered.title).toContain('shop/legacy');
    expect(unanswered.detail).toContain('The snapshots say why');
    expect(findings.some((f) => f.code === 'NO_ENDPOINTS')).toBe(false);
  });
});
