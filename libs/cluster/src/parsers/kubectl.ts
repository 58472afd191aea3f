// `kubectl get … -o json|yaml`: one object, a `List`, or several YAML documents, holding any mix of
// Service, Pod, Node, EndpointSlice, Endpoints and the kube-proxy ConfigMap. Other kinds are skipped
// (and said so); a field of the wrong type is an error naming its path.
import { LineError, ShapeError, formatPath } from '../errors.js';
import { canonicalIp, toProtocol } from '../text.js';
import type {
  EndpointRecord,
  EndpointSliceObject,
  KubectlData,
  NodeObject,
  PodObject,
  Protocol,
  ServiceObject,
  ServicePort,
  Skipped,
} from '../types.js';
import { loadDocuments, withLines, type LoadedDocuments } from './document.js';
import { isKubeProxyConfigMap, readKubeProxyConfig } from './kube-proxy-config.js';
import {
  asObject,
  optArray,
  optBoolean,
  optObject,
  optPort,
  optString,
  reqString,
  stringMap,
  type Obj,
  type Path,
} from './shape.js';

export function parseKubectl(text: string): { data: KubectlData; skipped: Skipped[] } {
  const loaded = loadDocuments(text);
  const data: KubectlData = { services: [], pods: [], nodes: [], endpointSlices: [] };
  const skipped: Skipped[] = [];
  loaded.docs.forEach((doc, i) => withLines(loaded, i, () => readObject(doc, [], data, skipped, loaded, i)));
  if (loaded.docs.length === 0) throw new LineError(1, 'empty document: expected kubectl JSON or YAML');
  return { data, skipped };
}

function readObject(
  value: unknown,
  path: Path,
  data: KubectlData,
  skipped: Skipped[],
  loaded: LoadedDocuments,
  doc: number,
): void {
  if (Array.isArray(value) && path.length === 0) {
    // `kubectl … -o json | jq '.items'` and similar: a bare array of objects.
    value.forEach((item, i) => readObject(item, [i], data, skipped, loaded, doc));
    return;
  }
  const o = asObject(value, path);
  const kind = optString(o, 'kind', path);
  switch (kind) {
    case 'List':
    case 'ServiceList':
    case 'PodList':
    case 'NodeList':
    case 'EndpointSliceList':
    case 'EndpointsList':
    case 'ConfigMapList':
      optArray(o, 'items', path).forEach((item, i) =>
        readObject(item, [...path, 'items', i], data, skipped, loaded, doc),
      );
      return;
    case 'Service':
      data.services.push(readService(o, path));
      return;
    case 'Pod':
      data.pods.push(readPod(o, path));
      return;
    case 'Node':
      data.nodes.push(readNode(o, path));
      return;
    case 'EndpointSlice':
      data.endpointSlices.push(readEndpointSlice(o, path));
      return;
    case 'Endpoints':
      data.endpointSlices.push(...readEndpoints(o, path));
      return;
    case 'KubeProxyConfiguration':
      data.kubeProxyConfig = readKubeProxyConfig(o, path);
      return;
    case 'ConfigMap':
      if (isKubeProxyConfigMap(o)) {
        data.kubeProxyConfig = readKubeProxyConfig(o, path);
        return;
      }
  }
  if (kind === undefined && path.length === 0)
    throw new ShapeError(path, 'not a Kubernetes object: no "kind"');
  const line = loaded.locate(doc, path) ?? 1;
  skipped.push({ line, path: formatPath(path), reason: `kind ${kind ?? '(none)'} is not used by natlens` });
}

function meta(
  o: Obj,
  path: Path,
): { name: string; namespace: string; labels: Record<string, string>; m: Obj } {
  const m = optObject(o, 'metadata', path);
  if (!m) throw new ShapeError([...path, 'metadata'], 'missing "metadata"');
  const mp = [...path, 'metadata'];
  return {
    name: reqString(m, 'name', mp),
    namespace: optString(m, 'namespace', mp) ?? 'default',
    labels: stringMap(m, 'labels', mp),
    m,
  };
}

function ip(v: unknown, path: Path): string {
  const s = typeof v === 'string' ? canonicalIp(v) : undefined;
  if (!s) throw new ShapeError(path, `expected an IP address, found ${JSON.stringify(v)}`);
  return s;
}

function ips(o: Obj, key: string, path: Path): string[] {
  return optArray(o, key, path).map((v, i) => ip(v, [...path, key, i]));
}

function protocol(o: Obj, path: Path): Protocol {
  const raw = optString(o, 'protocol', path);
  const p = toProtocol(raw ?? 'TCP');
  if (!p) throw new ShapeError([...path, 'protocol'], `unknown protocol ${JSON.stringify(raw)}`);
  return p;
}

