// Every rule on small hand-built correlations: the cases the lab did not produce (or produced only
// one way), each with a negative twin, plus the registry, the ordering and the options.
import { describe, expect, it } from 'vitest';
import type { Flow } from '#correlate';
import { DEFAULT_OPTIONS, diagnose, FINDING_CODES, type Finding } from '../src/index.js';
import { RULES } from '../src/rules/index.js';
import {
  ACK,
  addressBook,
  CLIENT,
  dataplane,
  dnat,
  flow,
  healthy,
  POD_A,
  POD_B,
  POD_C,
  POINTS,
  result,
  RST,
  SERVICE,
  SYN,
  VIP,
} from './helpers/synthetic.js';

const run = (flows: Flow[], more: Omit<Parameters<typeof diagnose>[0], 'correlation'> = {}) =>
  diagnose({ correlation: result(flows), captures: POINTS, addressBook: addressBook(), ...more });
const only = (findings: Finding[], code: string) => findings.filter((f) => f.code === code);

function unansweredSyn(
  stages: ('client' | 'node' | 'nat' | 'backend')[],
  backend: string | null = null,
): Flow {
  const client = `${CLIENT}:45000`;
  const at = { client: 0, node: 5, nat: 20, backend: 25 };
  return flow({
    client,
    backend,
    state: 'UNANSWERED',
    retransmissions: 2,
    request: { packets: 3, bytes: 180 },
    translations: backend && stages.includes('nat') ? [dnat(client, backend)] : [],
    perspectives: stages.map((s) => ({
      capture: s === 'client' ? 'client.pcap' : s === 'backend' ? 'backend.pcap' : 'node.pcap',
      direction: 'request' as const,
      src: client,
      dst: s === 'client' || s === 'node' ? SERVICE : backend!,
      packets: 3,
      syn: 3,
      retransmissions: 2,
      atUs: at[s],
      spanUs: 3_000_000,
      flags: SYN,
    })),
  });
}

describe('SYN_UNANSWERED: where the SYN was last seen', () => {
  it('only at the client', () => {
    const [f] = only(run([unansweredSyn(['client'])]), 'SYN_UNANSWERED');
    expect(f).toMatchObject({
      severity: 'error',
      evidence: { lastSeen: { stage: 'client', capture: 'client.pcap' } },
    });
    expect(f!.detail).toMatch(/3 SYNs over 3\.000 s \(2 retransmissions\).*never reached the node/);
    expect(f!.next).toContain(`tcpdump -ni any host ${CLIENT} and port 45000`);
  });

  it('on the node before DNAT', () => {
    const [f] = only(run([unansweredSyn(['client', 'node'])]), 'SYN_UNANSWERED');
    expect(f!.evidence.lastSeen).toMatchObject({ stage: 'node-before-nat', node: 'n1' });
    expect(f!.detail).toContain('never DNATed');
    expect(f!.next).toContain('kubectl get endpointslices -n network-test -l kubernetes.io/service-name=web');
  });

  it('on the node, for a Service whose rules drop for want of endpoints', () => {
    const model = dataplane([
      { kind: 'NO_ENDPOINTS', message: 'n1 drops network-test/web:http: no endpoints' },
    ]);
    const findings = run([unansweredSyn(['client', 'node'])], { dataplane: model });
    expect(findings.map((f) => f.code)).toEqual(['SYN_UNANSWERED']);
    expect(findings[0]!.detail).toContain('The snapshots say why: n1 drops network-test/web:http');
  });

  it('after DNAT towards a pod whose capture never saw it', () => {
    const [f] = only(run([unansweredSyn(['client', 'node', 'nat'], `${POD_A}:80`)]), 'SYN_UNANSWERED');
    expect(f!.evidence.lastSeen).toMatchObject({ stage: 'node-after-nat' });
    expect(f!.detail).toContain('DNATed towards pod network-test/web-a (10.244.2.7:80)');
    expect(f!.detail).toContain('never arrived at backend.pcap');
    expect(f!.next).toContain(`ip neigh show ${POD_A}  # on n1`);
  });

  it('after DNAT towards a pod nobody captured', () => {
    const [f] = only(run([unansweredSyn(['client', 'node', 'nat'], `${POD_B}:80`)]), 'SYN_UNANSWERED');
    expect(f!.detail).toContain('no capture was taken at that pod');
  });

  it('at the backend, which answered but whose SYN-ACK was lost', () => {
    const fl = unansweredSyn(['client', 'node', 'nat', 'backend'], `${POD_A}:80`);
    fl.perspectives.push({
      ...fl.perspectives[3]!,
      direction: 'reply',
      src: `${POD_A}:80`,
      dst: fl.client,
      syn: 1,
    });
    const [f] = only(run([fl]), 'SYN_UNANSWERED');
    expect(f!.evidence.lastSeen).toMatchObject({ stage: 'reply-lost', capture: 'backend.pcap' });
  });

  it('answered connections raise nothing', () => {
    expect(run([healthy(POD_A), healthy(POD_B)])).toEqual([]);
  });
});

