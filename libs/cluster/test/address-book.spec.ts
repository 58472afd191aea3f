import { describe, expect, it } from 'vitest';
import {
  addressBookFromData,
  buildAddressBook,
  parseSnapshot,
  type AddressBookData,
  type Protocol,
} from '../src/index.js';
import { as, local_, SCENARIOS, scenarioSnapshots, shared_, sharedJson, sharedText } from './helpers.js';

interface Connection {
  proto: Protocol;
  client: string;
  service: string;
  service_name: string;
  backend: string | null;
  backend_pod: string | null;
  backend_node?: string;
  snat_as_seen_by_backend: string | null;
}

interface Topology {
  pods: { name: string; ip: string }[];
  ext_client?: { ip: string };
  node?: { name: string; bridge_addrs: string[] };
  nodes?: { name: string; bridge_addrs: string[] }[];
}

function split(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}

describe('the address book resolves every IP in the lab ground truth', () => {
  it.each(SCENARIOS)('%s', (scenario) => {
    const book = buildAddressBook(scenarioSnapshots(scenario));
    const truth = sharedJson<{ connections: Connection[] }>(`${scenario}/ground-truth.json`);
    // The lab's own description, independent of the snapshots, says who owns each address.
    const topology = sharedJson<Topology>(`${scenario.split('/')[0]}/topology.json`);
    const podByIp = new Map(topology.pods.map((p) => [p.ip, p.name]));
    const nodes = topology.nodes ?? [topology.node!];
    const nodeByBridge = new Map(nodes.flatMap((n) => n.bridge_addrs.map((a) => [a.split('/')[0]!, n.name])));

    expect(book.conflicts).toEqual([]);
    expect(truth.connections.length).toBeGreaterThan(0);
    for (const c of truth.connections) {
      const [clientIp, clientPort] = split(c.client);
      const client = book.lookup(clientIp, clientPort, c.proto);
      if (clientIp === topology.ext_client?.ip) {
        // The NodePort test client is a host outside the cluster: no snapshot names it.
        expect(client, c.client).toBeUndefined();
      } else {
        expect(client, c.client).toMatchObject({
          kind: 'Pod',
          name: `network-test/${podByIp.get(clientIp)}`,
        });
      }

      const [vip, port] = split(c.service);
      const service = book.lookup(vip, port, c.proto);
      expect(service, c.service).toMatchObject({ kind: 'Service', serviceName: c.service_name });
      expect(service!.sources).toContain('kubectl-get-svc-pods-endpointslices-nodes.json');

      if (c.backend) {
        const [ip, bport] = split(c.backend);
        const backend = book.lookup(ip, bport, c.proto);
        expect(backend, c.backend).toMatchObject({
          kind: 'Pod',
          role: 'pod-ip',
          name: `network-test/${c.backend_pod}`,
        });
        if (c.backend_node) expect(backend!.node).toBe(c.backend_node);
      }
      if (c.snat_as_seen_by_backend) {
        const [ip] = split(c.snat_as_seen_by_backend);
        // Masquerade rewrites to the node's bridge address, which only `ip addr` of the node names.
        expect(book.lookup(ip), c.snat_as_seen_by_backend).toMatchObject({
          kind: 'Node',
          name: nodeByBridge.get(ip),
          role: 'node-interface',
          sources: ['node-ip-addr.txt'],
        });
      }
    }
  });
});

