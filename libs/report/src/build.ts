// buildReport: correlation + findings -> the report's JSON form (DESIGN.md). Everything the renderers
// print is in the document, so md/txt/json always agree and the API can cache the JSON alone.
import { ReportAccumulator } from './accumulator.js';
import { directionOf, orderPerspectives } from './path-order.js';
import type {
  ClockOffsetInput,
  FindingInput,
  FlowInput,
  ReportCapture,
  ReportDocument,
  ReportFinding,
  ReportFlow,
  ReportInput,
  ReportPerspective,
} from './types.js';

const SEVERITY_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

export function buildReport(input: ReportInput): ReportDocument {
  const { analysis, correlation } = input;
  const offsets = new Map(correlation.clockOffsets.map((o) => [o.capture, BigInt(o.offsetNs)]));
  const roles = new Map(analysis.captures.map((c) => [c.id, c.role]));
  const flows = correlation.flows.map((f) => reportFlow(f, orderPerspectives(f, offsets, roles)));
  const totals = new ReportAccumulator();
  for (const f of flows) totals.add(f);
  return reportDocument(analysis, correlation.clockOffsets, totals, input.findings, flows);
}

/**
 * The document around the flows: `flows` are all of them (a whole report) or those the totals
 * kept for the text tables (a streamed one, whose flows went out one by one).
 */
export function reportDocument(
  analysis: ReportInput['analysis'],
  clockOffsets: ClockOffsetInput[],
  totals: ReportAccumulator,
  findingInputs: FindingInput[],
  flows: ReportFlow[],
): ReportDocument {
  const findings = findingInputs.map(reportFinding).sort(bySeverity);
  const captures: ReportCapture[] = analysis.captures.map((c) => ({
    id: c.id,
    role: c.role,
    label: c.label || c.id,
    node: c.node ?? null,
    pod: c.pod ?? null,
    packets: c.packets,
    ...(c.undecoded && Object.keys(c.undecoded).length ? { undecoded: c.undecoded } : {}),
    ...(c.unsupportedLinkTypes && Object.keys(c.unsupportedLinkTypes).length
      ? { unsupportedLinkTypes: c.unsupportedLinkTypes }
      : {}),
  }));
  return {
    analysis: { id: analysis.id, status: analysis.status, name: analysis.name ?? null, captures },
    summary: totals.summary(findings),
    clockOffsets: clockOffsets.map((o) => ({
      capture: o.capture,
      offsetNs: o.offsetNs,
      spreadNs: o.spreadNs,
      pairs: o.pairs ?? null,
      reference: o.reference ?? false,
    })),
    services: totals.services(),
    flows,
    findings,
  };
}

/** A flow in the report's form; `perspectives` already in path order (orderPerspectives). */
export function reportFlow(f: FlowInput, perspectives: ReportPerspective[]): ReportFlow {
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
    perspectives,
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

/** True when the report holds a finding of severity error (the CLI's exit code 1). */
export function hasErrors(doc: Pick<ReportDocument, 'findings'>): boolean {
  return doc.findings.some((f) => f.severity === 'error');
}
