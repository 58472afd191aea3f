import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../src/index.js';
import { as, local_, shared_ } from './helpers.js';

describe('ipvsadm -Ln', () => {
  it('reads the synthetic listing of the single-node lab', () => {
    const s = as(shared_('single-node/diagnostics/snapshot/ipvsadm-Ln.synthetic.txt'), 'ipvsadm');
    expect(s.data.view).toBe('list');
    expect(s.skipped).toEqual([]);
    expect(s.data.virtualServers).toHaveLength(11);
    const nginx = s.data.virtualServers[0]!;
    expect(nginx).toMatchObject({ protocol: 'tcp', ip: '10.233.9.232', port: 80, scheduler: 'rr', line: 4 });
    expect(nginx.realServers.map((r) => [r.ip, r.port, r.forward, r.weight])).toEqual([
      ['10.233.65.212', 80, 'Masq', 1],
      ['10.233.66.111', 80, 'Masq', 1],
      ['10.233.67.86', 80, 'Masq', 1],
    ]);
    expect(s.data.virtualServers.find((v) => v.ip === '10.233.12.7')!.realServers).toEqual([]);
    const dns = s.data.virtualServers.find((v) => v.protocol === 'udp')!;
    expect(dns.realServers[0]).toMatchObject({ ip: '10.233.67.53', port: 53, activeConn: 0, inactConn: 3 });
  });

  it('reads the two-node lab listing', () => {
    const s = as(
      shared_('multi-node/multinode-vxlan/snapshot/k8s-compute-02-ipvsadm-Ln.synthetic.txt'),
      'ipvsadm',
    );
    expect(s.data.virtualServers).toHaveLength(1);
    expect(s.data.virtualServers[0]!.realServers.map((r) => r.ip)).toEqual([
      '10.233.64.212',
      '10.233.65.86',
      '10.233.65.111',
    ]);
  });

  it('reads UDP, SCTP, fwmark, IPv6, persistence and scheduler flags', () => {
    const s = as(local_('ipvs-cluster/worker-1-ipvsadm-Ln.txt'), 'ipvsadm');
    const v6 = s.data.virtualServers.find((v) => v.ip === 'fd00:10:96::a' && v.protocol === 'udp')!;
    expect(v6.realServers[0]).toMatchObject({ ip: 'fd00:10:244::2', port: 53 });
    const fwm = s.data.virtualServers.find((v) => v.protocol === 'fwmark')!;
    expect(fwm).toMatchObject({ fwmark: 100, scheduler: 'rr', persistent: 360 });
    const sctp = s.data.virtualServers.find((v) => v.protocol === 'sctp')!;
    expect(sctp).toMatchObject({
      ip: '10.100.9.9',
      port: 3868,
      scheduler: 'sh',
      flags: ['sh-fallback', 'sh-port'],
    });
    const web = s.data.virtualServers.find((v) => v.ip === '10.104.5.7')!;
    expect(web.realServers.map((r) => r.weight)).toEqual([1, 0]);
  });
});

describe('ipvsadm -Ln variants', () => {
  it('reads the --persistent-conn and --tun-info column layouts by their titles', () => {
    const persistent = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port            Weight   PersistConn ActiveConn InActConn',
      '  -> RemoteAddress:Port',
      'TCP  10.104.5.7:80 rr persistent 10800',
      '  -> 10.244.1.9:8080              1        3           1          12',
    ].join('\n');
    const p = as(parseSnapshot(persistent, { name: 'p.txt' }), 'ipvsadm');
    expect(p.data.virtualServers[0]!.realServers[0]).toMatchObject({
      weight: 1,
      persistConn: 3,
      activeConn: 1,
      inactConn: 12,
    });
    const tun = [
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn',
      'TCP  10.96.0.1:443 rr',
      '  -> 192.168.49.2:8443            Tunnel  ipip          1      2          0',
    ].join('\n');
    const t = as(parseSnapshot(tun, { name: 't.txt' }), 'ipvsadm');
    expect(t.data.virtualServers[0]!.realServers[0]).toMatchObject({
      forward: 'Tunnel',
      weight: 1,
      activeConn: 2,
      inactConn: 0,
    });
  });
});

