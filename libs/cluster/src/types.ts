// Shared data shapes. Everything here is plain JSON-serialisable data: parsed snapshots are stored in
// PostgreSQL as JSON and sent to workers, so no Maps, classes or undefined-vs-missing distinctions matter.

export type Protocol = 'tcp' | 'udp' | 'sctp';

export type SnapshotKind =
  | 'kubectl'
  | 'kube-proxy-config'
  | 'ipvsadm'
  | 'ipvsadm-connections'
  | 'iptables-save'
  | 'nft'
  | 'ip-addr'
  | 'ip-route'
  | 'ip-neigh'
  | 'conntrack';

/** A line (and for JSON/YAML, a path) the parser saw but did not use, and why. */
export interface Skipped {
  line: number;
  reason: string;
  path?: string;
}

/** An IP and port as written in the dataplane; `ip` is canonical (lower-case, IPv6 compressed, no brackets). */
export interface HostPort {
  ip: string;
  port: number;
}

// ---- kubectl -------------------------------------------------------------------------------------

export interface ServicePort {
  name: string;
  port: number;
  protocol: Protocol;
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceObject {
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIngress: { ip?: string; hostname?: string }[];
  ports: ServicePort[];
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  sessionAffinity?: string;
  selector?: Record<string, string>;
}

export interface PodObject {
  namespace: string;
  name: string;
  node?: string;
  ips: string[];
  hostIP?: string;
  hostNetwork: boolean;
  phase?: string;
  ready: boolean;
  owner?: { kind: string; name: string };
  labels: Record<string, string>;
}

export interface NodeObject {
  name: string;
  internalIPs: string[];
  externalIPs: string[];
  podCIDRs: string[];
  ready?: boolean;
}

export interface EndpointRecord {
  addresses: string[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name: string };
}

/** EndpointSlice (discovery.k8s.io/v1); legacy v1 Endpoints are converted to this shape, one per subset. */
export interface EndpointSliceObject {
  namespace: string;
  name: string;
  service?: string;
  addressType: string;
  ports: { name: string; port?: number; protocol: Protocol }[];
  endpoints: EndpointRecord[];
  from: 'EndpointSlice' | 'Endpoints';
}

export interface KubeProxyConfig {
  /** iptables when the configuration leaves it empty, as kube-proxy does on Linux. */
  mode: 'iptables' | 'ipvs' | 'nftables' | string;
  ipvsScheduler?: string;
  ipvsStrictARP?: boolean;
  masqueradeAll?: boolean;
  clusterCIDR?: string;
  nodePortAddresses?: string[];
  detectLocalMode?: string;
}

export interface KubectlData {
  services: ServiceObject[];
  pods: PodObject[];
  nodes: NodeObject[];
  endpointSlices: EndpointSliceObject[];
  kubeProxyConfig?: KubeProxyConfig;
}

// ---- dataplane rules (iptables-save and nft share this after parsing) ------------------------------

export type FrontendKind = 'ClusterIP' | 'ExternalIP' | 'LoadBalancer' | 'NodePort';

export interface ProgrammedFrontend {
  kind: FrontendKind;
  /** Absent for NodePort rules that match any local address. */
  ip?: string;
  port: number;
  line: number;
  /** Set when this frontend reaches a different backend set than the service chain (traffic policy Local). */
  backends?: ProgrammedBackend[];
  /** Set when only this frontend refuses traffic (e.g. a NodePort with no local endpoints). */
  rejected?: { how: string; line: number };
  /** Whether the rules mark this frontend's traffic for masquerade (SNAT to the node): always (NodePort
   *  and external IPs under traffic policy Cluster, masqueradeAll), or only from outside `cidr`. */
  masquerade?: Masquerade;
}

export interface Masquerade {
  when: 'always' | 'source-outside';
  cidr?: string;
  line: number;
}

export interface ProgrammedBackend extends HostPort {
  /** Fraction of new connections this backend receives (0..1), from probabilities, numgen or weights. */
  share: number;
  chain?: string;
  line: number;
}

/** One Service port as kube-proxy programmed it in iptables or nftables. */
export interface ProgrammedService {
  /** `namespace/name:port`, from rule comments or chain names; absent when the rules do not say. */
  service?: string;
  /** The 16-character hash in KUBE-SVC-*, KUBE-EXT-*, service-*-… chain names, used to join forms. */
  hash?: string;
  protocol: Protocol;
  frontends: ProgrammedFrontend[];
  backends: ProgrammedBackend[];
  /** Present when the rules reject or drop this service's traffic because it has no endpoints. */
  rejected?: { how: string; line: number };
  sessionAffinity?: boolean;
}

export interface IptablesRule {
  line: number;
  table: string;
  chain: string;
  /** The rule's match and target text after `-A CHAIN`. */
  spec: string;
  target?: string;
  comment?: string;
}

export interface IptablesData {
  tables: { name: string; chains: string[]; rules: IptablesRule[] }[];
  services: ProgrammedService[];
}

export interface NftChain {
  name: string;
  line: number;
  rules: { line: number; text: string }[];
}

export interface NftMap {
  name: string;
  kind: 'map' | 'set';
  line: number;
  type?: string;
  elements: string[];
}

export interface NftData {
  tables: { family: string; name: string; line: number; chains: NftChain[]; maps: NftMap[] }[];
  /** Which kube-proxy layout the ruleset holds: native nftables mode, iptables rules via iptables-nft, or none. */
  layout: 'kube-proxy-nftables' | 'iptables-nft' | 'none';
  services: ProgrammedService[];
}

// ---- IPVS ------------------------------------------------------------------------------------------

export interface IpvsRealServer extends HostPort {
  line: number;
  forward?: string;
  weight?: number;
  activeConn?: number;
  inactConn?: number;
  /** `--persistent-conn` view only. */
  persistConn?: number;
  stats?: IpvsCounters;
}

export interface IpvsCounters {
  /** --stats: Conns InPkts OutPkts InBytes OutBytes; --rate: CPS InPPS OutPPS InBPS OutBPS. */
  [name: string]: number;
}

export interface IpvsVirtualServer {
  line: number;
  protocol: Protocol | 'fwmark';
  ip?: string;
  port?: number;
  fwmark?: number;
  ipv6?: boolean;
  scheduler?: string;
  persistent?: number;
  netmask?: string;
  flags: string[];
  stats?: IpvsCounters;
  realServers: IpvsRealServer[];
}

export interface IpvsData {
  view: 'list' | 'stats' | 'rate';
  virtualServers: IpvsVirtualServer[];
}

export interface IpvsConnection {
  line: number;
  protocol: string;
  expire: string;
  state: string;
  source: HostPort;
  virtual: HostPort;
  destination: HostPort;
}

export interface IpvsConnectionsData {
  connections: IpvsConnection[];
}

// ---- ip, conntrack -------------------------------------------------------------------------------

export interface InterfaceAddress {
  family: 'inet' | 'inet6';
  ip: string;
  prefixLength: number;
  scope?: string;
  label?: string;
}

export interface NetInterface {
  index?: number;
  name: string;
  flags: string[];
  mtu?: number;
  state?: string;
  mac?: string;
  master?: string;
  addresses: InterfaceAddress[];
  line: number;
}

export interface IpAddrData {
  interfaces: NetInterface[];
}

export interface Route {
  line: number;
  type?: string;
  dst: string;
  via?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  src?: string;
  metric?: number;
  flags: string[];
}

export interface IpRouteData {
  routes: Route[];
}

export interface Neighbor {
  line: number;
  ip: string;
  dev?: string;
  lladdr?: string;
  /** REACHABLE, STALE, INCOMPLETE, FAILED, PERMANENT…: INCOMPLETE/FAILED for a backend means it is gone. */
  state?: string;
  router?: boolean;
}

export interface IpNeighData {
  neighbors: Neighbor[];
}

export interface ConntrackTuple {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  icmp?: { type: number; code: number; id?: number };
}

export interface ConntrackEntry {
  line: number;
  family?: 'ipv4' | 'ipv6';
  protocol: string;
  timeout?: number;
  state?: string;
  original: ConntrackTuple;
  reply: ConntrackTuple;
  flags: string[];
  mark?: number;
  zone?: number;
  /** The reply's source differs from the original destination: the connection was DNATed. */
  dnat: boolean;
  /** The reply's destination differs from the original source: the connection was SNATed. */
  snat: boolean;
}

export interface ConntrackData {
  entries: ConntrackEntry[];
}

// ---- the parsed snapshot ---------------------------------------------------------------------------

interface SnapshotBase {
  name: string;
  node?: string;
  skipped: Skipped[];
}

export type ParsedSnapshot =
  | (SnapshotBase & { kind: 'kubectl'; data: KubectlData })
  | (SnapshotBase & { kind: 'kube-proxy-config'; data: KubeProxyConfig })
  | (SnapshotBase & { kind: 'ipvsadm'; data: IpvsData })
  | (SnapshotBase & { kind: 'ipvsadm-connections'; data: IpvsConnectionsData })
  | (SnapshotBase & { kind: 'iptables-save'; data: IptablesData })
  | (SnapshotBase & { kind: 'nft'; data: NftData })
  | (SnapshotBase & { kind: 'ip-addr'; data: IpAddrData })
  | (SnapshotBase & { kind: 'ip-route'; data: IpRouteData })
  | (SnapshotBase & { kind: 'ip-neigh'; data: IpNeighData })
  | (SnapshotBase & { kind: 'conntrack'; data: ConntrackData });

export type SnapshotOf<K extends SnapshotKind> = Extract<ParsedSnapshot, { kind: K }>;