/** The `ports` of an EndpointSlice or of a legacy Endpoints subset: same fields in both APIs. */
function endpointPorts(o: Obj, path: Path): EndpointSliceObject['ports'] {
  return optArray(o, 'ports', path).map((p, i) => {
    const pp = [...path, 'ports', i];
    const po = asObject(p, pp);
    return {
      name: optString(po, 'name', pp) ?? '',
      port: optPort(po, 'port', pp),
      protocol: protocol(po, pp),
    };
  });
}

function readService(o: Obj, path: Path): ServiceObject {
  const { name, namespace } = meta(o, path);
  const sp = [...path, 'spec'];
  const spec = optObject(o, 'spec', path) ?? {};
  const status = optObject(o, 'status', path) ?? {};
  const lb = optObject(status, 'loadBalancer', [...path, 'status']) ?? {};
  const lbPath = [...path, 'status', 'loadBalancer'];
  const clusterIPs = optArray(spec, 'clusterIPs', sp).length
    ? optArray(spec, 'clusterIPs', sp)
    : [spec['clusterIP']].filter((v) => v !== undefined && v !== null && v !== '');
  const ports: ServicePort[] = optArray(spec, 'ports', sp).map((p, i) => {
    const pp = [...sp, 'ports', i];
    const po = asObject(p, pp);
    const port = optPort(po, 'port', pp);
    if (port === undefined) throw new ShapeError([...pp, 'port'], 'missing required "port"');
    const target = po['targetPort'];
    return {
      name: optString(po, 'name', pp) ?? '',
      port,
      protocol: protocol(po, pp),
      targetPort: typeof target === 'number' || typeof target === 'string' ? target : undefined,
      nodePort: optPort(po, 'nodePort', pp),
    };
  });
  return {
    namespace,
    name,
    type: optString(spec, 'type', sp) ?? 'ClusterIP',
    clusterIPs: clusterIPs
      .filter((v) => v !== 'None')
      .map((v, i) =>
        ip(v, [...sp, spec['clusterIPs'] ? 'clusterIPs' : 'clusterIP', ...(spec['clusterIPs'] ? [i] : [])]),
      ),
    externalIPs: ips(spec, 'externalIPs', sp),
    loadBalancerIngress: optArray(lb, 'ingress', lbPath).map((v, i) => {
      const ing = asObject(v, [...lbPath, 'ingress', i]);
      const raw = optString(ing, 'ip', [...lbPath, 'ingress', i]);
      return {
        ip: raw ? ip(raw, [...lbPath, 'ingress', i, 'ip']) : undefined,
        hostname: optString(ing, 'hostname', [...lbPath, 'ingress', i]),
      };
    }),
    ports,
    externalTrafficPolicy: optString(spec, 'externalTrafficPolicy', sp),
    internalTrafficPolicy: optString(spec, 'internalTrafficPolicy', sp),
    sessionAffinity: optString(spec, 'sessionAffinity', sp),
    selector: spec['selector'] ? stringMap(spec, 'selector', sp) : undefined,
  };
}

function readPod(o: Obj, path: Path): PodObject {
  const { name, namespace, labels, m } = meta(o, path);
  const sp = [...path, 'spec'];
  const stp = [...path, 'status'];
  const spec = optObject(o, 'spec', path) ?? {};
  const status = optObject(o, 'status', path) ?? {};
  const podIPs = optArray(status, 'podIPs', stp).map((v, i) =>
    ip(asObject(v, [...stp, 'podIPs', i])['ip'], [...stp, 'podIPs', i, 'ip']),
  );
  const single = optString(status, 'podIP', stp);
  if (single && podIPs.length === 0) podIPs.push(ip(single, [...stp, 'podIP']));
  const ready = optArray(status, 'conditions', stp).some((c, i) => {
    const co = asObject(c, [...stp, 'conditions', i]);
    return co['type'] === 'Ready' && co['status'] === 'True';
  });
  const owners = optArray(m, 'ownerReferences', [...path, 'metadata']).map((r, i) =>
    asObject(r, [...path, 'metadata', 'ownerReferences', i]),
  );
  const owner = owners.find((r) => r['controller'] === true) ?? owners[0];
  const hostIP = optString(status, 'hostIP', stp);
  return {
    namespace,
    name,
    node: optString(spec, 'nodeName', sp),
    ips: podIPs,
    hostIP: hostIP ? ip(hostIP, [...stp, 'hostIP']) : undefined,
    hostNetwork: optBoolean(spec, 'hostNetwork', sp) ?? false,
    phase: optString(status, 'phase', stp),
    ready,
    owner: owner ? { kind: String(owner['kind']), name: String(owner['name']) } : undefined,
    labels,
  };
}