describe('ipvsadm -Ln --stats / --rate', () => {
  it('reads --stats counters, expanding K/M suffixes', () => {
    const s = as(local_('ipvs-cluster/worker-1-ipvsadm-Ln-stats.txt'), 'ipvsadm');
    expect(s.data.view).toBe('stats');
    const api = s.data.virtualServers[0]!;
    // ipvsadm prints values of 100 million and more in K/M/G/T units unless --exact is given.
    expect(api.stats).toEqual({
      conns: 217,
      inPkts: 46392,
      outPkts: 43174,
      inBytes: 72910331,
      outBytes: 313780000,
    });
    expect(api.realServers[0]!.stats!['conns']).toBe(217);
    const dns = s.data.virtualServers.find((v) => v.protocol === 'udp')!;
    expect(dns.stats!['outBytes']).toBe(1375e6);
    expect(dns.realServers).toHaveLength(2);
  });

  it('reads --stats --exact, including NodePort and IPv6 services', () => {
    const s = as(local_('ipvs-cluster/worker-2-ipvsadm-Ln-stats-exact.txt'), 'ipvsadm');
    expect(s.data.view).toBe('stats');
    expect(s.data.virtualServers.find((v) => v.ip === '10.96.0.1')!.stats!['outBytes']).toBe(290108221);
    expect(s.data.virtualServers.find((v) => v.ip === 'fd00:10:96::a')!.realServers[0]).toMatchObject({
      ip: 'fd00:10:244::2',
      stats: { conns: 0 },
    });
  });

  it('reads --rate counters', () => {
    const s = as(local_('ipvs-cluster/worker-1-ipvsadm-Ln-rate.txt'), 'ipvsadm');
    expect(s.data.view).toBe('rate');
    const web = s.data.virtualServers.find((v) => v.ip === '10.104.5.7')!;
    expect(web.stats).toEqual({ cps: 4, inPPS: 32, outPPS: 28, inBPS: 2560, outBPS: 12640 });
    expect(web.realServers[1]!.stats!['cps']).toBe(0);
  });

  it('reads another --rate listing, with a virtual service without real servers', () => {
    const s = as(local_('ipvs-cluster/worker-2-ipvsadm-Ln-rate.txt'), 'ipvsadm');
    expect(s.data.virtualServers.map((v) => [v.ip, v.port, v.stats!['cps'], v.realServers.length])).toEqual([
      ['192.168.49.3', 30080, 1, 1],
      ['10.104.5.7', 80, 8, 2],
      ['10.96.0.10', 53, 1204, 0],
    ]);
  });
});

describe('ipvsadm -Lnc', () => {
  it('reads connection entries including IPv6 and persistence templates', () => {
    const s = as(local_('ipvs-cluster/worker-1-ipvsadm-Lnc.txt'), 'ipvsadm-connections');
    expect(s.data.connections).toHaveLength(6);
    expect(s.data.connections[0]).toMatchObject({
      protocol: 'tcp',
      expire: '14:58',
      state: 'ESTABLISHED',
      source: { ip: '10.244.1.7', port: 51234 },
      virtual: { ip: '10.96.0.1', port: 443 },
      destination: { ip: '192.168.49.2', port: 8443 },
    });
    expect(s.data.connections[4]!.destination).toEqual({ ip: 'fd00:10:244::2', port: 53 });
    expect(s.data.connections[5]).toMatchObject({ state: 'NONE', source: { port: 0 } });
  });

  it('reads another node table', () => {
    const s = as(local_('ipvs-cluster/worker-2-ipvsadm-Lnc.txt'), 'ipvsadm-connections');
    expect(s.data.connections.map((c) => c.state)).toEqual(['ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT']);
    expect(s.skipped).toEqual([]);
  });
});
