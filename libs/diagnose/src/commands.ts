// The "next" commands findings suggest, filled with the real names. Commands that must run on a
// particular node end with a `# on <node>` comment so they stay copy-pasteable.
import type { PodRef, ServiceRef } from './context.js';

const onNode = (cmd: string, node: string | null | undefined) => (node ? `${cmd}  # on ${node}` : cmd);

export const commands = {
  endpointSlices: (svc: ServiceRef) =>
    `kubectl get endpointslices -n ${svc.namespace} -l kubernetes.io/service-name=${svc.name}`,
  describeService: (svc: ServiceRef) => `kubectl -n ${svc.namespace} describe service ${svc.name}`,
  serviceField: (svc: ServiceRef, field: string) =>
    `kubectl -n ${svc.namespace} get service ${svc.name} -o jsonpath='{.spec.${field}}'`,
  patchService: (svc: ServiceRef, patch: string) =>
    `kubectl -n ${svc.namespace} patch service ${svc.name} -p '${patch}'`,
  podLogs: (pod: PodRef) => `kubectl -n ${pod.namespace} logs ${pod.name}`,
  describePod: (pod: PodRef) => `kubectl -n ${pod.namespace} describe pod ${pod.name}`,
  podListening: (pod: PodRef, proto: string) =>
    `kubectl -n ${pod.namespace} exec ${pod.name} -- ss -${proto === 'udp' ? 'u' : 't'}lnp`,
  ipvsadm: (ip: string, port: number, proto: string, node?: string | null) =>
    onNode(`ipvsadm -Ln ${proto === 'udp' ? '-u' : '-t'} ${hostPort(ip, port)} --stats`, node),
  conntrack: (ip: string, node?: string | null) => onNode(`conntrack -L -d ${ip}`, node),
  conntrackSource: (ip: string, port: number, proto: string, node?: string | null) =>
    onNode(`conntrack -L -p ${proto} -s ${ip}${port ? ` --sport ${port}` : ''}`, node),
  conntrackStats: (node?: string | null) => onNode('conntrack -S', node),
  tcpdump: (host: string, port?: number | null, node?: string | null) =>
    onNode(`tcpdump -ni any host ${host}${port ? ` and port ${port}` : ''}`, node),
  iptablesFor: (svc: ServiceRef, node?: string | null) =>
    onNode(`iptables-save -t nat | grep '${svc.namespace}/${svc.name}'`, node),
  iptablesReject: (svc: ServiceRef, node?: string | null) =>
    onNode(`iptables-save -t filter | grep '${svc.namespace}/${svc.name}'`, node),
  ipNeigh: (ip: string, node?: string | null) => onNode(`ip neigh show ${ip}`, node),
  ipNeighIncomplete: (node?: string | null) => onNode('ip neigh show nud incomplete', node),
  ipRouteGet: (ip: string, node?: string | null) => onNode(`ip route get ${ip}`, node),
  brNetfilter: (node?: string | null) => onNode('sysctl net.bridge.bridge-nf-call-iptables', node),
  linkMtu: (node?: string | null) => onNode('ip -d link show | grep -E "mtu|vxlan|geneve"', node),
  chrony: (node?: string | null) => onNode('chronyc tracking', node),
  kubeProxyLogs: () => 'kubectl -n kube-system logs -l k8s-app=kube-proxy --tail=200',
  dnsLogs: () => 'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=200',
};

export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Drops repeated commands, keeping the first occurrence's place. */
export function unique(list: (string | null | undefined | false)[]): string[] {
  return [...new Set(list.filter((c): c is string => typeof c === 'string' && c.length > 0))];
}