describe('address book lookups', () => {
  const kubectl = local_('ipvs-cluster/kubectl-get-all.yaml');
  const addr = local_('ipvs-cluster/worker-1-ip-j-addr.json');
  const book = buildAddressBook([kubectl, addr]);

  it('answers a NodePort on a node address with the Service, and the bare address with the Node', () => {
    expect(book.lookup('192.168.49.2', 30080, 'tcp')).toMatchObject({
      kind: 'Service',
      role: 'node-port',
      serviceName: 'shop/web:http',
      servicePort: { port: 80, nodePort: 30080 },
    });
    expect(book.lookup('192.168.49.2', 22, 'tcp')).toMatchObject({
      kind: 'Node',
      name: 'worker-1',
      role: 'node-internal-ip',
    });
    expect(book.lookup('198.51.100.21')).toMatchObject({
      kind: 'Node',
      name: 'worker-1',
      role: 'node-external-ip',
    });
  });

  it('answers LoadBalancer ingress IPs, dual-stack VIPs and IPv6 in any spelling', () => {
    expect(book.lookup('203.0.113.10', 80, 'tcp')).toMatchObject({
      kind: 'LoadBalancer',
      role: 'load-balancer-ip',
      name: 'shop/web',
      serviceName: 'shop/web:http',
    });
    expect(book.lookup('FD00:10:96:0::A', 53, 'udp')).toMatchObject({
      kind: 'Service',
      serviceName: 'kube-system/kube-dns:dns',
    });
    expect(book.lookup('fd00:10:96::a', 53, 'tcp')!.serviceName).toBe('kube-system/kube-dns:dns-tcp');
    expect(book.lookup('fd00:10:244::2')).toMatchObject({
      kind: 'Pod',
      name: 'kube-system/coredns-5d78c9869d-8wq4t',
    });
  });

  it('gives the node its address back from host-network pods and ignores kube-ipvs0 VIPs as node addresses', () => {
    expect(book.lookupAll('192.168.49.2').map((m) => m.kind)).toEqual(['Node']);
    expect(book.lookupAll('10.96.0.10').map((m) => m.kind)).toEqual(['Service']);
    expect(book.lookup('10.244.0.1')).toMatchObject({
      kind: 'Node',
      name: 'worker-1',
      role: 'node-interface',
    });
  });

  it('names pods known only from EndpointSlices', () => {
    expect(book.lookup('10.244.1.10', 8080)).toMatchObject({
      kind: 'Pod',
      name: 'shop/web-7d9f8b6c5-zq7wd',
      node: 'worker-2',
    });
  });

  it('is plain JSON', () => {
    const json = JSON.parse(JSON.stringify(book));
    expect(json).toEqual(book.toJSON());
    expect(Object.keys(json)).toEqual([
      'services',
      'pods',
      'nodes',
      'loadBalancers',
      'conflicts',
      'notes',
      'addresses',
    ]);
    expect(json.services.find((s: { name: string }) => s.name === 'web').sources).toEqual([
      'kubectl-get-all.yaml',
    ]);
  });

  it('answers the same after a round trip through JSON', () => {
    const restored = addressBookFromData(JSON.parse(JSON.stringify(book)) as AddressBookData);
    for (const [ip, port] of [
      ['192.168.49.2', 30080],
      ['192.168.49.2', 22],
      ['203.0.113.10', 80],
      ['10.244.1.10', 8080],
      ['fd00:10:96::a', 53],
    ] as const) {
      expect(restored.lookupAll(ip, port, 'tcp')).toEqual(book.lookupAll(ip, port, 'tcp'));
    }
  });

  it('names Services from kube-proxy rules alone, without kubectl', () => {
    const rulesOnly = buildAddressBook([
      shared_('single-node/nodeport-masq/snapshot/node-iptables-save.txt'),
    ]);
    expect(rulesOnly.lookup('10.233.9.232', 80, 'tcp')).toMatchObject({
      kind: 'Service',
      serviceName: 'network-test/nginx:http',
      sources: ['node-iptables-save.txt'],
    });
    expect(rulesOnly.services.find((s) => s.name === 'nginx-nodeport')!.ports).toEqual([
      { name: 'http', port: 80, protocol: 'tcp', nodePort: 30080 },
    ]);
    const nft = buildAddressBook([local_('nft-cluster/nft-node-1-nft-list-ruleset.txt')]);
    expect(nft.lookup('10.96.44.201', 443, 'tcp')!.serviceName).toBe('shop/legacy-api:https');
  });

  it('notes an ip addr it cannot attribute to a node instead of guessing', () => {
    const b = buildAddressBook([shared_('single-node/clusterip/snapshot/netns-pod1-ip.txt')]);
    expect(b.notes).toEqual([expect.stringContaining('netns-pod1-ip.txt: ip addr from an unknown node')]);
    expect(b.lookup('10.233.65.212')).toBeUndefined();
  });
});

