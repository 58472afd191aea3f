// What the address book holds and answers. Plain data throughout (it is stored as JSON and sent to
// workers); every entity and every IP fact names the snapshots it came from.
import type { Protocol, ServicePort } from './types.js';

export type EntityKind = 'Service' | 'Pod' | 'Node' | 'LoadBalancer';

export type AddressRole =
  | 'cluster-ip'
  | 'external-ip'
  | 'load-balancer-ip'
  | 'node-port'
  | 'pod-ip'
  | 'node-internal-ip'
  | 'node-external-ip'
  | 'node-interface';

export interface ServiceEntity {
  kind: 'Service';
  namespace: string;
  name: string;
  type?: string;
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIngress: { ip?: string; hostname?: string }[];
  ports: ServicePort[];
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  sources: string[];
}

export interface PodEntity {
  kind: 'Pod';
  namespace: string;
  name: string;
  node?: string;
  ips: string[];
  ready?: boolean;
  phase?: string;
  hostNetwork?: boolean;
  owner?: { kind: string; name: string };
  sources: string[];
}

export interface NodeEntity {
  kind: 'Node';
  name: string;
  internalIPs: string[];
  externalIPs: string[];
  podCIDRs: string[];
  /** Addresses seen on the node's interfaces (`ip addr`), e.g. the CNI bridge used as masquerade source. */
  interfaces: { interface: string; ip: string; prefixLength: number; source: string }[];
  sources: string[];
}

export interface LoadBalancerEntity {
  kind: 'LoadBalancer';
  ip: string;
  hostname?: string;
  /** `namespace/name` of the Service the load balancer fronts. */
  service: string;
  sources: string[];
}

export type Entity = ServiceEntity | PodEntity | NodeEntity | LoadBalancerEntity;

export interface AddressMatch {
  ip: string;
  port?: number;
  protocol?: Protocol;
  kind: EntityKind;
  role: AddressRole;
  /** `namespace/name` for Services and Pods, the node name, or the Service a LoadBalancer IP fronts. */
  name: string;
  namespace?: string;
  /** For Services and LoadBalancers matched on a port: `namespace/name:port-name`, as reports print it. */
  serviceName?: string;
  servicePort?: ServicePort;
  /** The node a Pod runs on, or the Node itself. */
  node?: string;
  /** The snapshots that assert this IP belongs to this entity. */
  sources: string[];
  entity: Entity;
}

export interface AddressConflict {
  /** The IP two entities claim, or absent when one entity's field disagrees across snapshots. */
  ip?: string;
  subject: string;
  field: string;
  claims: { value: string; sources: string[] }[];
  message: string;
}

/** One claim that an IP belongs to an entity (`Service/ns/name`, `Pod/ns/name`, `Node/name`, `LoadBalancer/ip`). */
export interface AddressClaim {
  ip: string;
  role: AddressRole;
  entity: string;
  sources: string[];
  /** A claim on a node's address that shares it rather than owns it (ServiceLB, host-network pods). */
  sharesNodeAddress?: boolean;
}

export interface AddressBookData {
  services: ServiceEntity[];
  pods: PodEntity[];
  nodes: NodeEntity[];
  loadBalancers: LoadBalancerEntity[];
  conflicts: AddressConflict[];
  /** Snapshots, or parts of them, the book could not attribute (e.g. `ip addr` from an unknown node). */
  notes: string[];
  /** Every IP → entity claim; `addressBookFromData` answers lookups from this and the entities. */
  addresses: AddressClaim[];
}

export interface AddressBook extends AddressBookData {
  /** The entity owning `ip` (and, with a port, the Service port or NodePort it serves), or undefined. */
  lookup(ip: string, port?: number, protocol?: Protocol): AddressMatch | undefined;
  /** Every claim on `ip`, most specific first (several when the snapshots conflict). */
  lookupAll(ip: string, port?: number, protocol?: Protocol): AddressMatch[];
  toJSON(): AddressBookData;
}
