// A small Kubernetes-shaped cluster out of network namespaces, for test/capture.test.ts: nodes
// with a cni0 bridge and kube-proxy-style iptables DNAT (two nodes joined by flannel-style VXLAN),
// a client pod, and backend pods answering HTTP with their own name. The rules and the kubectl
// List come from ../shared/lab/lib/lab.py (the lab the fixtures were recorded with); the
// namespaces carry a random prefix and are all removed by dispose(), on process exit too.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from './fixtures.js';

const LAB = `${sharedDir}lab/lib/`;
export const STANDIN = new URL('./kubectl-standin.sh', import.meta.url).pathname;

export interface LabPod {
  key: string;
  name: string;
  node: string;
  netns: string;
  ip: string;
  body: string | null;
}

export interface NetnsCluster {
  prefix: string;
  namespace: string;
  vip: string;
  nodes: { name: string; netns: string }[];
  pods: LabPod[];
  client: LabPod;
  backends: LabPod[];
  /** The stand-in's directory (list.json, map, calls.log): NATLENS_STANDIN_DIR. */
  standinDir: string;
  netnsNames(): string[];
  dispose(): void;
}

const live = new Set<NetnsCluster>();
process.on('exit', () => {
  for (const c of live) c.dispose();
});

/** Are network namespaces, iptables, conntrack and tcpdump usable here (root, tools installed)? */
export function canBuildNetnsCluster(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    for (const tool of ['ip', 'iptables-restore', 'conntrack', 'tcpdump', 'jq', 'curl', 'python3'])
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    readFileSync(`${LAB}lab.py`);
    return true;
  } catch {
    return false;
  }
}

