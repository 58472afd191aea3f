// Answers address-book lookups from its plain data, so a book stored as JSON (or sent to a worker)
// works again after `addressBookFromData(JSON.parse(…))`.
import type {
  AddressBook,
  AddressBookData,
  AddressClaim,
  AddressMatch,
  AddressRole,
  Entity,
  ServiceEntity,
} from './address-book-types.js';
import { canonicalIp, servicePortName } from './text.js';
import type { Protocol, ServicePort } from './types.js';

/** Most specific first: a VIP names a Service even when the same IP also appears elsewhere. */
const ROLE_ORDER: AddressRole[] = [
  'cluster-ip',
  'external-ip',
  'load-balancer-ip',
  'pod-ip',
  'node-internal-ip',
  'node-external-ip',
  'node-interface',
  'node-port',
];

export function addressBookFromData(data: AddressBookData): AddressBook {
  const entities = new Map<string, Entity>();
  const services = new Map<string, ServiceEntity>();
  for (const s of data.services) {
    entities.set(`Service/${s.namespace}/${s.name}`, s);
    services.set(`${s.namespace}/${s.name}`, s);
  }
  for (const p of data.pods) entities.set(`Pod/${p.namespace}/${p.name}`, p);
  for (const n of data.nodes) entities.set(`Node/${n.name}`, n);
  for (const l of data.loadBalancers) entities.set(`LoadBalancer/${l.ip}`, l);
  const byIp = new Map<string, AddressClaim[]>();
  for (const c of data.addresses) (byIp.get(c.ip) ?? byIp.set(c.ip, []).get(c.ip)!).push(c);

  const servesPort = (e: Entity | undefined, port: number, protocol?: Protocol): boolean => {
    const svc = e?.kind === 'LoadBalancer' ? services.get(e.service) : e;
    return (
      svc?.kind === 'Service' &&
      svc.ports.some((p) => p.port === port && (!protocol || p.protocol === protocol))
    );
  };

  const match = (
    ip: string,
    port: number | undefined,
    protocol: Protocol | undefined,
    role: AddressRole,
    e: Entity,
    sources: string[],
    nodePortOf?: ServicePort,
  ): AddressMatch => {
    const base = {
      ip,
      ...(port !== undefined ? { port } : {}),
      ...(protocol ? { protocol } : {}),
      role,
      sources,
      entity: e,
    };
    if (e.kind === 'Service' || e.kind === 'LoadBalancer') {
      const svc = e.kind === 'Service' ? e : services.get(e.service);
      const [ns, name] =
        e.kind === 'Service' ? [e.namespace, e.name] : (e.service.split('/') as [string, string]);
      const sp =
        nodePortOf ??
        (port !== undefined
          ? svc?.ports.find((p) => p.port === port && (!protocol || p.protocol === protocol))
          : svc?.ports.length === 1
            ? svc.ports[0]
            : undefined);
      return {
        ...base,
        kind: e.kind,
        name: `${ns}/${name}`,
        namespace: ns,
        ...(sp ? { servicePort: sp, serviceName: servicePortName(ns, name, sp.name) } : {}),
      };
    }
    if (e.kind === 'Pod') {
      return {
        ...base,
        kind: 'Pod',
        name: `${e.namespace}/${e.name}`,
        namespace: e.namespace,
        ...(e.node ? { node: e.node } : {}),
      };
    }
    return { ...base, kind: 'Node', name: e.name, node: e.name };
  };

  const lookupAll = (rawIp: string, port?: number, protocol?: Protocol): AddressMatch[] => {
    const ip = canonicalIp(rawIp);
    if (!ip) return [];
    const claims = byIp.get(ip) ?? [];
    // Ranked after the rest: host-network pods on a node address, and with a port, VIPs not serving it.
    const demoted = (c: AddressClaim) => {
      if (c.role === 'pod-ip') return c.sharesNodeAddress ? 1 : 0;
      if (port === undefined || c.role.startsWith('node-')) return 0;
      return servesPort(entities.get(c.entity), port, protocol) ? 0 : 1;
    };
    const ranked = [...claims].sort(
      (a, b) =>
        demoted(a) - demoted(b) ||
        ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
        b.sources.length - a.sources.length,
    );
    const out: AddressMatch[] = [];
    // A node address plus a NodePort is the Service, not the node.
    if (port !== undefined && claims.some((c) => c.role.startsWith('node-'))) {
      for (const svc of services.values()) {
        const sp = svc.ports.find((p) => p.nodePort === port && (!protocol || p.protocol === protocol));
        if (sp) out.push(match(ip, port, protocol, 'node-port', svc, [...svc.sources], sp));
      }
    }
    for (const c of ranked) {
      const e = entities.get(c.entity);
      if (e) out.push(match(ip, port, protocol, c.role, e, [...c.sources]));
    }
    return out;
  };

  return {
    ...data,
    lookupAll,
    lookup: (ip, port, protocol) => lookupAll(ip, port, protocol)[0],
    toJSON: () => data,
  };
}