describe('resets', () => {
  const refused = () => {
    const client = `${CLIENT}:46000`;
    const backend = `${POD_A}:80`;
    return flow({
      client,
      backend,
      state: 'RESET',
      resetBy: 'backend',
      translations: [dnat(client, backend)],
      perspectives: [
        { capture: 'client.pcap', direction: 'request', src: client, dst: SERVICE, syn: 1, flags: SYN },
        { capture: 'node.pcap', direction: 'request', src: client, dst: backend, syn: 1, atUs: 10 },
        { capture: 'backend.pcap', direction: 'request', src: client, dst: backend, syn: 1, atUs: 12 },
        {
          capture: 'backend.pcap',
          direction: 'reply',
          src: backend,
          dst: client,
          rst: 1,
          atUs: 13,
          flags: RST | ACK,
        },
        {
          capture: 'client.pcap',
          direction: 'reply',
          src: SERVICE,
          dst: client,
          rst: 1,
          atUs: 20,
          flags: RST | ACK,
        },
      ],
    });
  };

  it('RESET_BY_BACKEND: the pod refused the SYN', () => {
    const findings = run([refused()]);
    expect(findings.map((f) => f.code)).toEqual(['RESET_BY_BACKEND']);
    const f = findings[0]!;
    expect(f.title).toBe('network-test/web-a refused connections on port 80');
    expect(f.evidence.resetSeenAt).toBe('backend.pcap');
    expect(f.next).toContain('kubectl -n network-test exec web-a -- ss -tlnp');
    expect(f.next).toContain('kubectl -n network-test logs web-a');
  });

  it('RESET_BY_BACKEND: a UDP datagram DNATed to a pod that answers ICMP port unreachable', () => {
    const client = `${CLIENT}:47000`;
    const backend = `${POD_B}:80`;
    const fl = flow({
      protocol: 'udp',
      client,
      backend,
      state: 'ICMP_ERROR',
      icmpError: { type: 3, code: 3, from: POD_B },
      translations: [dnat(client, backend)],
      perspectives: [
        { capture: 'client.pcap', direction: 'request', src: client, dst: SERVICE },
        { capture: 'node.pcap', direction: 'request', src: client, dst: backend, atUs: 10 },
        { capture: 'node.pcap', direction: 'reply', src: backend, dst: client, icmpErrors: 1, atUs: 30 },
      ],
    });
    const findings = run([fl]);
    expect(findings.map((f) => f.code)).toEqual(['RESET_BY_BACKEND']);
    expect(findings[0]!.detail).toContain('ICMP port unreachable');
    expect(findings[0]!.next).toContain('kubectl -n network-test exec web-b -- ss -ulnp');
  });

  it('RESET_MID_STREAM: an established connection reset by the backend', () => {
    const findings = run([healthy(POD_A, { state: 'RESET', resetBy: 'backend' })]);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['RESET_MID_STREAM', 'warning']]);
    expect(findings[0]!.detail).toMatch(/the backend network-test\/web-a reset it/);
  });

  it('REPLY_NOT_UNNATED: the client got the pod address, and reset', () => {
    const fl = healthy(POD_A, { state: 'RESET', resetBy: 'client' });
    const reply = fl.perspectives.find((p) => p.capture === 'client.pcap' && p.direction === 'reply')!;
    reply.src = `${POD_A}:80`;
    const findings = run([fl]);
    expect(findings.map((f) => f.code)).toEqual(['REPLY_NOT_UNNATED']);
    expect(findings[0]!.evidence).toMatchObject({ repliesFrom: [`${POD_A}:80`], clientResets: 1 });
    expect(findings[0]!.next).toContain('sysctl net.bridge.bridge-nf-call-iptables  # on n1');
  });
});

