import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../src/index.js';
import { as, local_, shared_, sharedText } from './helpers.js';

const third = (x: number) => expect(x).toBeCloseTo(1 / 3, 6);

describe('iptables-save', () => {
  it('reads kube-proxy services, frontends, SEP backends with shares and REJECTs (single node)', () => {
    const s = as(shared_('single-node/diagnostics/snapshot/node-iptables-save.txt'), 'iptables-save');
    expect(s.skipped).toEqual([]);
    expect(s.data.tables.map((t) => t.name)).toEqual(['filter', 'nat']);
    const nginx = s.data.services.find((x) => x.service === 'network-test/nginx:http')!;
    expect(nginx).toMatchObject({ hash: 'MHAZTHACS62N2UUN', protocol: 'tcp' });
    expect(nginx.frontends).toEqual([
      {
        kind: 'ClusterIP',
        ip: '10.233.9.232',
        port: 80,
        line: 80,
        // `! -s 10.233.64.0/18 … -j KUBE-MARK-MASQ`: only traffic from outside the pod network is masqueraded.
        masquerade: { when: 'source-outside', cidr: '10.233.64.0/18', line: 90 },
      },
    ]);
    expect(nginx.backends.map((b) => `${b.ip}:${b.port}`)).toEqual([
      '10.233.65.212:80',
      '10.233.66.111:80',
      '10.233.67.86:80',
    ]);
    nginx.backends.forEach((b) => third(b.share));
    const np = s.data.services.find((x) => x.service === 'network-test/nginx-nodeport:http')!;
    expect(np.frontends.map((f) => [f.kind, f.ip, f.port])).toEqual([
      ['ClusterIP', '10.233.31.180', 80],
      ['NodePort', undefined, 30080],
    ]);
    // traffic policy Cluster: KUBE-EXT-* masquerades every NodePort connection.
    expect(np.frontends[1]!.masquerade).toEqual({ when: 'always', line: 55 });
    expect(s.data.services.find((x) => x.service === 'network-test/dns-echo:dns')).toMatchObject({
      protocol: 'udp',
      backends: [{ ip: '10.233.67.53', port: 53, share: 1 }],
    });
    expect(s.data.services.find((x) => x.service === 'network-test/nginx-noep:http')).toMatchObject({
      backends: [],
      rejected: { how: 'icmp-port-unreachable', line: 23 },
    });
    expect(s.data.services.find((x) => x.service === 'network-test/nginx-noep-rst:http')!.rejected!.how).toBe(
      'tcp-reset',
    );
  });

  it('reads round-robin (statistic nth) rules and counters (two-node lab)', () => {
    const s = as(
      shared_('multi-node/multinode-vxlan/snapshot/k8s-compute-01-iptables-save-counters.txt'),
      'iptables-save',
    );
    const nginx = s.data.services.find((x) => x.service === 'network-test/nginx:http')!;
    expect(nginx.backends.map((b) => b.ip)).toEqual(['10.233.64.212', '10.233.65.111', '10.233.65.86']);
    nginx.backends.forEach((b) => third(b.share));
    expect(s.data.tables.find((t) => t.name === 'nat')!.rules.some((r) => r.target === 'MASQUERADE')).toBe(
      true,
    );
  });
});

describe('iptables-save: LoadBalancer, traffic policy Local, affinity', () => {
  it('gives the external frontends their node-local backends and keeps affinity shortcuts out of the split', () => {
    const s = as(local_('ipvs-cluster/worker-2-iptables-save.txt'), 'iptables-save');
    const web = s.data.services.find((x) => x.service === 'shop/web:http')!;
    expect(web.sessionAffinity).toBe(true);
    expect(web.backends.map((b) => [b.ip, b.share])).toEqual([
      ['10.244.0.5', 0.5],
      ['10.244.1.9', 0.5],
    ]);
    expect(web.frontends.map((f) => [f.kind, f.ip, f.port, f.backends?.map((b) => [b.ip, b.share])])).toEqual(
      [
        ['ClusterIP', '10.104.5.7', 80, undefined],
        ['LoadBalancer', '203.0.113.10', 80, [['10.244.1.9', 1]]],
        ['NodePort', undefined, 30080, [['10.244.1.9', 1]]],
      ],
    );
    // Traffic policy Local keeps the client address: only the ClusterIP masquerades (from outside pods).
    expect(web.frontends.map((f) => f.masquerade?.when)).toEqual(['source-outside', undefined, undefined]);
    expect(s.data.services.find((x) => x.service === 'shop/legacy:https')!.rejected).toEqual({
      how: 'icmp-port-unreachable',
      line: 28,
    });
  });
});

