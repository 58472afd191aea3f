// The expected dataplane: per Service frontend, what kubectl intends and what each node's kube-proxy
// actually programmed, plus the differences as structured facts for libs/diagnose to turn into findings.
import type { FrontendKind, Masquerade, Protocol } from './types.js';

export type DataplaneForm = 'ipvs' | 'iptables' | 'nft';

export type MismatchKind =
  /** A ready endpoint the node's rules do not send traffic to. */
  | 'ENDPOINT_NOT_PROGRAMMED'
  /** The node's rules send traffic to an address that is not a (serving) endpoint any more. */
  | 'STALE_BACKEND'
  /** An IPVS real server with weight 0 gets no new connections (kube-proxy drains terminating endpoints so). */
  | 'WEIGHT_ZERO'
  /** An IPVS virtual service whose VIP is not on kube-ipvs0: the node will not accept its traffic. */
  | 'VIP_NOT_BOUND'
  /** No usable endpoints: kube-proxy rejects (or drops) the traffic, or the virtual service is empty. */
  | 'NO_ENDPOINTS'
  /** Every endpoint is programmed but the split of new connections differs from the intended one. */
  | 'SHARE_MISMATCH'
  /** A Service frontend with endpoints that a node's dataplane snapshot has no rules for at all. */
  | 'SERVICE_NOT_PROGRAMMED'
  /** The node's neighbour table (`ip neigh`) has the backend INCOMPLETE or FAILED: nobody answers ARP/NDP for it. */
  | 'BACKEND_UNREACHABLE';

export interface IntendedBackend {
  ip: string;
  port: number;
  /** `namespace/name` of the endpoint's pod, when the EndpointSlice names it. */
  pod?: string;
  node?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  source: string;
}

export interface ProgrammedBackendView {
  ip: string;
  port: number;
  /** Fraction of new connections (0..1) this node sends here. */
  share: number;
  weight?: number;
  activeConn?: number;
  inactConn?: number;
  chain?: string;
  line: number;
}

export interface ProgrammedOnNode {
  node: string;
  form: DataplaneForm;
  source: string;
  /** Line of the snapshot where this frontend is programmed. */
  line: number;
  /** The address family these rules serve (ip6tables / `table ip6` / an IPv6 virtual service → 6). */
  family: 4 | 6;
  /** IPVS: the virtual service address (a NodePort has one per node address). */
  address?: string;
  scheduler?: string;
  backends: ProgrammedBackendView[];
  /** How the rules refuse traffic when the service has no endpoints (icmp-port-unreachable, tcp-reset, drop). */
  rejected?: string;
  /** IPVS only, when an `ip addr` of the node was given: is the VIP on kube-ipvs0? */
  vipBound?: boolean;
  /** iptables / nft: whether this frontend's traffic is masqueraded to the node (always, or from outside a CIDR). */
  masquerade?: Masquerade;
}

/** Connections a node's connection table (conntrack -L, ipvsadm -Lnc) shows translated to a backend. */
export interface ObservedBackend {
  node: string;
  source: string;
  ip: string;
  port: number;
  connections: number;
  /** Count per conntrack / IPVS state (ESTABLISHED, TIME_WAIT, SYN_SENT, UNREPLIED…). */
  states: Record<string, number>;
}

export interface Frontend {
  /** `tcp/10.96.0.10:53`, or `tcp/*:30080` for a NodePort on every node address. */
  id: string;
  kind: FrontendKind;
  ip?: string;
  port: number;
  protocol: Protocol;
  /** `namespace/name:port-name` when known. */
  service?: string;
  /** externalTrafficPolicy for NodePort/ExternalIP/LoadBalancer, internalTrafficPolicy for ClusterIP. */
  trafficPolicy?: string;
  /** kubectl snapshots that declare this frontend; empty when only a node's dataplane knows it. */
  declaredBy: string[];
  /** Whether EndpointSlices were given at all: only then is an empty `intended` news. */
  endpointsKnown?: boolean;
  intended: IntendedBackend[];
  /** Share of new connections each usable endpoint should get cluster-wide (equal split, as kube-proxy does). */
  expectedShares: { ip: string; port: number; share: number }[];
  programmed: ProgrammedOnNode[];
  /** What the nodes' connection tables show actually happened, when such snapshots were given. */
  observed: ObservedBackend[];
}

export interface DataplaneMismatch {
  kind: MismatchKind;
  frontend: string;
  service?: string;
  node?: string;
  form?: DataplaneForm;
  /** `ip:port` of the backend concerned. */
  backend?: string;
  pod?: string;
  /** Snapshots holding the evidence, and the line in the dataplane one. */
  sources: string[];
  line?: number;
  message: string;
}

export interface DataplaneModel {
  frontends: Frontend[];
  /** Nodes with at least one dataplane snapshot. */
  nodes: string[];
  /** From the kube-proxy ConfigMap, when given. */
  proxyMode?: string;
  mismatches: DataplaneMismatch[];
}
