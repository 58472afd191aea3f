import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../src/index.js';
import { as, local_, shared_, sharedText } from './helpers.js';

describe('kubectl JSON (shared lab fixtures)', () => {
  it('reads a List mixing Services, Pods, EndpointSlices and Nodes', () => {
    const s = as(
      shared_('single-node/diagnostics/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json'),
      'kubectl',
    );
    expect(s.skipped).toEqual([]);
    expect(s.data.services.map((x) => x.name)).toEqual([
      'nginx',
      'nginx-nodeport',
      'nginx-noep',
      'nginx-noep-rst',
      'nginx-hung',
      'nginx-gone',
      'dns-echo',
    ]);
    const np = s.data.services.find((x) => x.name === 'nginx-nodeport')!;
    expect(np).toMatchObject({
      type: 'NodePort',
      clusterIPs: ['10.233.31.180'],
      externalTrafficPolicy: 'Cluster',
    });
    expect(np.ports).toEqual([{ name: 'http', port: 80, protocol: 'tcp', targetPort: 80, nodePort: 30080 }]);
    expect(s.data.services.find((x) => x.name === 'dns-echo')!.ports[0]!.protocol).toBe('udp');

    const pod = s.data.pods.find((p) => p.name === 'nginx-54c98b4f84-p9w4d')!;
    expect(pod).toMatchObject({
      namespace: 'network-test',
      node: 'k8s-compute-02',
      ips: ['10.233.67.86'],
      ready: true,
      hostNetwork: false,
      owner: { kind: 'ReplicaSet', name: 'nginx-54c98b4f84' },
    });
    expect(s.data.nodes).toEqual([
      {
        name: 'k8s-compute-02',
        internalIPs: ['192.168.56.12'],
        externalIPs: [],
        podCIDRs: ['10.233.66.0/24'],
        ready: true,
      },
    ]);
    const noep = s.data.endpointSlices.find((e) => e.service === 'nginx-noep')!;
    expect(noep.endpoints).toEqual([]);
    const gone = s.data.endpointSlices.find((e) => e.service === 'nginx-gone')!;
    expect(gone.endpoints[0]).toMatchObject({
      addresses: ['10.233.67.250'],
      ready: true,
      nodeName: 'k8s-compute-02',
    });
  });

  it('reads per-kind lists from the two-node cluster', () => {
    const pods = as(shared_('multi-node/multinode-vxlan/snapshot/kubectl-get-pods.json'), 'kubectl');
    expect(pods.data.pods.map((p) => [p.name, p.node, p.ips[0]])).toEqual([
      ['client-pod', 'k8s-compute-01', '10.233.64.94'],
      ['nginx-54c98b4f84-ftvlg', 'k8s-compute-01', '10.233.64.212'],
      ['nginx-54c98b4f84-7xk2m', 'k8s-compute-02', '10.233.65.111'],
      ['nginx-54c98b4f84-p9w4d', 'k8s-compute-02', '10.233.65.86'],
    ]);
    const nodes = as(shared_('multi-node/multinode-vxlan/snapshot/kubectl-get-nodes.json'), 'kubectl');
    expect(nodes.data.nodes.map((n) => [n.name, n.internalIPs, n.podCIDRs])).toEqual([
      ['k8s-compute-01', ['192.168.56.11'], ['10.233.64.0/24']],
      ['k8s-compute-02', ['192.168.56.12'], ['10.233.65.0/24']],
    ]);
  });
});

describe('kubectl JSON as a bare array', () => {
  it('reads the items of a List piped through jq', () => {
    const list = JSON.parse(
      sharedText('multi-node/multinode-vxlan/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json'),
    ) as { items: unknown[] };
    const s = as(parseSnapshot(JSON.stringify(list.items, null, 2), { name: 'items.json' }), 'kubectl');
    expect([
      s.data.services.length,
      s.data.pods.length,
      s.data.endpointSlices.length,
      s.data.nodes.length,
    ]).toEqual([1, 4, 1, 2]);
  });
});

describe('kubectl YAML (local fixtures)', () => {
  it('reads a kind: List with LoadBalancer, dual-stack and terminating endpoints, skipping other kinds', () => {
    const s = as(local_('ipvs-cluster/kubectl-get-all.yaml'), 'kubectl');
    const web = s.data.services.find((x) => x.name === 'web')!;
    expect(web).toMatchObject({
      namespace: 'shop',
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      loadBalancerIngress: [{ ip: '203.0.113.10' }],
    });
    expect(s.data.services.find((x) => x.name === 'kube-dns')!.clusterIPs).toEqual([
      '10.96.0.10',
      'fd00:10:96::a',
    ]);
    const slice = s.data.endpointSlices.find((e) => e.name === 'web-4fj8s')!;
    expect(slice.endpoints.map((e) => [e.addresses[0], e.ready, e.serving, e.terminating])).toEqual([
      ['10.244.0.5', true, true, false],
      ['10.244.1.9', true, true, false],
      ['10.244.1.10', false, true, true],
    ]);
    // The default/kubernetes slice omits serving/terminating: the API defaults apply.
    expect(s.data.endpointSlices.find((e) => e.name === 'kubernetes')!.endpoints[0]).toMatchObject({
      ready: true,
      serving: true,
      terminating: false,
    });
    expect(s.data.nodes.find((n) => n.name === 'worker-1')!.externalIPs).toEqual(['198.51.100.21']);
    expect(s.data.pods.find((p) => p.name === 'kube-proxy-7xw2s')!.hostNetwork).toBe(true);
    expect(s.skipped).toEqual([
      { line: expect.any(Number), path: 'items[14]', reason: 'kind ConfigMap is not used by natlens' },
    ]);
    expect(s.skipped[0]!.line).toBe(307);
  });

  it('reads multi-document YAML and converts legacy Endpoints into endpoint slices', () => {
    const s = as(local_('nft-cluster/kubectl-get-all.yaml'), 'kubectl');
    expect(s.data.services.map((x) => `${x.namespace}/${x.name}`)).toEqual([
      'default/kubernetes',
      'kube-system/kube-dns',
      'shop/web',
      'shop/legacy-api',
    ]);
    expect(s.data.endpointSlices.find((e) => e.from === 'Endpoints')).toMatchObject({
      service: 'kubernetes',
      namespace: 'default',
      ports: [{ name: 'https', port: 6443, protocol: 'tcp' }],
      endpoints: [{ addresses: ['172.18.0.2'], ready: true }],
    });
  });
});

describe('kube-proxy ConfigMap', () => {
  it('reads mode, scheduler and cluster CIDR from YAML (ipvs)', () => {
    const s = as(local_('ipvs-cluster/kube-proxy-configmap.yaml'), 'kube-proxy-config');
    expect(s.data).toMatchObject({
      mode: 'ipvs',
      ipvsScheduler: 'rr',
      ipvsStrictARP: true,
      masqueradeAll: false,
      clusterCIDR: '10.244.0.0/16,fd00:10:244::/56',
    });
  });

  it('reads JSON (nftables) and defaults an empty mode to iptables', () => {
    const s = as(local_('nft-cluster/kube-proxy-configmap.json'), 'kube-proxy-config');
    expect(s.data).toMatchObject({ mode: 'nftables', masqueradeAll: false, nodePortAddresses: ['primary'] });
    const bare = as(
      local_('nft-cluster/kube-proxy-configmap.json', { kind: 'kube-proxy-config' }),
      'kube-proxy-config',
    );
    expect(bare.data.mode).toBe('nftables');
  });
});
