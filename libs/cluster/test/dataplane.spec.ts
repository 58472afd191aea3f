import { describe, expect, it } from 'vitest';
import {
  buildDataplaneModel,
  parseSnapshot,
  type DataplaneMismatch,
  type ParsedSnapshot,
} from '../src/index.js';
import { local_, scenarioSnapshots, shared_, sharedJson, sharedText } from './helpers.js';

/** The mismatches as compact, order-independent facts. */
function facts(list: DataplaneMismatch[]): string[] {
  return list.map((m) => [m.kind, m.node, m.form, m.frontend, m.backend].filter(Boolean).join(' ')).sort();
}

const DIAG = 'single-node/diagnostics/snapshot/';
const kubectlDiag = () => shared_(`${DIAG}kubectl-get-svc-pods-endpointslices-nodes.json`);
const kubectlDiagFrontend = (service: string) =>
  buildDataplaneModel([kubectlDiag()]).frontends.find((f) => f.service === service)!;

describe('dataplane model over the lab fixtures', () => {
  it('finds intended and programmed backends agreeing in every form (clusterip scenario)', () => {
    const d = 'single-node/clusterip/snapshot/';
    const model = buildDataplaneModel([
      shared_(`${d}kubectl-get-svc-pods-endpointslices-nodes.json`),
      shared_(`${d}node-iptables-save.txt`, { node: 'k8s-compute-02' }),
      shared_(`${d}node-nft-list-ruleset.txt`, { node: 'k8s-compute-02' }),
      shared_(`${d}ipvsadm-Ln.synthetic.txt`),
    ]);
    // The lab defines two Services without endpoints in every scenario; all else agrees.
    expect(facts(model.mismatches)).toEqual(
      ['iptables', 'ipvs', 'nft'].flatMap((form) =>
        ['10.233.12.7', '10.233.12.8'].map((ip) => `NO_ENDPOINTS k8s-compute-02 ${form} tcp/${ip}:80`),
      ),
    );
    expect(model.nodes).toEqual(['k8s-compute-02']);
    const nginx = model.frontends.find((f) => f.id === 'tcp/10.233.9.232:80')!;
    expect(nginx).toMatchObject({
      kind: 'ClusterIP',
      service: 'network-test/nginx:http',
      trafficPolicy: 'Cluster',
    });
    expect(nginx.intended.map((b) => [b.ip, b.pod, b.ready])).toEqual([
      ['10.233.65.212', 'network-test/nginx-54c98b4f84-ftvlg', true],
      ['10.233.66.111', 'network-test/nginx-54c98b4f84-7xk2m', true],
      ['10.233.67.86', 'network-test/nginx-54c98b4f84-p9w4d', true],
    ]);
    expect(nginx.expectedShares.map((s) => s.share)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(nginx.programmed.map((p) => [p.node, p.form])).toEqual([
      ['k8s-compute-02', 'iptables'],
      ['k8s-compute-02', 'nft'],
      ['k8s-compute-02', 'ipvs'],
    ]);
    for (const p of nginx.programmed) for (const b of p.backends) expect(b.share).toBeCloseTo(1 / 3, 6);
    expect(nginx.programmed[0]!.masquerade).toMatchObject({ when: 'source-outside', cidr: '10.233.64.0/18' });
    // The IPVS NodePort services on each node address join the NodePort frontend.
    const nodePort = model.frontends.find((f) => f.id === 'tcp/*:30080')!;
    expect(nodePort.programmed.filter((p) => p.form === 'ipvs').map((p) => p.address)).toEqual([
      '10.233.65.1:30080',
      '10.233.66.1:30080',
      '10.233.67.1:30080',
      '192.168.56.12:30080',
    ]);
  });

  it('reports the services without endpoints that kube-proxy rejects (diagnostics scenario)', () => {
    const model = buildDataplaneModel([
      kubectlDiag(),
      shared_(`${DIAG}node-iptables-save.txt`, { node: 'k8s-compute-02' }),
    ]);
    expect(facts(model.mismatches)).toEqual([
      'NO_ENDPOINTS k8s-compute-02 iptables tcp/10.233.12.7:80',
      'NO_ENDPOINTS k8s-compute-02 iptables tcp/10.233.12.8:80',
    ]);
    const rst = model.mismatches.find((m) => m.frontend === 'tcp/10.233.12.8:80')!;
    expect(rst).toMatchObject({
      service: 'network-test/nginx-noep-rst:http',
      line: 24,
      sources: ['node-iptables-save.txt', 'kubectl-get-svc-pods-endpointslices-nodes.json'],
    });
    expect(rst.message).toMatch(/rejects .* \(tcp-reset\)/);
  });

  it("takes a one-node cluster's node snapshots as that node's, unnamed", () => {
    const named = buildDataplaneModel([
      kubectlDiag(),
      shared_(`${DIAG}node-iptables-save.txt`, { node: 'k8s-compute-02' }),
      shared_(`${DIAG}node-ip-neigh.txt`, { node: 'k8s-compute-02' }),
    ]);
    const unnamed = buildDataplaneModel([
      kubectlDiag(),
      shared_(`${DIAG}node-iptables-save.txt`),
      shared_(`${DIAG}node-ip-neigh.txt`),
    ]);
    expect(unnamed.nodes).toEqual(['k8s-compute-02']);
    expect(unnamed.mismatches).toEqual(named.mismatches);
    expect(unnamed.mismatches.some((m) => m.kind === 'BACKEND_UNREACHABLE')).toBe(true);
  });

  it('reports a programmed backend nobody answers for (ip neigh INCOMPLETE: the stale endpoint case)', () => {
    const model = buildDataplaneModel([
      kubectlDiag(),
      shared_(`${DIAG}node-iptables-save.txt`, { node: 'k8s-compute-02' }),
      shared_(`${DIAG}node-ip-neigh.txt`, { node: 'k8s-compute-02' }),
    ]);
    const unreachable = model.mismatches.filter((m) => m.kind === 'BACKEND_UNREACHABLE');
    expect(unreachable).toEqual([
      expect.objectContaining({
        frontend: 'tcp/10.233.20.51:80',
        service: 'network-test/nginx-gone:http',
        node: 'k8s-compute-02',
        backend: '10.233.67.250:80',
        pod: 'network-test/nginx-gone-7c8d9e0f1a-zz9xq',
        sources: ['node-ip-neigh.txt', 'node-iptables-save.txt'],
        line: 8,
      }),
    ]);
  });

  it('reports no endpoints from kubectl alone when no dataplane snapshot was given', () => {
    const model = buildDataplaneModel([kubectlDiag()]);
    expect(facts(model.mismatches)).toEqual([
      'NO_ENDPOINTS tcp/10.233.12.7:80',
      'NO_ENDPOINTS tcp/10.233.12.8:80',
    ]);
  });

  it('reads the endpoints of Services saved in one file from EndpointSlices saved in another', () => {
    const split = buildDataplaneModel([
      shared_(`${DIAG}kubectl-get-svc.json`),
      shared_(`${DIAG}kubectl-get-endpointslices.json`),
    ]);
    expect(facts(split.mismatches)).toEqual(facts(buildDataplaneModel([kubectlDiag()]).mismatches));
    const nginx = split.frontends.find((f) => f.service === 'network-test/nginx:http')!;
    expect(nginx.intended.map((b) => b.ip).sort()).toEqual(
      kubectlDiagFrontend('network-test/nginx:http')
        .intended.map((b) => b.ip)
        .sort(),
    );
    expect(nginx.intended.length).toBeGreaterThan(0);
  });

  it('says nothing about endpoints when no EndpointSlices were given', () => {
    const model = buildDataplaneModel([shared_(`${DIAG}kubectl-get-svc.json`)]);
    expect(model.frontends.length).toBeGreaterThan(0);
    expect(model.mismatches.filter((m) => m.kind === 'NO_ENDPOINTS')).toEqual([]);
  });

  it('models both nodes of the two-node lab, round robin included', () => {
    const model = buildDataplaneModel(scenarioSnapshots('multi-node/multinode-vxlan'));
    expect(model.mismatches).toEqual([]);
    expect(model.nodes).toEqual(['k8s-compute-01', 'k8s-compute-02']);
    const nginx = model.frontends.find((f) => f.id === 'tcp/10.233.9.232:80')!;
    expect(nginx.intended.map((b) => b.node)).toEqual(['k8s-compute-01', 'k8s-compute-02', 'k8s-compute-02']);
    expect(nginx.programmed).toHaveLength(2);
  });
});

describe('observed connections', () => {
  it('counts conntrack DNATs per frontend and backend, matching the lab ground truth (nodeport-masq)', () => {
    const scenario = 'single-node/nodeport-masq';
    const model = buildDataplaneModel([
      ...scenarioSnapshots(scenario),
      shared_(`${scenario}/conntrack-L-extended.txt`, { node: 'k8s-compute-02' }),
    ]);
    const truth = sharedJson<{ connections: { service: string; backend: string }[] }>(
      `${scenario}/ground-truth.json`,
    );
    const expected: Record<string, Record<string, number>> = {};
    for (const c of truth.connections) {
      const id = c.service.endsWith(':30080') ? 'tcp/*:30080' : `tcp/${c.service}`;
      (expected[id] ??= {})[c.backend] = (expected[id]![c.backend] ?? 0) + 1;
    }
    for (const [id, backends] of Object.entries(expected)) {
      const f = model.frontends.find((x) => x.id === id)!;
      const seen = Object.fromEntries(f.observed.map((o) => [`${o.ip}:${o.port}`, o.connections]));
      expect(seen, id).toEqual(backends);
      expect(
        f.observed.every((o) => o.node === 'k8s-compute-02' && o.states['TIME_WAIT'] === o.connections),
      ).toBe(true);
    }
  });

  it('keeps unanswered attempts and IPVS connection entries apart by state', () => {
    const diag = buildDataplaneModel([
      kubectlDiag(),
      shared_('single-node/diagnostics/conntrack-L-extended.txt', { node: 'k8s-compute-02' }),
    ]);
    expect(diag.frontends.find((f) => f.id === 'tcp/10.233.20.50:80')!.observed).toEqual([
      {
        node: 'k8s-compute-02',
        source: 'conntrack-L-extended.txt',
        ip: '10.233.67.99',
        port: 80,
        connections: 1,
        states: { 'SYN_SENT UNREPLIED': 1 },
      },
    ]);
    const ipvs = buildDataplaneModel([
      local_('ipvs-cluster/kubectl-get-all.yaml'),
      local_('ipvs-cluster/worker-2-ipvsadm-Lnc.txt', { node: 'worker-2' }),
    ]);
    expect(ipvs.frontends.find((f) => f.id === 'tcp/*:30080')!.observed).toMatchObject([
      { node: 'worker-2', ip: '10.244.1.9', port: 8080, states: { CLOSE_WAIT: 1 } },
    ]);
    expect(ipvs.frontends.find((f) => f.id === 'tcp/10.104.5.7:80')!.observed[0]!.ip).toBe('10.244.1.10');
  });
});

describe('planted mismatches', () => {
  it('iptables: a missing endpoint and a stale DNAT', () => {
    const text = sharedText(`${DIAG}node-iptables-save.txt`)
      // kube-proxy never learned of nginx-54c98b4f84-p9w4d: two branches instead of three.
      .split('\n')
      .filter((l) => !l.includes('"network-test/nginx:http -> 10.233.67.86:80"'))
      .join('\n')
      .replace(
        '"network-test/nginx:http -> 10.233.65.212:80" -m statistic --mode random --probability 0.33333333349',
        '"network-test/nginx:http -> 10.233.65.212:80" -m statistic --mode random --probability 0.50000000000',
      )
      .replace(
        '"network-test/nginx:http -> 10.233.66.111:80" -m statistic --mode random --probability 0.50000000000 ',
        '"network-test/nginx:http -> 10.233.66.111:80" ',
      )
      // nginx-hung's endpoint chain still points at the pod's previous address.
      .replace('--to-destination 10.233.67.99:80', '--to-destination 10.233.67.98:80');
    const rules = parseSnapshot(text, { name: 'planted-iptables-save.txt', node: 'k8s-compute-02' });
    const model = buildDataplaneModel([kubectlDiag(), rules]);
    expect(facts(model.mismatches.filter((m) => m.kind !== 'NO_ENDPOINTS'))).toEqual([
      'ENDPOINT_NOT_PROGRAMMED k8s-compute-02 iptables tcp/10.233.20.50:80 10.233.67.99:80',
      'ENDPOINT_NOT_PROGRAMMED k8s-compute-02 iptables tcp/10.233.9.232:80 10.233.67.86:80',
      'STALE_BACKEND k8s-compute-02 iptables tcp/10.233.20.50:80 10.233.67.98:80',
    ]);
    const missing = model.mismatches.find((m) => m.backend === '10.233.67.86:80')!;
    expect(missing).toMatchObject({
      pod: 'network-test/nginx-54c98b4f84-p9w4d',
      service: 'network-test/nginx:http',
      line: 80,
    });
    const nginx = model.frontends.find((f) => f.id === 'tcp/10.233.9.232:80')!;
    expect(nginx.programmed[0]!.backends.map((b) => b.share)).toEqual([0.5, 0.5]);
  });

  it('iptables: a Service with endpoints missing from the node rules altogether', () => {
    const text = sharedText(`${DIAG}node-iptables-save.txt`)
      .split('\n')
      .filter((l) => !l.includes('network-test/dns-echo:dns'))
      .join('\n');
    const model = buildDataplaneModel([
      kubectlDiag(),
      parseSnapshot(text, { name: 'no-dns-iptables-save.txt', node: 'k8s-compute-02' }),
    ]);
    expect(model.mismatches.filter((m) => m.kind === 'SERVICE_NOT_PROGRAMMED')).toEqual([
      {
        kind: 'SERVICE_NOT_PROGRAMMED',
        frontend: 'udp/10.233.0.53:53',
        service: 'network-test/dns-echo:dns',
        node: 'k8s-compute-02',
        form: 'iptables',
        sources: ['no-dns-iptables-save.txt', 'kubectl-get-svc-pods-endpointslices-nodes.json'],
        message: expect.stringContaining('has 1 ready endpoint(s) but no iptables rules'),
      },
    ]);
  });

  it('nft (iptables-nft): a stale DNAT and a skewed split', () => {
    const text = sharedText(`${DIAG}node-nft-list-ruleset.txt`)
      .replace('dnat to 10.233.66.111:80', 'dnat to 10.233.66.112:80')
      .replace(
        'meta random & 2147483647 < 715827883 counter packets 0 bytes 0 jump KUBE-SEP-L34LKWMF7IHGYB6R',
        'meta random & 2147483647 < 1503238554 counter packets 0 bytes 0 jump KUBE-SEP-L34LKWMF7IHGYB6R',
      );
    const rules = parseSnapshot(text, { name: 'planted-nft.txt', node: 'k8s-compute-02' });
    const model = buildDataplaneModel([kubectlDiag(), rules]);
    expect(facts(model.mismatches.filter((m) => m.kind !== 'NO_ENDPOINTS'))).toEqual([
      'ENDPOINT_NOT_PROGRAMMED k8s-compute-02 nft tcp/10.233.9.232:80 10.233.66.111:80',
      'SHARE_MISMATCH k8s-compute-02 nft tcp/*:30080',
      'SHARE_MISMATCH k8s-compute-02 nft tcp/10.233.31.180:80',
      'STALE_BACKEND k8s-compute-02 nft tcp/10.233.9.232:80 10.233.66.112:80',
    ]);
    expect(model.mismatches.find((m) => m.kind === 'SHARE_MISMATCH')!.message).toMatch(
      /10\.233\.65\.212:80=70\.0%/,
    );
  });

  it("nft (kube-proxy's nftables mode): node 2 lags behind the EndpointSlices", () => {
    const snaps: ParsedSnapshot[] = [
      local_('nft-cluster/kubectl-get-all.yaml'),
      local_('nft-cluster/kube-proxy-configmap.json'),
      local_('nft-cluster/nft-node-1-nft-list-ruleset.txt'),
      local_('nft-cluster/nft-node-2-nft-list-ruleset.txt'),
    ];
    const model = buildDataplaneModel(snaps);
    expect(model.proxyMode).toBe('nftables');
    // Nodes come from the nodeport-ips set matching the Nodes' InternalIPs.
    expect(model.nodes).toEqual(['nft-node-1', 'nft-node-2']);
    expect(facts(model.mismatches)).toEqual([
      'ENDPOINT_NOT_PROGRAMMED nft-node-2 nft tcp/*:31080 10.244.0.7:8080',
      'ENDPOINT_NOT_PROGRAMMED nft-node-2 nft tcp/10.96.120.15:80 10.244.0.7:8080',
      'NO_ENDPOINTS nft-node-1 nft tcp/10.96.44.201:443',
      'NO_ENDPOINTS nft-node-2 nft tcp/10.96.44.201:443',
      'STALE_BACKEND nft-node-2 nft udp/10.96.0.10:53 10.244.0.9:53',
    ]);
    expect(model.mismatches.find((m) => m.backend === '10.244.0.7:8080')!.pod).toBe(
      'shop/web-6b7f9c5d4-qk2lm',
    );
  });

  it('IPVS: missing and stale real servers, weight 0, an unbound VIP and an empty virtual service', () => {
    const model = buildDataplaneModel([
      local_('ipvs-cluster/kubectl-get-all.yaml'),
      local_('ipvs-cluster/kube-proxy-configmap.yaml'),
      local_('ipvs-cluster/worker-1-ipvsadm-Ln.txt'),
      local_('ipvs-cluster/worker-1-ip-j-addr.json'),
    ]);
    expect(model.proxyMode).toBe('ipvs');
    expect(model.nodes).toEqual(['worker-1']);
    expect(facts(model.mismatches)).toEqual([
      'ENDPOINT_NOT_PROGRAMMED worker-1 ipvs tcp/10.104.5.7:80 10.244.0.5:8080',
      'NO_ENDPOINTS worker-1 ipvs tcp/10.111.2.3:443',
      'STALE_BACKEND worker-1 ipvs tcp/10.104.5.7:80 10.244.1.10:8080',
      'STALE_BACKEND worker-1 ipvs udp/10.96.0.10:53 10.244.0.3:53',
      'VIP_NOT_BOUND worker-1 ipvs tcp/10.111.2.3:443',
      'WEIGHT_ZERO worker-1 ipvs tcp/10.104.5.7:80 10.244.1.10:8080',
    ]);
    // externalTrafficPolicy Local: the LB IP and NodePorts on worker-1 only use worker-1's endpoint.
    const lb = model.frontends.find((f) => f.id === 'tcp/203.0.113.10:80')!;
    expect(lb).toMatchObject({ kind: 'LoadBalancer', trafficPolicy: 'Local' });
    expect(lb.programmed[0]!.backends.map((b) => b.ip)).toEqual(['10.244.0.5']);
    const stale = model.mismatches.find(
      (m) => m.kind === 'STALE_BACKEND' && m.backend === '10.244.1.10:8080',
    )!;
    expect(stale.message).toMatch(/is not ready/);
    expect(model.mismatches.find((m) => m.kind === 'WEIGHT_ZERO')!.line).toBe(16);
  });

  it('iptables with traffic policy Local: external frontends expect only node-local endpoints', () => {
    const model = buildDataplaneModel([
      local_('ipvs-cluster/kubectl-get-all.yaml'),
      local_('ipvs-cluster/worker-2-iptables-save.txt', { node: 'worker-2' }),
    ]);
    expect(facts(model.mismatches)).toEqual(['NO_ENDPOINTS worker-2 iptables tcp/10.111.2.3:443']);
    const nodePort = model.frontends.find((f) => f.id === 'tcp/*:30080')!;
    expect(nodePort.programmed[0]!.backends.map((b) => [b.ip, b.share])).toEqual([['10.244.1.9', 1]]);
    // The same rules on worker-1 would be wrong: its local endpoint is missing, worker-2's is not local.
    const misplaced = buildDataplaneModel([
      local_('ipvs-cluster/kubectl-get-all.yaml'),
      local_('ipvs-cluster/worker-2-iptables-save.txt', { node: 'worker-1' }),
    ]);
    expect(facts(misplaced.mismatches).filter((f) => f.includes('30080'))).toEqual([
      'ENDPOINT_NOT_PROGRAMMED worker-1 iptables tcp/*:30080 10.244.0.5:8080',
      'STALE_BACKEND worker-1 iptables tcp/*:30080 10.244.1.9:8080',
    ]);
  });

  it('IPVS on a node without local endpoints under traffic policy Local: an empty NodePort, said so', () => {
    const ipvs = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  192.168.49.4:30080 rr',
      'TCP  10.104.5.7:80 rr',
      '  -> 10.244.0.5:8080              Masq    1      0          0',
      '  -> 10.244.1.9:8080              Masq    5      0          0',
    ].join('\n');
    const model = buildDataplaneModel([
      local_('ipvs-cluster/kubectl-get-all.yaml'),
      parseSnapshot(ipvs, { name: 'worker-3-ipvsadm.txt', node: 'worker-3' }),
    ]);
    // (This short listing also leaves most Services out: SERVICE_NOT_PROGRAMMED, checked elsewhere.)
    expect(model.mismatches.filter((m) => m.kind !== 'SERVICE_NOT_PROGRAMMED')).toEqual([
      expect.objectContaining({
        kind: 'NO_ENDPOINTS',
        frontend: 'tcp/*:30080',
        node: 'worker-3',
        message: expect.stringMatching(/traffic policy Local and no endpoint on this node/),
      }),
      // Not programmed on this node at all, so kubectl alone says it.
      expect.objectContaining({
        kind: 'NO_ENDPOINTS',
        frontend: 'tcp/10.111.2.3:443',
        sources: ['kubectl-get-all.yaml'],
      }),
    ]);
    // rr ignores weights other than 0: an even split.
    const web = model.frontends.find((f) => f.id === 'tcp/10.104.5.7:80')!;
    expect(web.programmed[0]).toMatchObject({ family: 4, scheduler: 'rr' });
    expect(web.programmed[0]!.backends.map((b) => b.share)).toEqual([0.5, 0.5]);
    const v6 = buildDataplaneModel([
      local_('ipvs-cluster/kubectl-get-all.yaml'),
      local_('ipvs-cluster/worker-1-ipvsadm-Ln.txt'),
    ]);
    expect(v6.frontends.find((f) => f.id === 'udp/[fd00:10:96::a]:53')!.programmed[0]!.family).toBe(6);
  });

  it('is plain JSON', () => {
    const model = buildDataplaneModel(scenarioSnapshots('single-node/nodeport-masq'));
    expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  });
});
