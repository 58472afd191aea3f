import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../src/index.js';
import { as, local_, shared_ } from './helpers.js';

describe('ip addr', () => {
  it('reads interfaces and addresses (single-node lab)', () => {
    const s = as(shared_('single-node/clusterip/snapshot/node-ip-addr.txt'), 'ip-addr');
    const cni0 = s.data.interfaces.find((i) => i.name === 'cni0')!;
    expect(cni0.addresses.map((a) => `${a.ip}/${a.prefixLength}`)).toEqual([
      '10.233.65.1/24',
      '10.233.66.1/24',
      '10.233.67.1/24',
    ]);
    expect(s.data.interfaces.find((i) => i.name === 'eth0')).toMatchObject({
      mtu: 1500,
      state: 'UP',
      addresses: [{ ip: '192.168.56.12' }],
    });
    expect(s.data.interfaces.find((i) => i.name === 'veth3f2a9c1d')!.master).toBe('cni0');
  });

  it('reads a dump with a trailing ip route section, saying what it skipped', () => {
    const s = as(shared_('multi-node/multinode-vxlan/snapshot/netns-k8s-compute-01-ip.txt'), 'ip-addr');
    expect(s.data.interfaces.find((i) => i.name === 'flannel.1')!.addresses[0]!.ip).toBe('10.233.64.0');
    expect(s.skipped.map((x) => x.line)).toEqual([1, 22, 23, 24, 25, 26]);
  });

  it('reads ip -j addr with kube-ipvs0', () => {
    const s = as(local_('ipvs-cluster/worker-1-ip-j-addr.json'), 'ip-addr');
    const ipvs = s.data.interfaces.find((i) => i.name === 'kube-ipvs0')!;
    expect(ipvs.addresses.map((a) => a.ip)).toEqual([
      '10.96.0.1',
      '10.96.0.10',
      '10.104.5.7',
      '203.0.113.10',
      '10.100.9.9',
      'fd00:10:96::a',
    ]);
    expect(ipvs.state).toBe('DOWN');
  });
});

describe('ip route', () => {
  it('reads the two-node lab routes including the overlay', () => {
    const s = as(shared_('multi-node/multinode-vxlan/snapshot/k8s-compute-01-ip-route.txt'), 'ip-route');
    expect(s.data.routes.map((r) => [r.dst, r.via, r.dev])).toEqual([
      ['default', '192.168.56.1', 'eth0'],
      ['10.233.64.0/24', undefined, 'cni0'],
      ['10.233.65.0/24', '10.233.65.0', 'flannel.1'],
      ['192.168.56.0/24', undefined, 'eth0'],
    ]);
    expect(s.data.routes[2]!.flags).toEqual(['onlink']);
  });

  it('reads proto/metric/blackhole forms and ip -j route', () => {
    const text = as(local_('nft-cluster/nft-node-1-ip-route.txt'), 'ip-route');
    expect(text.data.routes[0]).toMatchObject({
      dst: 'default',
      via: '172.18.0.1',
      protocol: 'dhcp',
      src: '172.18.0.2',
      metric: 100,
    });
    expect(text.data.routes[4]).toMatchObject({ type: 'blackhole', dst: '10.96.0.0/12', protocol: 'static' });
    const json = as(local_('ipvs-cluster/worker-1-ip-j-route.json'), 'ip-route');
    expect(json.data.routes.map((r) => [r.dst, r.via ?? r.dev])).toEqual([
      ['default', '192.168.49.1'],
      ['10.244.0.0/24', 'cni0'],
      ['10.244.1.0/24', '10.244.1.0'],
      ['192.168.49.0/24', 'eth0'],
      ['10.96.0.0/12', undefined],
    ]);
  });
});

describe('ip neigh', () => {
  it('reads neighbour states, including the INCOMPLETE entry of a gone endpoint', () => {
    const s = as(shared_('single-node/diagnostics/snapshot/node-ip-neigh.txt'), 'ip-neigh');
    expect(s.data.neighbors.find((n) => n.ip === '10.233.67.250')).toMatchObject({
      dev: 'cni0',
      state: 'INCOMPLETE',
    });
    const multi = as(shared_('multi-node/multinode-vxlan/snapshot/k8s-compute-01-ip-neigh.txt'), 'ip-neigh');
    expect(multi.data.neighbors.find((n) => n.dev === 'flannel.1')).toMatchObject({
      ip: '10.233.65.0',
      state: 'PERMANENT',
    });
  });
});