function readNode(o: Obj, path: Path): NodeObject {
  const { name } = meta(o, path);
  const sp = [...path, 'spec'];
  const stp = [...path, 'status'];
  const spec = optObject(o, 'spec', path) ?? {};
  const status = optObject(o, 'status', path) ?? {};
  const node: NodeObject = { name, internalIPs: [], externalIPs: [], podCIDRs: [] };
  optArray(status, 'addresses', stp).forEach((a, i) => {
    const ap = [...stp, 'addresses', i];
    const ao = asObject(a, ap);
    const type = optString(ao, 'type', ap);
    if (type === 'InternalIP') node.internalIPs.push(ip(ao['address'], [...ap, 'address']));
    if (type === 'ExternalIP') node.externalIPs.push(ip(ao['address'], [...ap, 'address']));
  });
  const cidrs = optArray(spec, 'podCIDRs', sp).map(String);
  const one = optString(spec, 'podCIDR', sp);
  node.podCIDRs = cidrs.length ? cidrs : one ? [one] : [];
  const readyCond = optArray(status, 'conditions', stp).find((c) => (c as Obj)?.['type'] === 'Ready') as
    Obj | undefined;
  if (readyCond) node.ready = readyCond['status'] === 'True';
  return node;
}

function readEndpointSlice(o: Obj, path: Path): EndpointSliceObject {
  const { name, namespace, labels } = meta(o, path);
  const addressType = optString(o, 'addressType', path) ?? 'IPv4';
  const endpoints = optArray(o, 'endpoints', path).map((e, i): EndpointRecord => {
    const ep = [...path, 'endpoints', i];
    const eo = asObject(e, ep);
    const cond = optObject(eo, 'conditions', ep) ?? {};
    const cp = [...ep, 'conditions'];
    // Per the API: a nil "ready" means ready, nil "serving" follows ready, nil "terminating" means not.
    const ready = optBoolean(cond, 'ready', cp) ?? true;
    const ref = optObject(eo, 'targetRef', ep);
    return {
      addresses: addressType === 'FQDN' ? [] : ips(eo, 'addresses', ep),
      ready,
      serving: optBoolean(cond, 'serving', cp) ?? ready,
      terminating: optBoolean(cond, 'terminating', cp) ?? false,
      nodeName: optString(eo, 'nodeName', ep),
      targetRef: ref
        ? {
            kind: optString(ref, 'kind', [...ep, 'targetRef']) ?? 'Pod',
            namespace: optString(ref, 'namespace', [...ep, 'targetRef']),
            name: reqString(ref, 'name', [...ep, 'targetRef']),
          }
        : undefined,
    };
  });
  return {
    namespace,
    name,
    service: labels['kubernetes.io/service-name'],
    addressType,
    ports: endpointPorts(o, path),
    endpoints,
    from: 'EndpointSlice',
  };
}

/** Legacy core/v1 Endpoints: one slice per subset; notReadyAddresses become not-ready endpoints. */
function readEndpoints(o: Obj, path: Path): EndpointSliceObject[] {
  const { name, namespace } = meta(o, path);
  return optArray(o, 'subsets', path).map((s, i) => {
    const sp = [...path, 'subsets', i];
    const so = asObject(s, sp);
    const addr = (key: string, ready: boolean): EndpointRecord[] =>
      optArray(so, key, sp).map((a, j) => {
        const ap = [...sp, key, j];
        const ao = asObject(a, ap);
        const ref = optObject(ao, 'targetRef', ap);
        return {
          addresses: [ip(ao['ip'], [...ap, 'ip'])],
          ready,
          serving: ready,
          terminating: false,
          nodeName: optString(ao, 'nodeName', ap),
          targetRef: ref
            ? {
                kind: optString(ref, 'kind', [...ap, 'targetRef']) ?? 'Pod',
                namespace: optString(ref, 'namespace', [...ap, 'targetRef']),
                name: reqString(ref, 'name', [...ap, 'targetRef']),
              }
            : undefined,
        };
      });
    const endpoints = [...addr('addresses', true), ...addr('notReadyAddresses', false)];
    return {
      namespace,
      name: `${name}#${i}`,
      service: name,
      addressType: endpoints.some((e) => e.addresses[0]?.includes(':')) ? 'IPv6' : 'IPv4',
      ports: endpointPorts(so, sp),
      endpoints,
      from: 'Endpoints' as const,
    };
  });
}