describe('iptables-save: a NodePort without local endpoints', () => {
  it('refuses on that frontend only', () => {
    const text = [
      '*filter',
      ':KUBE-EXTERNAL-SERVICES - [0:0]',
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "shop/web:http has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP',
      'COMMIT',
      '*nat',
      ':KUBE-SERVICES - [0:0]',
      '-A KUBE-SERVICES -d 10.104.5.7/32 -p tcp -m comment --comment "shop/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-QZ4LP2LUDR6KSHZA',
      '-A KUBE-SVC-QZ4LP2LUDR6KSHZA -m comment --comment "shop/web:http -> 10.244.1.9:8080" -j KUBE-SEP-FZ3DO5WWS6KUNTDD',
      '-A KUBE-SEP-FZ3DO5WWS6KUNTDD -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination 10.244.1.9:8080',
      'COMMIT',
    ].join('\n');
    const s = as(parseSnapshot(text, { name: 'x' }), 'iptables-save');
    const web = s.data.services.find((x) => x.service === 'shop/web:http')!;
    expect(web.rejected).toBeUndefined();
    expect(web.backends.map((b) => b.ip)).toEqual(['10.244.1.9']);
    expect(web.frontends[1]).toMatchObject({
      kind: 'NodePort',
      port: 30080,
      backends: [],
      rejected: { how: 'DROP', line: 3 },
    });
  });
});

describe('nft list ruleset', () => {
  it('reads iptables-mode rules printed through iptables-nft (single node)', () => {
    const s = as(shared_('single-node/diagnostics/snapshot/node-nft-list-ruleset.txt'), 'nft');
    expect(s.data.layout).toBe('iptables-nft');
    expect(s.data.tables.map((t) => `${t.family} ${t.name}`)).toEqual(['ip nat', 'ip filter']);
    const nginx = s.data.services.find((x) => x.hash === 'MHAZTHACS62N2UUN')!;
    expect(nginx.frontends).toEqual([
      {
        kind: 'ClusterIP',
        ip: '10.233.9.232',
        port: 80,
        line: 36,
        masquerade: { when: 'source-outside', cidr: '10.233.64.0/18', line: 45 },
      },
    ]);
    nginx.backends.forEach((b) => third(b.share));
    const rejected = s.data.services.filter((x) => x.rejected);
    expect(rejected.map((x) => [x.frontends[0]!.ip, x.rejected!.how])).toEqual([
      ['10.233.12.7', 'icmp-port-unreachable'],
      ['10.233.12.8', 'tcp-reset'],
    ]);
  });

  it('ignores the rule handles `nft -a list ruleset` prints', () => {
    const plain = sharedText('single-node/diagnostics/snapshot/node-nft-list-ruleset.txt');
    let n = 0;
    const annotated = plain
      .split('\n')
      .map((l) =>
        /\S/.test(l) && !/^\s*}$/.test(l) && !/type \w+ hook/.test(l) ? `${l} # handle ${++n}` : l,
      )
      .join('\n');
    const a = as(parseSnapshot(annotated, { name: 'a' }), 'nft');
    const b = as(parseSnapshot(plain, { name: 'b' }), 'nft');
    expect(a.data.services).toEqual(b.data.services);
    expect(a.skipped).toEqual([]);
  });

  it('reads numgen inc (round robin) through iptables-nft (two-node lab)', () => {
    const s = as(shared_('multi-node/multinode-vxlan/snapshot/k8s-compute-02-nft-list-ruleset.txt'), 'nft');
    const nginx = s.data.services[0]!;
    expect(nginx.backends.map((b) => b.ip)).toEqual(['10.233.64.212', '10.233.65.111', '10.233.65.86']);
    nginx.backends.forEach((b) => third(b.share));
  });

  it("reads kube-proxy's nftables mode: service-ips map, numgen vmaps, endpoint chains, no-endpoint map", () => {
    const s = as(local_('nft-cluster/nft-node-1-nft-list-ruleset.txt'), 'nft');
    expect(s.data.layout).toBe('kube-proxy-nftables');
    expect(s.skipped).toEqual([]);
    const web = s.data.services.find((x) => x.service === 'shop/web:http')!;
    expect(web).toMatchObject({ hash: '5JZ3V6QA', protocol: 'tcp' });
    expect(web.frontends.map((f) => [f.kind, f.ip, f.port])).toEqual([
      ['ClusterIP', '10.96.120.15', 80],
      ['NodePort', undefined, 31080],
    ]);
    expect(web.backends.map((b) => [b.ip, b.port, b.share])).toEqual([
      ['10.244.0.7', 8080, 0.5],
      ['10.244.1.12', 8080, 0.5],
    ]);
    expect(web.frontends.map((f) => f.masquerade)).toEqual([
      { when: 'source-outside', cidr: '10.244.0.0/16', line: 162 },
      { when: 'always', line: 167 },
    ]);
    expect(s.data.services.find((x) => x.service === 'kube-system/kube-dns:dns')).toMatchObject({
      protocol: 'udp',
    });
    expect(s.data.services.find((x) => x.service === 'shop/legacy-api:https')).toMatchObject({
      backends: [],
      rejected: { how: 'reject' },
      frontends: [{ kind: 'ClusterIP', ip: '10.96.44.201', port: 443 }],
    });
  });

  it('reads a second nftables-mode node with three-way numgen', () => {
    const s = as(local_('nft-cluster/nft-node-2-nft-list-ruleset.txt'), 'nft');
    const dns = s.data.services.find((x) => x.service === 'kube-system/kube-dns:dns')!;
    expect(dns.backends.map((b) => b.ip)).toEqual(['10.244.0.3', '10.244.0.4', '10.244.0.9']);
    dns.backends.forEach((b) => third(b.share));
  });
});
