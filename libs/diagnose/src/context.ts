// What every rule gets: the correlation, the resolved options, and lookups that name things
// (capture roles and nodes, Services, Pods, dataplane frontends) whichever inputs were given.
import {
  parseHostPort,
  type AddressBook,
  type DataplaneModel,
  type Frontend,
  type ServiceEntity,
} from '#cluster';
import type { CapturePoint, CaptureRole, CorrelationResult, Flow } from '#correlate';
import { FlowAggregates } from './aggregates.js';
import { resolveOptions, type DiagnoseOptions } from './options.js';
import type { DiagnoseInput } from './types.js';

/** A Service as the findings name it. */
export interface ServiceRef {
  namespace: string;
  name: string;
  /** `namespace/name:port-name` (or `namespace/name` when the port is unnamed or unknown). */
  display: string;
  entity: ServiceEntity | null;
}

export interface PodRef {
  namespace: string;
  name: string;
  node: string | null;
}

export interface Endpoint {
  ip: string;
  port: number;
}

export class RuleContext {
  readonly correlation: CorrelationResult;
  /** The flows the rules look at: every flow, or (streamed) those the collector kept. */
  readonly flows: Flow[];
  readonly options: DiagnoseOptions;
  readonly book: AddressBook | null;
  readonly dataplane: DataplaneModel | null;
  /** Running totals over every flow, for the rules that judge all of them (load balance...). */
  readonly aggregates: FlowAggregates;
  private readonly points = new Map<string, CapturePoint>();
  private readonly offsets = new Map<string, bigint>();

  constructor(input: DiagnoseInput, aggregates?: FlowAggregates) {
    this.correlation = input.correlation;
    this.flows = input.correlation.flows;
    this.options = resolveOptions(input.options);
    this.book = input.addressBook ?? null;
    this.dataplane = input.dataplane ?? null;
    for (const p of input.captures ?? []) this.points.set(p.id, p);
    for (const o of input.correlation.clockOffsets) this.offsets.set(o.capture, BigInt(o.offsetNs));
    this.aggregates = aggregates ?? new FlowAggregates();
    if (!aggregates) for (const f of this.flows) this.aggregates.add(this, f);
  }

  point(capture: string): CapturePoint | null {
    return this.points.get(capture) ?? null;
  }

  /** The capture point's role; without capture points, guessed from its id (client.pcap, node-01...). */
  role(capture: string): CaptureRole | null {
    const known = this.points.get(capture)?.role;
    if (known) return known;
    const m = /(client|node|backend)/i.exec(capture);
    return m ? (m[1]!.toLowerCase() as CaptureRole) : null;
  }

  nodeOf(capture: string): string | null {
    return this.points.get(capture)?.node ?? null;
  }

  /** A capture as people named it: its label (on the server a capture's id is a uuid), else its id. */
  label(capture: string): string {
    return this.points.get(capture)?.label || capture;
  }

  /** Describes a capture point for a sentence: `node.pcap (node k8s-compute-02)`. */
  describeCapture(capture: string): string {
    const p = this.points.get(capture);
    if (!p) return capture;
    const name = this.label(capture);
    if (p.pod) return `${name} (${p.role} pod ${p.pod})`;
    if (p.role === 'node' && p.node) return `${name} (node ${p.node})`;
    return p.node ? `${name} (${p.role} on ${p.node})` : `${name} (${p.role})`;
  }

  /** A capture's timestamp on the reference clock (its clock offset removed). */
  referenceNs(capture: string, ns: string | bigint): bigint {
    return BigInt(ns) - (this.offsets.get(capture) ?? 0n);
  }

  /** The Service a flow was addressed to: address book first, then correlate's name, then the dataplane. */
  service(flow: Flow): ServiceRef | null {
    const ep = endpoint(flow.service);
    const match = ep && this.book?.lookup(ep.ip, ep.port, protocolOf(flow));
    if (match && (match.kind === 'Service' || match.kind === 'LoadBalancer')) {
      const entity = match.entity.kind === 'Service' ? match.entity : this.serviceEntity(match.name);
      const [namespace, name] = splitName(match.name);
      return { namespace, name, display: match.serviceName ?? match.name, entity };
    }
    return this.serviceNamed(flow.serviceName ?? this.frontend(flow)?.service ?? null);
  }

  /** A Service from its display name (`namespace/name:port-name`), as the dataplane model names it. */
  serviceNamed(display: string | null | undefined): ServiceRef | null {
    if (!display) return null;
    const [namespace, rest] = splitName(display);
    const name = rest.split(':')[0]!;
    return { namespace, name, display, entity: this.serviceEntity(`${namespace}/${name}`) };
  }

  serviceEntity(qualified: string): ServiceEntity | null {
    return this.book?.services.find((s) => `${s.namespace}/${s.name}` === qualified) ?? null;
  }

  /** The Pod owning an IP (from the address book), or the flow's backendPod for its backend. */
  pod(ip: string, flow?: Flow): PodRef | null {
    const match = this.book?.lookup(ip);
    if (match?.kind === 'Pod') {
      const [namespace, name] = splitName(match.name);
      return { namespace, name, node: match.node ?? null };
    }
    if (flow?.backendPod && flow.backend && endpoint(flow.backend)?.ip === ip) {
      const [namespace, name] = splitName(flow.backendPod);
      return { namespace, name, node: null };
    }
    return null;
  }

  /** A node name for an IP (InternalIP or interface address), if the address book knows it. */
  nodeName(ip: string): string | null {
    const match = this.book?.lookup(ip);
    return match?.kind === 'Node' ? match.name : null;
  }

  /** The dataplane frontend a flow's original destination hits (`tcp/10.233.9.232:80`, `tcp/*:30080`). */
  frontend(flow: Flow): Frontend | undefined {
    const ep = endpoint(flow.service);
    if (!ep || !this.dataplane) return undefined;
    const proto = protocolOf(flow);
    const exact = `${proto}/${ep.ip.includes(':') ? `[${ep.ip}]` : ep.ip}:${ep.port}`;
    return (
      this.dataplane.frontends.find((f) => f.id === exact) ??
      this.dataplane.frontends.find((f) => f.id === `${proto}/*:${ep.port}` && this.isNodeAddress(ep.ip))
    );
  }

  frontendById(id: string): Frontend | undefined {
    return this.dataplane?.frontends.find((f) => f.id === id);
  }

  private isNodeAddress(ip: string): boolean {
    if (!this.book) return true;
    return this.book.lookupAll(ip).some((m) => m.kind === 'Node' || m.role === 'node-port');
  }

  /** The node that DNATed the flow's request (where its first request NAT translation was seen). */
  natNode(flow: Flow): string | null {
    const nat = flow.translations.find((t) => t.direction === 'request' && /NAT/.test(t.kind));
    return nat ? this.nodeOf(nat.capture) : null;
  }
}

export function endpoint(hostPort: string | null | undefined): Endpoint | null {
  if (!hostPort) return null;
  const parsed = parseHostPort(hostPort);
  if (parsed) return parsed;
  return { ip: hostPort.replace(/^\[|\]$/g, ''), port: 0 };
}

export function ipOf(hostPort: string | null | undefined): string | null {
  return endpoint(hostPort)?.ip ?? null;
}

export function protocolOf(flow: Flow): 'tcp' | 'udp' | 'sctp' {
  return flow.protocol === 'udp' ? 'udp' : flow.protocol === 'sctp' ? 'sctp' : 'tcp';
}

function splitName(qualified: string): [string, string] {
  const i = qualified.indexOf('/');
  return i < 0 ? ['default', qualified] : [qualified.slice(0, i), qualified.slice(i + 1)];
}
