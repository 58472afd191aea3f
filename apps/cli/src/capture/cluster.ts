// What `natlens capture` needs to know before it starts: the client pod and its node, the
// Service, the backend pods its EndpointSlices name and their nodes, and kube-proxy's mode. All of
// it from one `kubectl get pods,services,endpointslices,nodes -A -o json` (saved as a snapshot
// too) and the kube-proxy ConfigMap when it is readable.
import { UsageError } from '../usage-error.js';

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface KubeObject {
  kind?: string;
  metadata: Meta;
  spec?: { nodeName?: string; clusterIP?: string; ports?: { port: number; protocol?: string }[] };
  status?: { podIP?: string; phase?: string };
  endpoints?: {
    addresses?: string[];
    nodeName?: string;
    targetRef?: { kind?: string; name?: string; namespace?: string };
    conditions?: { ready?: boolean };
  }[];
  data?: Record<string, string>;
}
export interface KubeList {
  items: KubeObject[];
}

export interface PodRef {
  namespace: string;
  name: string;
  node: string | null;
  ip: string | null;
}

export interface ClusterPlan {
  client: PodRef;
  service: { namespace: string; name: string; clusterIP: string | null; ports: string[] };
  backends: PodRef[];
  /** Every node involved: the client's first, then the backends' in order. */
  nodes: string[];
}

export function planFromList(
  list: KubeList,
  namespace: string,
  client: string,
  service: string,
): ClusterPlan {
  const find = (kind: string, ns: string | null, name: string) =>
    list.items.find(
      (o) => o.kind === kind && o.metadata.name === name && (ns === null || o.metadata.namespace === ns),
    );
  const podRef = (o: KubeObject): PodRef => ({
    namespace: o.metadata.namespace ?? namespace,
    name: o.metadata.name,
    node: o.spec?.nodeName ?? null,
    ip: o.status?.podIP ?? null,
  });

  const clientPod = find('Pod', namespace, client);
  if (!clientPod) throw new UsageError(`no pod ${namespace}/${client} in the cluster`);
  const svc = find('Service', namespace, service);
  if (!svc) throw new UsageError(`no service ${namespace}/${service} in the cluster`);

  const backends: PodRef[] = [];
  const seen = new Set<string>();
  for (const slice of list.items) {
    if (slice.kind !== 'EndpointSlice' || slice.metadata.namespace !== namespace) continue;
    if (slice.metadata.labels?.['kubernetes.io/service-name'] !== service) continue;
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef;
      if (ref?.kind !== 'Pod' || !ref.name) continue;
      const key = `${ref.namespace ?? namespace}/${ref.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pod = find('Pod', ref.namespace ?? namespace, ref.name);
      backends.push(
        pod
          ? { ...podRef(pod), node: pod.spec?.nodeName ?? ep.nodeName ?? null }
          : {
              namespace: ref.namespace ?? namespace,
              name: ref.name,
              node: ep.nodeName ?? null,
              ip: ep.addresses?.[0] ?? null,
            },
      );
    }
  }
  const c = podRef(clientPod);
  const nodes = [...new Set([c.node, ...backends.map((b) => b.node)].filter((n): n is string => !!n))];
  return {
    client: c,
    service: {
      namespace,
      name: service,
      clusterIP: svc.spec?.clusterIP ?? null,
      ports: (svc.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`),
    },
    backends,
    nodes,
  };
}

/** `mode: ipvs` from the kube-proxy ConfigMap's config.conf (empty means iptables). */
export function kubeProxyMode(configMap: KubeObject | null): string | null {
  const conf = configMap?.data?.['config.conf'];
  if (conf === undefined) return null;
  const m = /^mode:\s*"?([\w-]*)"?\s*$/m.exec(conf);
  return m?.[1] || 'iptables';
}