describe('loss', () => {
  function lossy(opts: { retx?: number; dupAcks?: number; backendPackets?: number } = {}): Flow {
    const fl = healthy(POD_A, { retransmissions: opts.retx ?? 0 });
    const client = fl.client;
    fl.perspectives = fl.perspectives.filter((p) => p.direction === 'reply');
    const base = { direction: 'request' as const, src: client, syn: 1, retransmissions: 0, duplicateAcks: 0 };
    const req = [
      {
        ...base,
        capture: 'client.pcap',
        dst: SERVICE,
        packets: 20,
        retransmissions: opts.retx ?? 0,
        duplicateAcks: opts.dupAcks ?? 0,
      },
      { ...base, capture: 'node.pcap', dst: `${POD_A}:80`, packets: 20 },
      { ...base, capture: 'backend.pcap', dst: `${POD_A}:80`, packets: opts.backendPackets ?? 20 },
    ];
    const start = BigInt(fl.firstNs);
    req.forEach((p, i) => {
      const first = (start + BigInt(i * 10_000)).toString();
      fl.perspectives.push({
        ...fl.perspectives[0]!,
        ...p,
        bytes: p.packets * 60,
        firstNs: first,
        lastNs: first,
        rst: 0,
      });
    });
    return fl;
  }

  it('RETRANSMISSIONS with the capture point where loss begins', () => {
    const [f, ...rest] = run([lossy({ retx: 5, backendPackets: 15 })]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'RETRANSMISSIONS', severity: 'warning' });
    expect(f!.evidence.flows).toEqual([
      expect.objectContaining({
        retransmissions: 5,
        lossBetween: { from: 'node.pcap', to: 'backend.pcap', lost: 5 },
      }),
    ]);
    expect(f!.detail).toContain(
      'loss begins between node.pcap (node n1) and backend.pcap (backend pod web-a)',
    );
  });

  it('RETRANSMISSIONS below the threshold, or above a raised one, raise nothing', () => {
    expect(run([lossy({ retx: 2 })])).toEqual([]);
    expect(run([lossy({ retx: 5 })], { options: { minRetransmissions: 6 } })).toEqual([]);
  });

  it('DUPLICATE_ACKS from the client: the backend data went missing', () => {
    const fl = lossy({ dupAcks: 4 });
    const [f] = run([fl]);
    expect(f).toMatchObject({ code: 'DUPLICATE_ACKS', severity: 'warning' });
    expect(f!.evidence.flows).toEqual([
      expect.objectContaining({ duplicateAcks: 4, capture: 'client.pcap' }),
    ]);
    expect(run([lossy({ dupAcks: 2 })])).toEqual([]);
  });

  it('MTU_BLACKHOLE: large segments retransmitted and never past the VXLAN hop, no ICMP', () => {
    const fl = healthy(POD_A);
    fl.translations.push({
      ...dnat(fl.client, `${POD_A}:80`),
      kind: 'ENCAP',
      outer: { tunnel: 'vxlan', src: '192.168.0.11', dst: '192.168.0.12', vni: 1 },
    });
    const backendReply = fl.perspectives.find((p) => p.capture === 'node.pcap' && p.direction === 'reply')!;
    // The backend's node capture saw its big segments; the client saw only the small ones.
    Object.assign(backendReply, { packets: 10, bytes: 10 * 1400, retransmissions: 4, syn: 1 });
    const clientReply = fl.perspectives.find((p) => p.capture === 'client.pcap' && p.direction === 'reply')!;
    Object.assign(clientReply, { packets: 4, bytes: 4 * 80 });
    const findings = run([fl]);
    expect(findings.map((f) => f.code)).toEqual(['MTU_BLACKHOLE']);
    expect(findings[0]!.evidence).toMatchObject({
      overlay: { tunnel: 'vxlan', bytes: 50 },
      retransmissions: 4,
    });
    expect(findings[0]!.detail).toContain('VXLAN overlay that adds 50 bytes');
  });

  it('FRAG_NEEDED: ICMP fragmentation needed from the node', () => {
    const fl = healthy(POD_A, { icmpError: { type: 3, code: 4, from: '192.168.0.11' } });
    const [f] = run([fl]);
    expect(f).toMatchObject({
      code: 'FRAG_NEEDED',
      severity: 'warning',
      evidence: { icmp: { type: 3, code: 4 } },
    });
    expect(f!.detail).toContain('(node n1)');
  });
});

