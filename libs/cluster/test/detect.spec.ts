import { describe, expect, it } from 'vitest';
import { detectSnapshotKind, SnapshotParseError, sniffSnapshotKind } from '../src/index.js';
import { localText, sharedText } from './helpers.js';

describe('detectSnapshotKind', () => {
  it.each([
    ['single-node/clusterip/snapshot/kubectl-get-svc-pods-endpointslices-nodes.json', 'kubectl'],
    ['single-node/clusterip/snapshot/kubectl-get-nodes.json', 'kubectl'],
    ['single-node/clusterip/snapshot/ipvsadm-Ln.synthetic.txt', 'ipvsadm'],
    ['single-node/clusterip/snapshot/node-iptables-save.txt', 'iptables-save'],
    ['single-node/clusterip/snapshot/node-iptables-save-counters.txt', 'iptables-save'],
    ['single-node/clusterip/snapshot/node-nft-list-ruleset.txt', 'nft'],
    ['single-node/clusterip/snapshot/node-ip-addr.txt', 'ip-addr'],
    ['single-node/clusterip/snapshot/netns-node-ip.txt', 'ip-addr'],
    ['single-node/clusterip/snapshot/node-ip-route.txt', 'ip-route'],
    ['single-node/diagnostics/snapshot/node-ip-neigh.txt', 'ip-neigh'],
    ['single-node/clusterip/conntrack-L-extended.txt', 'conntrack'],
    ['multi-node/multinode-vxlan/snapshot/k8s-compute-01-ip-route.txt', 'ip-route'],
  ])('shared %s is %s', (path, kind) => {
    expect(detectSnapshotKind(sharedText(path))).toBe(kind);
  });

  it.each([
    ['ipvs-cluster/kubectl-get-all.yaml', 'kubectl'],
    ['ipvs-cluster/kube-proxy-configmap.yaml', 'kube-proxy-config'],
    ['nft-cluster/kube-proxy-configmap.json', 'kube-proxy-config'],
    ['nft-cluster/kubectl-get-all.yaml', 'kubectl'],
    ['ipvs-cluster/worker-1-ipvsadm-Ln.txt', 'ipvsadm'],
    ['ipvs-cluster/worker-1-ipvsadm-Ln-stats.txt', 'ipvsadm'],
    ['ipvs-cluster/worker-1-ipvsadm-Ln-rate.txt', 'ipvsadm'],
    ['ipvs-cluster/worker-1-ipvsadm-Lnc.txt', 'ipvsadm-connections'],
    ['ipvs-cluster/worker-1-ip-j-addr.json', 'ip-addr'],
    ['ipvs-cluster/worker-1-ip-j-route.json', 'ip-route'],
    ['nft-cluster/nft-node-1-nft-list-ruleset.txt', 'nft'],
    ['nft-cluster/nft-node-1-conntrack-L.txt', 'conntrack'],
    ['nft-cluster/nft-node-1-ip-route.txt', 'ip-route'],
    ['nft-cluster/nft-node-2-ip-j-addr.json', 'ip-addr'],
    ['ipvs-cluster/worker-1-ip-6-j-route.json', 'ip-route'],
    ['ipvs-cluster/worker-1-conntrack-L.txt', 'conntrack'],
    ['ipvs-cluster/worker-2-ipvsadm-Ln-stats-exact.txt', 'ipvsadm'],
    ['ipvs-cluster/worker-2-ipvsadm-Ln-rate.txt', 'ipvsadm'],
    ['ipvs-cluster/worker-2-ipvsadm-Lnc.txt', 'ipvsadm-connections'],
    ['ipvs-cluster/worker-2-iptables-save.txt', 'iptables-save'],
  ])('local %s is %s', (path, kind) => {
    expect(detectSnapshotKind(localText(path))).toBe(kind);
  });

  it('recognises compact one-line JSON', () => {
    const cm =
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-proxy","namespace":"kube-system"},"data":{"config.conf":"mode: ipvs"}}';
    expect(detectSnapshotKind(cm)).toBe('kube-proxy-config');
    expect(
      detectSnapshotKind(
        '[{"dst":"10.0.0.1","dev":"eth0","lladdr":"02:00:00:00:00:01","state":["REACHABLE"]}]',
      ),
    ).toBe('ip-neigh');
    expect(detectSnapshotKind('[{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]}]')).toBe(
      'ip-route',
    );
  });

  it('rejects text that is no snapshot with a typed error naming the first line', () => {
    expect(sniffSnapshotKind('hello world\n')).toBeUndefined();
    const err = (() => {
      try {
        detectSnapshotKind('\n\nGET / HTTP/1.1\nHost: x\n', 'upload.txt');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SnapshotParseError);
    expect(err).toMatchObject({ file: 'upload.txt', line: 3 });
    expect(String((err as Error).message)).toMatch(/^upload\.txt:3: not a recognised snapshot/);
  });
});
