// The address book: IP (and IP:port/protocol) → Service, Pod, Node or LoadBalancer, merged from every
// snapshot that says something about addresses. kubectl is the richest source; kube-proxy's rules
// (iptables/nft comments and chain names) name Services and their VIPs even without kubectl, and
// `ip addr` on a node adds the addresses the node masquerades with. Disagreements are kept as conflicts.
import type {
  AddressBook,
  AddressBookData,
  AddressConflict,
  AddressRole,
  LoadBalancerEntity,
  NodeEntity,
  PodEntity,
  ServiceEntity,
} from './address-book-types.js';
import { attributeNode, nodeAddressIndex } from './node-attribution.js';
import { addressBookFromData } from './address-lookup.js';
import type { KubectlData, ParsedSnapshot, ProgrammedService, ServicePort } from './types.js';

interface Claim {
  role: AddressRole;
  key: string;
  sources: Set<string>;
}

export function buildAddressBook(snapshots: ParsedSnapshot[]): AddressBook {
  const b = new Builder();
  for (const s of snapshots) if (s.kind === 'kubectl') b.addKubectl(s.data, s.name);
  for (const s of snapshots) {
    if (s.kind === 'iptables-save' || s.kind === 'nft') b.addProgrammed(s.data.services, s.name);
  }
  const byIp = nodeAddressIndex(snapshots);
  for (const s of snapshots) {
    if (s.kind !== 'ip-addr') continue;
    const node = attributeNode(s, byIp);
    if (!node) {
      b.notes.push(
        `${s.name}: ip addr from an unknown node (give "node", or include kubectl Nodes); not used`,
      );
      continue;
    }
    for (const iface of s.data.interfaces) {
      // kube-ipvs0 holds Service VIPs, not node addresses; loopback and link-local say nothing.
      if (iface.name === 'kube-ipvs0' || iface.name === 'lo') continue;
      for (const a of iface.addresses) {
        if (a.scope === 'host' || a.scope === 'link' || a.ip.startsWith('fe80:')) continue;
        b.addNodeInterface(node, iface.name, a.ip, a.prefixLength, s.name);
      }
    }
  }
  return b.finish();
}

class Builder {
  services = new Map<string, ServiceEntity>();
  pods = new Map<string, PodEntity>();
  nodes = new Map<string, NodeEntity>();
  lbs = new Map<string, LoadBalancerEntity>();
  claims = new Map<string, Claim[]>();
  conflicts: AddressConflict[] = [];
  notes: string[] = [];
  /** Field values per entity, to report a field two snapshots disagree on. */
  fields = new Map<string, Map<string, Set<string>>>();
  /** Pods known from Pod objects (not only from EndpointSlice targetRefs). */
  podObjects = new Set<string>();
  /** Services known from kubectl: dataplane facts about them are checked rather than merged. */
  kubectlServices = new Set<string>();

  claim(ip: string, role: AddressRole, key: string, source: string): void {
    const list = this.claims.get(ip) ?? [];
    this.claims.set(ip, list);
    const had = list.find((c) => c.key === key && c.role === role);
    if (had) had.sources.add(source);
    else list.push({ role, key, sources: new Set([source]) });
  }

  field(subject: string, field: string, value: string, source: string): void {
    const k = `${subject}\u0000${field}`;
    const values = this.fields.get(k) ?? new Map<string, Set<string>>();
    this.fields.set(k, values);
    (values.get(value) ?? values.set(value, new Set()).get(value)!).add(source);
  }