describe('CLIENT_IP_NOT_PRESERVED for an in-cluster client', () => {
  it('names masqueradeAll when a pod calling a ClusterIP is SNATed', () => {
    const fl = healthy(POD_A);
    fl.clientSeenByBackend = '10.244.1.1:61000';
    const [f] = run([fl]);
    expect(f).toMatchObject({ code: 'CLIENT_IP_NOT_PRESERVED', severity: 'warning' });
    expect(f!.detail).toContain('masqueradeAll');
  });
});

describe('LB_IMBALANCE: chi-square goodness of fit', () => {
  const spread = (a: number, b: number, c: number) => [
    ...Array.from({ length: a }, () => healthy(POD_A)),
    ...Array.from({ length: b }, () => healthy(POD_B)),
    ...Array.from({ length: c }, () => healthy(POD_C)),
  ];

  it('reports a split chance does not explain, against the programmed shares', () => {
    const [f] = run(spread(40, 10, 10), { dataplane: dataplane() });
    expect(f).toMatchObject({ code: 'LB_IMBALANCE', severity: 'warning' });
    expect(f!.evidence).toMatchObject({
      expectedFrom: 'programmed',
      degreesOfFreedom: 2,
      statistic: 30,
      connections: 60,
    });
    // Two degrees of freedom: the upper tail is exp(-x/2).
    expect(f!.evidence.pValue as number).toBeCloseTo(Math.exp(-15), 12);
    expect(f!.next).toContain('ipvsadm -Ln -t 10.96.0.10:80 --stats  # on n1');
  });

  it('is silent when the split is what chance gives', () => {
    expect(run(spread(22, 19, 19), { dataplane: dataplane() })).toEqual([]);
    expect(run(spread(22, 19, 19))).toEqual([]);
  });

  it('says "too few connections to judge" below the minimum sample, only when the split looks uneven', () => {
    const [f] = run(spread(9, 0, 0), { dataplane: dataplane() });
    expect(f).toMatchObject({
      code: 'LB_IMBALANCE',
      severity: 'info',
      evidence: { enoughConnections: false },
    });
    expect(f!.detail).toContain('too few connections to judge');
    expect(run(spread(3, 3, 2), { dataplane: dataplane() })).toEqual([]);
  });

  it('reports a SHARE_MISMATCH of the rules, tested against the intended split', () => {
    const model = dataplane([{ kind: 'SHARE_MISMATCH', message: 'n1 splits 70/15/15' }]);
    const [f] = run(spread(20, 20, 20), { dataplane: model });
    expect(f).toMatchObject({
      code: 'LB_IMBALANCE',
      severity: 'warning',
      evidence: { expectedFrom: 'intended' },
    });
    expect(f!.detail).toContain('the packets are consistent with it');
  });
});