export function buildNetnsCluster(nodeCount: 1 | 2): NetnsCluster {
  const prefix = `nl${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `natlens-${prefix}-`));
  const nodes = [
    {
      name: 'k8s-compute-01',
      netns: `${prefix}-n1`,
      ip: '192.168.56.11',
      cidr: '10.233.64',
      mac: '5a:1c:7e:33:0b:01',
    },
    {
      name: 'k8s-compute-02',
      netns: `${prefix}-n2`,
      ip: '192.168.56.12',
      cidr: '10.233.65',
      mac: '5a:1c:7e:33:0b:02',
    },
  ].slice(0, nodeCount);
  const second = nodes[nodeCount - 1];
  const pod = (key: string, name: string, node: typeof second, host: number, body: string | null) => ({
    key,
    name,
    node: node.name,
    nodeNetns: node.netns,
    netns: `${prefix}-${key}`,
    ip: `${node.cidr}.${host}`,
    gw: `${node.cidr}.1`,
    body,
  });
  const raw = [
    pod('client', 'client-pod', nodes[0], 94, null),
    pod('pod1', 'nginx-54c98b4f84-ftvlg', nodes[0], 212, null),
    pod('pod2', 'nginx-54c98b4f84-7xk2m', second, 111, null),
    pod('pod3', 'nginx-54c98b4f84-p9w4d', second, 86, null),
  ].map((p) => ({ ...p, body: p.key === 'client' ? null : `Backend ${p.name} (${p.node})` }));
  const topology = {
    scenario: 'natlens-capture-test',
    k8s_namespace: 'network-test',
    netns_prefix: `${prefix}-`,
    cluster: { service_cidr: '10.233.0.0/18', pod_cidr: '10.233.64.0/18', kube_proxy_mode: 'iptables' },
    lb_mode: 'nth',
    underlay: { netns: `${prefix}-ul`, bridge: 'br-underlay', prefix: 24 },
    vxlan: { device: 'flannel.1', vni: 1, dstport: 8472, mtu: 1450, learning: false },
    nodes: nodes.map((n) => ({
      name: n.name,
      netns: n.netns,
      internal_ip: n.ip,
      pod_cidr: `${n.cidr}.0/24`,
      bridge: 'cni0',
      bridge_addrs: [`${n.cidr}.1/24`],
      uplink: 'eth0',
      vtep_mac: n.mac,
    })),
    pods: raw.map((p, i) => ({
      key: p.key,
      node: p.node,
      name: p.name,
      netns: p.netns,
      ip: p.ip,
      gw: p.gw,
      host_veth: `veth${i}${prefix}`.slice(0, 15),
      labels:
        p.key === 'client' ? { run: 'client-pod' } : { app: 'nginx', 'pod-template-hash': '54c98b4f84' },
      image: 'nginx:1.25.3',
      serve: p.key === 'client' ? 'none' : 'http',
      port: 80,
      body: p.body ?? undefined,
      owner_rs: p.key === 'client' ? undefined : 'nginx-54c98b4f84',
    })),
    services: [
      {
        name: 'nginx',
        type: 'ClusterIP',
        cluster_ip: '10.233.9.232',
        port: 80,
        protocol: 'TCP',
        port_name: 'http',
        target_port: 80,
        selector: { app: 'nginx' },
        endpoints: ['pod1', 'pod2', 'pod3'],
        role: 'main',
      },
    ],
  };
  const topoFile = join(dir, 'topology.json');
  writeFileSync(topoFile, JSON.stringify(topology, null, 2));
  const labEnv = { ...process.env, LAB_TOPOLOGY: topoFile };
  const py = (...args: string[]) => execFileSync('python3', [`${LAB}lab.py`, ...args], { env: labEnv });

  const servers: ChildProcess[] = [];
  const allNetns = [
    ...nodes.map((n) => n.netns),
    ...raw.map((p) => p.netns),
    ...(nodeCount > 1 ? [`${prefix}-ul`] : []),
  ];
  let disposed = false;
  const cluster: NetnsCluster = {
    prefix,
    namespace: 'network-test',
    vip: '10.233.9.232',
    nodes: nodes.map((n) => ({ name: n.name, netns: n.netns })),
    pods: raw.map((p) => ({
      key: p.key,
      name: p.name,
      node: p.node,
      netns: p.netns,
      ip: p.ip,
      body: p.body,
    })),
    get client() {
      return this.pods[0];
    },
    get backends() {
      return this.pods.slice(1);
    },
    standinDir: dir,
    netnsNames: () => allNetns,
    dispose() {
      if (disposed) return;
      disposed = true;
      live.delete(cluster);
      for (const s of servers) s.kill('SIGKILL');
      for (const ns of allNetns) {
        try {
          execFileSync(
            'sh',
            ['-c', `for p in $(ip netns pids ${ns} 2>/dev/null); do kill -KILL $p; done; ip netns del ${ns}`],
            {
              stdio: 'ignore',
            },
          );
        } catch {
          // not there
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(cluster);

  const script: string[] = ['set -e'];
  const sh = (line: string) => script.push(line);
  const nsx = (ns: string, line: string) => sh(`ip netns exec ${ns} ${line}`);
  const base = (ns: string) => {
    sh(`ip netns add ${ns}`);
    nsx(ns, 'ip link set lo up');
    nsx(ns, 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1');
  };
  if (nodeCount > 1) {
    base(`${prefix}-ul`);
    nsx(`${prefix}-ul`, 'ip link add br-underlay type bridge');
    nsx(`${prefix}-ul`, 'ip link set br-underlay up');
  }
  nodes.forEach((n, i) => {
    base(n.netns);
    nsx(
      n.netns,
      'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 ' +
        'net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0',
    );
    nsx(n.netns, 'ip link add cni0 type bridge');
    nsx(n.netns, `ip addr add ${n.cidr}.1/24 dev cni0`);
    if (nodeCount > 1) nsx(n.netns, 'ip link set cni0 mtu 1450');
    nsx(n.netns, 'ip link set cni0 up');
    if (nodeCount > 1) {
      const ul = `${prefix}-ul`;
      sh(`ip link add ${prefix}u${i} netns ${ul} type veth peer name ${prefix}e${i} netns ${n.netns}`);
      nsx(ul, `ip link set ${prefix}u${i} master br-underlay up`);
      nsx(n.netns, `ip link set ${prefix}e${i} name eth0`);
      nsx(n.netns, `ip addr add ${n.ip}/24 dev eth0`);
      nsx(n.netns, 'ip link set eth0 up');
      nsx(
        n.netns,
        `ip link add flannel.1 address ${n.mac} type vxlan id 1 local ${n.ip} dev eth0 dstport 8472 nolearning`,
      );
      nsx(n.netns, 'ip link set flannel.1 mtu 1450');
      nsx(n.netns, `ip addr add ${n.cidr}.0/32 dev flannel.1`);
      nsx(n.netns, 'ip link set flannel.1 up');
    }
  });
  if (nodeCount > 1)
    for (const n of nodes)
      for (const p of nodes) {
        if (p === n) continue;
        nsx(n.netns, `ip route add ${p.cidr}.0/24 via ${p.cidr}.0 dev flannel.1 onlink`);
        nsx(n.netns, `ip neigh replace ${p.cidr}.0 lladdr ${p.mac} dev flannel.1 nud permanent`);
        nsx(n.netns, `bridge fdb append ${p.mac} dev flannel.1 dst ${p.ip} self permanent`);
      }
  raw.forEach((p, i) => {
    const veth = topology.pods[i].host_veth;
    base(p.netns);
    sh(`ip link add ${prefix}h${i} netns ${p.nodeNetns} type veth peer name ${prefix}p${i} netns ${p.netns}`);
    nsx(p.nodeNetns, `ip link set ${prefix}h${i} name ${veth}`);
    if (nodeCount > 1) {
      nsx(p.nodeNetns, `ip link set ${veth} mtu 1450`);
      nsx(p.netns, `ip link set ${prefix}p${i} mtu 1450`);
    }
    nsx(p.nodeNetns, `ip link set ${veth} master cni0 up`);
    nsx(p.netns, `ip link set ${prefix}p${i} name eth0`);
    nsx(p.netns, `ip addr add ${p.ip}/32 dev eth0`);
    nsx(p.netns, 'ip link set eth0 up');
    nsx(p.netns, `ip route add ${p.gw} dev eth0 scope link`);
    nsx(p.netns, `ip route add default via ${p.gw} dev eth0`);
  });
  const rules = join(dir, 'rules.v4');
  writeFileSync(rules, py('rules', 'nth'));
  for (const n of nodes) nsx(n.netns, `iptables-restore < ${rules}`);
  try {
    execFileSync('bash', ['-c', script.join('\n')], { stdio: ['ignore', 'ignore', 'pipe'] });
    for (const p of raw.slice(1)) {
      const server = spawn(
        'ip',
        ['netns', 'exec', p.netns, 'python3', `${LAB}servers.py`, 'http', p.ip, '80', p.body!],
        {
          stdio: 'ignore',
        },
      );
      servers.push(server);
    }
    // Ready when the client's node reaches every backend directly (not through the Service: the
    // nth counters stay at 0), then an empty conntrack table.
    execFileSync(
      'bash',
      [
        '-c',
        raw
          .slice(1)
          .map(
            (p) =>
              `for i in $(seq 100); do ip netns exec ${nodes[0].netns} curl -s -m 1 -o /dev/null http://${p.ip}/ && break; sleep 0.1; done`,
          )
          .join('\n') +
          nodes.map((n) => `\nip netns exec ${n.netns} conntrack -F 2>/dev/null || true`).join(''),
      ],
      { stdio: 'ignore' },
    );
    py('snapshot', dir);
    const list = JSON.parse(
      readFileSync(join(dir, 'snapshot/kubectl-get-svc-pods-endpointslices-nodes.json'), 'utf8'),
    );
    writeFileSync(join(dir, 'list.json'), JSON.stringify(list));
    writeFileSync(
      join(dir, 'map'),
      [
        ...nodes.map((n) => `node/${n.name} ${n.netns}`),
        ...raw.map((p) => `pod/network-test/${p.name} ${p.netns}`),
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'calls.log'), '');
  } catch (error) {
    cluster.dispose();
    throw error;
  }
  return cluster;
}
