// Which node a node-local snapshot describes. The caller may say (`node` on parseSnapshot); otherwise
// an address in the snapshot that is some Node's InternalIP/ExternalIP (from kubectl) gives it away.
import type { ParsedSnapshot } from './types.js';

export function nodeAddressIndex(snapshots: ParsedSnapshot[]): Map<string, string> {
  const byIp = new Map<string, string>();
  for (const s of snapshots) {
    if (s.kind !== 'kubectl') continue;
    for (const n of s.data.nodes) for (const ip of [...n.internalIPs, ...n.externalIPs]) byIp.set(ip, n.name);
  }
  return byIp;
}

export function attributeNode(s: ParsedSnapshot, byIp: Map<string, string>): string | undefined {
  if (s.node) return s.node;
  let candidates: string[] = [];
  if (s.kind === 'ip-addr') candidates = s.data.interfaces.flatMap((i) => i.addresses.map((a) => a.ip));
  else if (s.kind === 'ipvsadm') candidates = s.data.virtualServers.map((v) => v.ip ?? '');
  else if (s.kind === 'ip-route') candidates = s.data.routes.map((r) => r.src ?? '');
  else if (s.kind === 'nft') {
    // kube-proxy's nftables mode lists the node's own addresses in the nodeport-ips set.
    candidates = s.data.tables.flatMap((t) =>
      t.maps.filter((m) => m.name === 'nodeport-ips').flatMap((m) => m.elements),
    );
  }
  for (const ip of candidates) {
    const node = byIp.get(ip);
    if (node) return node;
  }
  return undefined;
}