describe('shared addresses', () => {
  it('a Service using a node address as external IP is not a conflict; the port decides', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: v1, kind: Node, metadata: {name: n1}, status: {addresses: [{type: InternalIP, address: 192.168.1.10}]}}',
      '- apiVersion: v1',
      '  kind: Service',
      '  metadata: {name: ingress, namespace: edge}',
      '  spec:',
      '    clusterIP: 10.96.7.7',
      '    externalIPs: [192.168.1.10]',
      '    ports: [{name: https, port: 443, protocol: TCP}]',
      '  status: {loadBalancer: {ingress: [{ip: 192.168.1.10}]}}',
    ].join('\n');
    const book = buildAddressBook([parseSnapshot(yaml, { name: 'svc.yaml' })]);
    expect(book.conflicts).toEqual([]);
    expect(book.lookup('192.168.1.10', 443, 'tcp')).toMatchObject({
      kind: 'Service',
      serviceName: 'edge/ingress:https',
    });
    expect(book.lookup('192.168.1.10', 22, 'tcp')).toMatchObject({ kind: 'Node', name: 'n1' });
  });
});

describe('a Service with its single port unnamed', () => {
  it('is named namespace/name by kubectl and by the kube-proxy comment `namespace/name:` alike', () => {
    const kubectl = parseSnapshot(
      '{"kind":"Service","apiVersion":"v1","metadata":{"name":"echo","namespace":"demo"},"spec":{"clusterIP":"10.96.5.5","ports":[{"port":7,"protocol":"TCP"}]}}',
      { name: 'svc.json' },
    );
    const rules = parseSnapshot(
      [
        '*nat',
        '-A KUBE-SERVICES -d 10.96.5.5/32 -p tcp -m comment --comment "demo/echo: cluster IP" -m tcp --dport 7 -j KUBE-SVC-AAAAAAAAAAAAAAAA',
        '-A KUBE-SVC-AAAAAAAAAAAAAAAA -m comment --comment "demo/echo: -> 10.244.0.9:7" -j KUBE-SEP-BBBBBBBBBBBBBBBB',
        '-A KUBE-SEP-BBBBBBBBBBBBBBBB -p tcp -m comment --comment "demo/echo:" -m tcp -j DNAT --to-destination 10.244.0.9:7',
        'COMMIT',
      ].join('\n'),
      { name: 'rules.txt' },
    );
    const book = buildAddressBook([kubectl, rules]);
    expect(book.conflicts).toEqual([]);
    expect(book.lookup('10.96.5.5', 7, 'tcp')).toMatchObject({
      serviceName: 'demo/echo',
      sources: ['svc.json', 'rules.txt'],
    });
    expect(as(rules, 'iptables-save').data.services[0]!.service).toBe('demo/echo');
  });
});