describe('dataplane mismatches confirmed (or not) by packets', () => {
  it('ENDPOINT_NOT_PROGRAMMED: no connection went to the missing endpoint', () => {
    const model = dataplane([
      { kind: 'ENDPOINT_NOT_PROGRAMMED', backend: `${POD_C}:80`, pod: 'network-test/web-c' },
    ]);
    const flows = [healthy(POD_A), healthy(POD_B), healthy(POD_A)];
    const [f] = only(run(flows, { dataplane: model }), 'ENDPOINT_NOT_PROGRAMMED');
    expect(f).toMatchObject({
      severity: 'warning',
      evidence: { confirmedByPackets: true, connectionsToBackend: 0 },
    });
    expect(f!.next).toContain("iptables-save -t nat | grep 'network-test/web'  # on n1");
    const [g] = only(run([], { dataplane: model }), 'ENDPOINT_NOT_PROGRAMMED');
    expect(g!.evidence.confirmedByPackets).toBe(false);
  });

  it('STALE_BACKEND: connections DNATed to the stale address failed (else only a warning)', () => {
    const model = dataplane([{ kind: 'STALE_BACKEND', backend: '10.244.2.99:80' }]);
    const [f] = only(
      run([unansweredSyn(['client', 'node', 'nat'], '10.244.2.99:80')], { dataplane: model }),
      'STALE_BACKEND',
    );
    expect(f).toMatchObject({ severity: 'error', evidence: { confirmedByPackets: true } });
    const [g] = only(run([healthy(POD_A)], { dataplane: model }), 'STALE_BACKEND');
    expect(g).toMatchObject({ severity: 'warning', evidence: { confirmedByPackets: false } });
  });

  it('VIP_NOT_BOUND: connections to the VIP through that node failed', () => {
    const ipvs = {
      node: 'n1',
      form: 'ipvs' as const,
      family: 4 as const,
      source: 'ipvsadm.txt',
      line: 3,
      backends: [],
    };
    const model = dataplane([{ kind: 'VIP_NOT_BOUND', form: 'ipvs' }], { programmed: [ipvs] });
    const [f] = only(run([unansweredSyn(['client', 'node'])], { dataplane: model }), 'VIP_NOT_BOUND');
    expect(f).toMatchObject({ severity: 'error', evidence: { confirmedByPackets: true } });
    expect(f!.next).toEqual(
      expect.arrayContaining([
        'ip addr show kube-ipvs0  # on n1',
        'ipvsadm -Ln -t 10.96.0.10:80 --stats  # on n1',
      ]),
    );
    const [g] = only(run([], { dataplane: model }), 'VIP_NOT_BOUND');
    expect(g!.severity).toBe('warning');
  });

  it('VIP_NOT_BOUND: not where the node programs the frontend with iptables rules (kube-proxy in iptables mode)', () => {
    const model = dataplane([{ kind: 'VIP_NOT_BOUND', form: 'ipvs' }]);
    expect(run([unansweredSyn(['client', 'node'])], { dataplane: model }).map((f) => f.code)).not.toContain(
      'VIP_NOT_BOUND',
    );
  });

  it('WEIGHT_ZERO: a warning for a serving endpoint, info while it drains', () => {
    const mismatch = { kind: 'WEIGHT_ZERO' as const, form: 'ipvs' as const, backend: `${POD_C}:80` };
    const flows = [healthy(POD_A), healthy(POD_B)];
    const [f] = only(run(flows, { dataplane: dataplane([mismatch]) }), 'WEIGHT_ZERO');
    expect(f).toMatchObject({ severity: 'warning', evidence: { confirmedByPackets: true } });
    const draining = dataplane([mismatch]);
    draining.frontends[0]!.intended[2]!.terminating = true;
    const [g] = only(run(flows, { dataplane: draining }), 'WEIGHT_ZERO');
    expect(g!.severity).toBe('info');
  });

  it('NO_ENDPOINTS: a Service without endpoints nobody called is context (info)', () => {
    const [f] = run([], { dataplane: dataplane([{ kind: 'NO_ENDPOINTS', frontend: 'tcp/10.96.0.99:80' }]) });
    expect(f).toMatchObject({ code: 'NO_ENDPOINTS', severity: 'info', flows: [] });
  });
});

describe('DNS_TIMEOUT', () => {
  const DNS = '10.96.0.53:53';
  function query(queries: number, answers: number, spanUs: number): Flow {
    const client = `${CLIENT}:53000`;
    return flow({
      protocol: 'udp',
      client,
      service: DNS,
      backend: answers > 0 ? '10.244.2.53:53' : null,
      state: answers > 0 ? 'ANSWERED' : 'UNANSWERED',
      perspectives: [
        { capture: 'client.pcap', direction: 'request', src: client, dst: DNS, packets: queries, spanUs },
        {
          capture: 'node.pcap',
          direction: 'request',
          src: client,
          dst: DNS,
          packets: queries,
          atUs: 5,
          spanUs,
        },
        ...(answers > 0
          ? [
              {
                capture: 'client.pcap',
                direction: 'reply' as const,
                src: DNS,
                dst: client,
                packets: answers,
                atUs: 900,
              },
            ]
          : []),
      ],
    });
  }

  it('a query never answered, last seen on the node before DNAT', () => {
    const [f] = run([query(1, 0, 0)]);
    expect(f).toMatchObject({ code: 'DNS_TIMEOUT', severity: 'error', evidence: { queries: 1, answers: 0 } });
    expect(f!.evidence.lastSeen).toMatchObject({ stage: 'node-before-nat' });
  });

  it('the parallel A/AAAA pattern: two queries on one socket, one answered', () => {
    const [f] = run([query(2, 1, 300)]);
    expect(f).toMatchObject({ severity: 'warning', evidence: { parallelSameSocket: true } });
    expect(f!.detail).toContain('conntrack insert race');
    expect(f!.next).toContain('conntrack -S  # on n1');
  });

  it('answered queries raise nothing', () => {
    expect(run([query(1, 1, 0)])).toEqual([]);
  });
});