describe('ip -j neigh', () => {
  it('reads the JSON form', () => {
    const text =
      '[{"dst":"10.233.67.99","dev":"cni0","lladdr":"ba:d6:be:a1:b0:26","state":["REACHABLE"]},' +
      '{"dst":"10.233.67.250","dev":"cni0","state":["INCOMPLETE"]},{"dst":"fe80::1","dev":"eth0","lladdr":"02:00:00:00:00:01","router":null,"state":["STALE"]}]';
    const s = as(parseSnapshot(text, { name: 'neigh.json' }), 'ip-neigh');
    expect(s.data.neighbors.map((n) => [n.ip, n.state, n.router ?? false])).toEqual([
      ['10.233.67.99', 'REACHABLE', false],
      ['10.233.67.250', 'INCOMPLETE', false],
      ['fe80::1', 'STALE', true],
    ]);
  });
});

describe('conntrack -L', () => {
  it('reads -o extended entries with DNAT to the backend (every lab scenario)', () => {
    const s = as(shared_('single-node/clusterip/conntrack-L-extended.txt'), 'conntrack');
    expect(s.data.entries).toHaveLength(20);
    expect(s.data.entries[0]).toMatchObject({
      family: 'ipv4',
      protocol: 'tcp',
      timeout: 115,
      state: 'TIME_WAIT',
      original: { src: '10.233.66.94', dst: '10.233.9.232', sport: 33218, dport: 80 },
      reply: { src: '10.233.66.111', dst: '10.233.66.94', sport: 80, dport: 33218 },
      flags: ['ASSURED'],
      mark: 0,
      dnat: true,
      snat: false,
    });
    const diag = as(shared_('single-node/diagnostics/conntrack-L-extended.txt'), 'conntrack');
    expect(diag.data.entries.find((e) => e.state === 'SYN_SENT')!.flags).toEqual(['UNREPLIED']);
    const masq = as(shared_('single-node/nodeport-masq/conntrack-L-extended.txt'), 'conntrack');
    expect(masq.data.entries.some((e) => e.dnat && e.snat)).toBe(true);
  });

  it('reads the plain format with UDP, ICMP, zones and the summary line', () => {
    const s = as(local_('nft-cluster/nft-node-1-conntrack-L.txt'), 'conntrack');
    expect(s.skipped).toEqual([]);
    expect(s.data.entries).toHaveLength(5);
    expect(s.data.entries[1]).toMatchObject({ protocol: 'udp', timeout: 29, dnat: true });
    expect(s.data.entries[1]!.state).toBeUndefined();
    expect(s.data.entries[2]).toMatchObject({
      dnat: true,
      snat: true,
      reply: { dst: '10.244.0.1', dport: 4521 },
    });
    expect(s.data.entries[3]).toMatchObject({
      protocol: 'icmp',
      original: { icmp: { type: 8, code: 0, id: 42 } },
      dnat: false,
    });
    expect(s.data.entries[4]).toMatchObject({ zone: 0, reply: { src: '172.18.0.2', sport: 6443 } });
  });
});

describe('ip -j addr (second input)', () => {
  it('reads a kind node with a bridge port and IPv6', () => {
    const s = as(local_('nft-cluster/nft-node-2-ip-j-addr.json'), 'ip-addr');
    expect(s.data.interfaces.map((i) => [i.name, i.addresses.map((a) => a.ip)])).toEqual([
      ['lo', ['127.0.0.1']],
      ['cni0', ['10.244.1.1']],
      ['veth4c1f8a2e', []],
      ['eth0', ['172.18.0.3', 'fc00:f853:ccd:e793::3']],
    ]);
    expect(s.data.interfaces[2]!.master).toBe('cni0');
  });
});

describe('ip -6 -j route', () => {
  it('reads IPv6 routes with metrics', () => {
    const v6 = as(local_('ipvs-cluster/worker-1-ip-6-j-route.json'), 'ip-route');
    expect(v6.data.routes.map((r) => [r.dst, r.via, r.metric])).toEqual([
      ['fd00:10:244::/64', undefined, 256],
      ['fd00:10:244:1::/64', 'fd00:c0a8:3100::3', 1024],
      ['fe80::/64', undefined, 256],
      ['default', 'fe80::1', 1024],
    ]);
  });
});

describe('conntrack -L on an IPVS node', () => {
  it('reads plain entries with IPv6 and SCTP', () => {
    const s = as(local_('ipvs-cluster/worker-1-conntrack-L.txt'), 'conntrack');
    expect(s.data.entries.map((e) => [e.protocol, e.original.dst, e.reply.src, e.dnat, e.snat])).toEqual([
      ['tcp', '10.104.5.7', '10.244.1.9', true, false],
      ['tcp', '203.0.113.10', '10.244.0.5', true, false],
      ['udp', '10.96.0.10', '10.244.0.3', true, false],
      ['tcp', 'fd00:10:96::a', 'fd00:10:244::2', true, false],
      ['sctp', '10.100.9.9', '10.244.1.20', true, false],
    ]);
  });
});
