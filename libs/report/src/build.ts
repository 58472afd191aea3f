// buildReport: correlation + findings -> the report's JSON form (DESIGN.md). Everything the renderers
// print is in the document, so md/txt/json always agree and the API can cache the JSON alone.
import { directionOf, orderPerspectives } from './path-order.js';
import { summariseServices } from './services.js';
import type {
  FindingInput,
  FlowInput,
  ReportCapture,
  ReportDocument,
  ReportFinding,
  ReportFlow,
  ReportInput,
  ReportSummary,
} from './types.js';

const SEVERITY_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

export function buildReport(input: ReportInput): ReportDocument {
  const { analysis, correlation } = input;
  const offsets = new Map(correlation.clockOffsets.map((o) => [o.capture, BigInt(o.offsetNs)]));
  const roles = new Map(analysis.captures.map((c) => [c.id, c.role]));
  const flows = correlation.flows.map((f) => reportFlow(f, offsets, roles));
  const findings = input.findings.map(reportFinding).sort(bySeverity);
  const services = summariseServices(flows);
  const captures: ReportCapture[] = analysis.captures.map((c) => ({
    id: c.id,
    role: c.role,
    label: c.label || c.id,
    node: c.node ?? null,
    pod: c.pod ?? null,
    packets: c.packets,
  }));
  return {
    analysis: { id: analysis.id, status: analysis.status, name: analysis.name ?? null, captures },
    summary: summarise(flows, findings, services.length),
    clockOffsets: correlation.clockOffsets.map((o) => ({
      capture: o.capture,
      offsetNs: o.offsetNs,
      spreadNs: o.spreadNs,
      pairs: o.pairs ?? null,
      reference: o.reference ?? false,
    })),
    services,
    flows,
    findings,
  };
}

function reportFlow(f: FlowInput, offsets: Map<string, bigint>, roles: Map<string, string>): ReportFlow {
  return {
    id: f.id,
    protocol: f.protocol,
    client: f.client,
    service: f.service,
    backend: f.backend,
    clientSeenByBackend: f.clientSeenByBackend,
    serviceName: f.serviceName,
    backendPod: f.backendPod,
    state: f.state,
    translations: f.translations.map((t) => ({
      kind: t.kind,
      direction: t.direction ?? directionOf(f, t.before),
      before: { src: t.before.src, dst: t.before.dst },
      after: { src: t.after.src, dst: t.after.dst },
      capture: t.capture,
      fromCapture: t.fromCapture ?? null,
      interfaces: t.interfaces ?? null,
      outer: t.outer ?? null,
      latencyNs: t.latencyNs,
    })),
    perspectives: orderPerspectives(f, offsets, roles),
    communityIds: f.communityIds ?? null,
    firstNs: f.firstNs ?? null,
    lastNs: f.lastNs ?? null,
    resetBy: f.resetBy ?? null,
    icmpError: f.icmpError ?? null,
    retransmissions: f.retransmissions ?? 0,
  };
}

function reportFinding(f: FindingInput): ReportFinding {
  return {
    code: f.code,
    severity: f.severity,
    title: f.title,
    detail: f.detail ?? null,
    flows: f.flows ?? [],
    evidence: f.evidence ?? null,
    next: f.next ?? [],
  };
}

function bySeverity(a: ReportFinding, b: ReportFinding): number {
  return (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3);
}

function count<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

function summarise(flows: ReportFlow[], findings: ReportFinding[], services: number): ReportSummary {
  let first: bigint | null = null;
  let last: bigint | null = null;
  for (const f of flows) {
    if (f.firstNs && (first === null || BigInt(f.firstNs) < first)) first = BigInt(f.firstNs);
    if (f.lastNs && (last === null || BigInt(f.lastNs) > last)) last = BigInt(f.lastNs);
  }
  return {
    flows: flows.length,
    services,
    protocols: count(flows, (f) => f.protocol),
    states: count(flows, (f) => f.state),
    translations: count(
      flows.flatMap((f) => f.translations.filter((t) => t.kind !== 'NONE')),
      (t) => t.kind,
    ),
    findings: count(findings, (f) => f.severity),
    firstNs: first === null ? null : String(first),
    lastNs: last === null ? null : String(last),
  };
}

/** True when the report holds a finding of severity error (the CLI's exit code 1). */
export function hasErrors(doc: Pick<ReportDocument, 'findings'>): boolean {
  return doc.findings.some((f) => f.severity === 'error');
}