describe('UNPAIRED_TRAFFIC', () => {
  it('a capture whose packets were not seen where they should have been', () => {
    const flows = Array.from({ length: 12 }, () => {
      const fl = healthy(POD_A);
      fl.perspectives = fl.perspectives.filter((p) => p.capture === 'client.pcap');
      return fl;
    });
    const findings = run([...flows, healthy(POD_B)]);
    const [f] = only(findings, 'UNPAIRED_TRAFFIC');
    expect(f).toMatchObject({ severity: 'warning', evidence: { capture: 'client.pcap' } });
    expect(f!.flows).toHaveLength(12);
  });

  it("from correlate's per-capture counts, and silent below the share", () => {
    const flows = [healthy(POD_A)];
    const correlation = result(flows);
    correlation.captures[1]!.sightings = 200;
    correlation.captures[1]!.unpaired = 40;
    const [f] = diagnose({ correlation, captures: POINTS });
    expect(f).toMatchObject({ code: 'UNPAIRED_TRAFFIC', evidence: { capture: 'node.pcap', share: 0.2 } });
    correlation.captures[1]!.unpaired = 5;
    expect(diagnose({ correlation, captures: POINTS })).toEqual([]);
  });
});

describe('CLOCK_SKEW', () => {
  const offsets = (offsetNs: string, spreadNs = '5000') => [
    { capture: 'client.pcap', clockDomain: 'n1', offsetNs: '0', spreadNs: '0', pairs: 0, reference: true },
    { capture: 'node.pcap', clockDomain: 'n2', offsetNs, spreadNs, pairs: 9, reference: false },
  ];
  it('beyond the threshold, outside its uncertainty', () => {
    const [f] = diagnose({
      correlation: { ...result([]), clockOffsets: offsets('-250000000') },
      captures: POINTS,
    });
    expect(f).toMatchObject({ code: 'CLOCK_SKEW', severity: 'info', evidence: { offsetNs: '-250000000' } });
    expect(f!.title).toBe('Clock of n2 is 250.0 ms behind n1');
  });
  it('not below the threshold, nor inside the spread', () => {
    expect(diagnose({ correlation: { ...result([]), clockOffsets: offsets('3000000') } })).toEqual([]);
    expect(
      diagnose({ correlation: { ...result([]), clockOffsets: offsets('30000000', '40000000') } }),
    ).toEqual([]);
  });
});

describe('diagnose()', () => {
  it('every code is emitted by exactly one rule of the registry', () => {
    const emitted = RULES.flatMap((r) => r.codes);
    expect([...emitted].sort()).toEqual([...FINDING_CODES].sort());
  });

  it('sorts by severity, then code, and returns plain JSON', () => {
    const flows = [
      unansweredSyn(['client']),
      healthy(POD_A, { clientSeenByBackend: '10.244.1.1:1' }),
      healthy(POD_B, { icmpError: { type: 3, code: 4, from: '192.168.0.11' } }),
    ];
    const findings = run(flows, {
      dataplane: dataplane([{ kind: 'NO_ENDPOINTS', frontend: 'tcp/10.96.0.99:80' }]),
    });
    expect(findings.map((f) => `${f.severity} ${f.code}`)).toEqual([
      'error SYN_UNANSWERED',
      'warning CLIENT_IP_NOT_PRESERVED',
      'warning FRAG_NEEDED',
      'info NO_ENDPOINTS',
    ]);
    expect(JSON.parse(JSON.stringify(findings))).toEqual(findings);
  });

  it('documents its defaults', () => {
    expect(DEFAULT_OPTIONS).toMatchObject({
      minRetransmissions: 3,
      lbAlpha: 0.01,
      lbMinExpectedPerBackend: 5,
    });
    expect(VIP).toBe('10.96.0.10');
  });
});