  addKubectl(data: KubectlData, source: string): void {
    for (const s of data.services) {
      const key = `${s.namespace}/${s.name}`;
      this.kubectlServices.add(key);
      const e = this.services.get(key) ?? this.newService(s.namespace, s.name);
      Object.assign(e, {
        type: s.type,
        clusterIPs: union(e.clusterIPs, s.clusterIPs),
        externalIPs: union(e.externalIPs, s.externalIPs),
        loadBalancerIngress: s.loadBalancerIngress,
        externalTrafficPolicy: s.externalTrafficPolicy,
        internalTrafficPolicy: s.internalTrafficPolicy,
      });
      for (const p of s.ports) if (!e.ports.some((q) => samePort(p, q))) e.ports.push(p);
      addSource(e, source);
      const subject = `Service ${key}`;
      this.field(subject, 'clusterIPs', s.clusterIPs.join(','), source);
      this.field(subject, 'type', s.type, source);
      this.field(
        subject,
        'ports',
        s.ports
          .map((p) => `${p.name}=${p.port}/${p.protocol}${p.nodePort ? `:${p.nodePort}` : ''}`)
          .join(','),
        source,
      );
      for (const ip of s.clusterIPs) this.claim(ip, 'cluster-ip', `Service/${key}`, source);
      for (const ip of s.externalIPs) this.claim(ip, 'external-ip', `Service/${key}`, source);
      for (const ing of s.loadBalancerIngress) {
        if (!ing.ip) continue;
        const lb = this.lbs.get(ing.ip) ?? { kind: 'LoadBalancer', ip: ing.ip, service: key, sources: [] };
        if (ing.hostname) lb.hostname = ing.hostname;
        addSource(lb, source);
        this.lbs.set(ing.ip, lb);
        this.claim(ing.ip, 'load-balancer-ip', `LoadBalancer/${ing.ip}`, source);
      }
    }
    for (const p of data.pods) {
      const key = `${p.namespace}/${p.name}`;
      this.podObjects.add(key);
      const e = this.pods.get(key) ?? this.newPod(p.namespace, p.name);
      Object.assign(e, {
        node: p.node ?? e.node,
        ips: union(e.ips, p.ips),
        ready: p.ready,
        phase: p.phase,
        hostNetwork: p.hostNetwork,
        owner: p.owner,
      });
      addSource(e, source);
      if (p.node) this.field(`Pod ${key}`, 'node', p.node, source);
      this.field(`Pod ${key}`, 'ips', p.ips.join(','), source);
      // Host-network pods share the node's address: the node owns it. Finished pods' IPs get reused.
      if (p.hostNetwork || p.phase === 'Succeeded' || p.phase === 'Failed') continue;
      for (const ip of p.ips) this.claim(ip, 'pod-ip', `Pod/${key}`, source);
    }
    for (const n of data.nodes) {
      const e = this.nodes.get(n.name) ?? this.newNode(n.name);
      e.internalIPs = union(e.internalIPs, n.internalIPs);
      e.externalIPs = union(e.externalIPs, n.externalIPs);
      e.podCIDRs = union(e.podCIDRs, n.podCIDRs);
      addSource(e, source);
      this.field(`Node ${n.name}`, 'internalIPs', n.internalIPs.join(','), source);
      for (const ip of n.internalIPs) this.claim(ip, 'node-internal-ip', `Node/${n.name}`, source);
      for (const ip of n.externalIPs) this.claim(ip, 'node-external-ip', `Node/${n.name}`, source);
    }
    // EndpointSlices name the pod behind each endpoint address even when Pods were not exported.
    for (const slice of data.endpointSlices) {
      for (const ep of slice.endpoints) {
        const ref = ep.targetRef;
        if (ref?.kind !== 'Pod') continue;
        const key = `${ref.namespace ?? slice.namespace}/${ref.name}`;
        const known = this.podObjects.has(key) ? this.pods.get(key) : undefined;
        const e = this.pods.get(key) ?? this.newPod(ref.namespace ?? slice.namespace, ref.name);
        // Without the Pod object, slices are all we know (a dual-stack pod appears in two of them).
        if (!known)
          Object.assign(e, { node: e.node ?? ep.nodeName, ips: union(e.ips, ep.addresses), ready: ep.ready });
        addSource(e, source);
        if (known?.hostNetwork) continue; // its address is the node's
        if (ep.nodeName) this.field(`Pod ${key}`, 'node', ep.nodeName, source);
        for (const ip of ep.addresses) {
          if (known && known.ips.length && !known.ips.includes(ip)) {
            this.conflicts.push({
              ip,
              subject: `Pod ${key}`,
              field: 'ips',
              claims: [
                { value: known.ips.join(','), sources: [...known.sources] },
                { value: ip, sources: [source] },
              ],
              message: `EndpointSlice ${slice.namespace}/${slice.name} lists ${ip} for pod ${key}, whose status says ${known.ips.join(', ')}`,
            });
            continue;
          }
          this.claim(ip, 'pod-ip', `Pod/${key}`, source);
        }
      }
    }
  }

  addProgrammed(services: ProgrammedService[], source: string): void {
    for (const ps of services) {
      const m = ps.service && /^([^/]+)\/([^:]+)(?::(.*))?$/.exec(ps.service);
      if (!m) continue;
      const [, ns, name, portName = ''] = m as unknown as [string, string, string, string | undefined];
      const key = `${ns}/${name}`;
      const fromKubectl = this.kubectlServices.has(key);
      const e = this.services.get(key) ?? this.newService(ns, name);
      addSource(e, source);
      for (const f of ps.frontends) {
        const port: ServicePort = { name: portName, port: f.port, protocol: ps.protocol };
        if (f.kind === 'NodePort') {
          if (!fromKubectl) {
            const p = e.ports.find((q) => q.name === portName && q.protocol === ps.protocol);
            if (p) p.nodePort = f.port;
            else e.ports.push({ name: portName, port: 0, protocol: ps.protocol, nodePort: f.port });
          }
          continue;
        }
        if (!f.ip) continue;
        const role: AddressRole =
          f.kind === 'ClusterIP'
            ? 'cluster-ip'
            : f.kind === 'LoadBalancer'
              ? 'load-balancer-ip'
              : 'external-ip';
        const known = [...e.clusterIPs, ...e.externalIPs, ...e.loadBalancerIngress.map((i) => i.ip)];
        if (fromKubectl && !known.includes(f.ip)) {
          this.conflicts.push({
            ip: f.ip,
            subject: `Service ${key}`,
            field: 'clusterIPs',
            claims: [
              { value: known.join(','), sources: e.sources.filter((s) => s !== source) },
              { value: f.ip, sources: [source] },
            ],
            message: `${source} programs ${f.ip}:${f.port} for ${ps.service}, which kubectl does not list for the Service`,
          });
        }
        if (!fromKubectl) {
          if (role === 'cluster-ip') e.clusterIPs = union(e.clusterIPs, [f.ip]);
          else e.externalIPs = union(e.externalIPs, [f.ip]);
          const p = e.ports.find((q) => q.name === portName && q.protocol === ps.protocol);
          if (p && !p.port) p.port = f.port;
          else if (!p) e.ports.push(port);
        }
        this.claim(f.ip, role === 'load-balancer-ip' ? 'external-ip' : role, `Service/${key}`, source);
      }
    }
  }