describe('pods known only from EndpointSlices', () => {
  it('a dual-stack pod in two slices, and a host-network endpoint on a node address', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: v1, kind: Node, metadata: {name: n1}, status: {addresses: [{type: InternalIP, address: 192.168.1.10}]}}',
      '- apiVersion: discovery.k8s.io/v1',
      '  kind: EndpointSlice',
      '  metadata: {name: dns-v4, namespace: kube-system, labels: {kubernetes.io/service-name: dns}}',
      '  addressType: IPv4',
      '  endpoints: [{addresses: [10.244.0.2], nodeName: n1, targetRef: {kind: Pod, name: coredns-1, namespace: kube-system}}]',
      '- apiVersion: discovery.k8s.io/v1',
      '  kind: EndpointSlice',
      '  metadata: {name: dns-v6, namespace: kube-system, labels: {kubernetes.io/service-name: dns}}',
      '  addressType: IPv6',
      '  endpoints: [{addresses: ["fd00::2"], nodeName: n1, targetRef: {kind: Pod, name: coredns-1, namespace: kube-system}}]',
      '- apiVersion: discovery.k8s.io/v1',
      '  kind: EndpointSlice',
      '  metadata: {name: node-exporter-x, namespace: monitoring, labels: {kubernetes.io/service-name: node-exporter}}',
      '  addressType: IPv4',
      '  endpoints: [{addresses: [192.168.1.10], nodeName: n1, targetRef: {kind: Pod, name: node-exporter-abc, namespace: monitoring}}]',
      '  ports: [{name: metrics, port: 9100, protocol: TCP}]',
    ].join('\n');
    const book = buildAddressBook([parseSnapshot(yaml, { name: 'slices.yaml' })]);
    expect(book.conflicts).toEqual([]);
    expect(book.pods.find((p) => p.name === 'coredns-1')!.ips).toEqual(['10.244.0.2', 'fd00::2']);
    expect(book.lookup('fd00::2')).toMatchObject({ kind: 'Pod', name: 'kube-system/coredns-1' });
    expect(book.lookupAll('192.168.1.10').map((m) => m.kind)).toEqual(['Node', 'Pod']);
  });
});

describe('conflicting facts are reported, not overwritten', () => {
  const text = sharedText('single-node/clusterip/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json');

  it('two kubectl snapshots disagree on a ClusterIP', () => {
    const older = parseSnapshot(text.replace(/10\.233\.9\.232/g, '10.233.9.200'), { name: 'yesterday.json' });
    const book = buildAddressBook([
      shared_('single-node/clusterip/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json'),
      older,
    ]);
    expect(book.conflicts).toContainEqual(
      expect.objectContaining({
        subject: 'Service network-test/nginx',
        field: 'clusterIPs',
        claims: [
          { value: '10.233.9.232', sources: ['kubectl-get-svc-pods-endpointslices-nodes.json'] },
          { value: '10.233.9.200', sources: ['yesterday.json'] },
        ],
      }),
    );
    // Both addresses still resolve, each to the Service, each with its own source.
    expect(book.lookup('10.233.9.200', 80)!.sources).toEqual(['yesterday.json']);
  });

  it('an IP claimed by two entities', () => {
    const stolen = parseSnapshot(
      text
        .replace('"podIP": "10.233.66.94"', '"podIP": "10.233.67.86"')
        .replace('"ip": "10.233.66.94"', '"ip": "10.233.67.86"'),
      {
        name: 'stolen.json',
      },
    );
    const book = buildAddressBook([stolen]);
    const c = book.conflicts.find((x) => x.ip === '10.233.67.86')!;
    expect(c.claims.map((x) => x.value)).toEqual([
      'Pod/network-test/client-pod',
      'Pod/network-test/nginx-54c98b4f84-p9w4d',
    ]);
    expect(book.lookupAll('10.233.67.86')).toHaveLength(2);
  });

  it('kube-proxy rules programming a VIP kubectl does not list', () => {
    const rules = parseSnapshot(
      sharedText('single-node/clusterip/snapshot/node-iptables-save.txt').replace(
        '-d 10.233.9.232/32',
        '-d 10.233.9.99/32',
      ),
      { name: 'iptables.txt' },
    );
    const book = buildAddressBook([
      shared_('single-node/clusterip/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json'),
      rules,
    ]);
    expect(book.conflicts).toContainEqual(
      expect.objectContaining({
        ip: '10.233.9.99',
        subject: 'Service network-test/nginx',
        field: 'clusterIPs',
      }),
    );
  });
});