  addNodeInterface(node: string, iface: string, ip: string, prefixLength: number, source: string): void {
    const e = this.nodes.get(node) ?? this.newNode(node);
    if (!e.interfaces.some((i) => i.ip === ip && i.interface === iface))
      e.interfaces.push({ interface: iface, ip, prefixLength, source });
    addSource(e, source);
    const role: AddressRole = e.internalIPs.includes(ip)
      ? 'node-internal-ip'
      : e.externalIPs.includes(ip)
        ? 'node-external-ip'
        : 'node-interface';
    this.claim(ip, role, `Node/${node}`, source);
  }

  newService(namespace: string, name: string): ServiceEntity {
    const e: ServiceEntity = {
      kind: 'Service',
      namespace,
      name,
      clusterIPs: [],
      externalIPs: [],
      loadBalancerIngress: [],
      ports: [],
      sources: [],
    };
    this.services.set(`${namespace}/${name}`, e);
    return e;
  }

  newPod(namespace: string, name: string): PodEntity {
    const e: PodEntity = { kind: 'Pod', namespace, name, ips: [], sources: [] };
    this.pods.set(`${namespace}/${name}`, e);
    return e;
  }

  newNode(name: string): NodeEntity {
    const e: NodeEntity = {
      kind: 'Node',
      name,
      internalIPs: [],
      externalIPs: [],
      podCIDRs: [],
      interfaces: [],
      sources: [],
    };
    this.nodes.set(name, e);
    return e;
  }

  /** A claim on a node's address that is sharing, not ownership: a Service using a node IP as external or
   *  load-balancer IP (k3s ServiceLB, externalIPs), or an endpoint pod seen only in a slice, i.e. most
   *  likely host-network. Such claims are no conflict and rank after the node. */
  sharesNodeAddress(c: Claim, all: Claim[]): boolean {
    if (!all.some((x) => x.role.startsWith('node-'))) return false;
    if (c.role === 'external-ip' || c.role === 'load-balancer-ip') return true;
    return c.role === 'pod-ip' && !this.podObjects.has(c.key.slice('Pod/'.length));
  }

  finish(): AddressBook {
    for (const [k, values] of this.fields) {
      if (values.size < 2) continue;
      const [subject, field] = k.split('\u0000') as [string, string];
      const claims = [...values].map(([value, sources]) => ({ value, sources: [...sources] }));
      this.conflicts.push({
        subject,
        field,
        claims,
        message: `${subject}: snapshots disagree on ${field} (${claims.map((c) => `${c.value || '(none)'} in ${c.sources.join(', ')}`).join('; ')})`,
      });
    }
    for (const [ip, list] of this.claims) {
      // A Service may legitimately use a node's address as external or load-balancer IP (k3s ServiceLB,
      // externalIPs set to a node): that is sharing, not a conflict. Anything else claimed twice is.
      const owners = list.filter((c) => !this.sharesNodeAddress(c, list));
      const keys = [...new Set(owners.map((c) => c.key))];
      if (keys.length < 2) continue;
      this.conflicts.push({
        ip,
        subject: ip,
        field: 'owner',
        claims: keys.map((key) => ({
          value: key,
          sources: [...new Set(list.filter((c) => c.key === key).flatMap((c) => [...c.sources]))],
        })),
        message: `${ip} is claimed by ${keys.join(' and ')}`,
      });
    }
    const data: Omit<AddressBookData, 'addresses'> = {
      services: [...this.services.values()],
      pods: [...this.pods.values()],
      nodes: [...this.nodes.values()],
      loadBalancers: [...this.lbs.values()],
      conflicts: this.conflicts,
      notes: this.notes,
    };
    return addressBookFromData({
      ...data,
      addresses: [...this.claims].flatMap(([ip, list]) =>
        list.map((c) => ({
          ip,
          role: c.role,
          entity: c.key,
          sources: [...c.sources],
          ...(this.sharesNodeAddress(c, list) ? { sharesNodeAddress: true } : {}),
        })),
      ),
    });
  }
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function samePort(a: ServicePort, b: ServicePort): boolean {
  return a.name === b.name && a.port === b.port && a.protocol === b.protocol;
}

function addSource(e: { sources: string[] }, source: string): void {
  if (!e.sources.includes(source)) e.sources.push(source);
}
