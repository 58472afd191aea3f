import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/auth.guard.js';
import {
  orderedReportFlow,
  ReportAccumulator,
  reportDocument,
  ReportWriter,
  type ClockOffsetInput,
  type FlowInput,
  type ReportAnalysisInput,
  type ReportDocument,
  type ReportFormat,
  type TextOut,
} from '#report';
import type { CaptureSummary } from '#correlate';
import { CapturesRepository, ResultsRepository, type ResultsFlow } from '#persistence';
import { AnalysesService } from './analyses.service.js';

/**
 * The report of a stored analysis: rebuilds libs/report's input from the rows the worker
 * wrote (their perspectives already in path order) and writes it with the same ReportWriter
 * as `natlens analyze`, so the API serves the same document the CLI prints offline.
 */
@Injectable()
export class ReportService {
  constructor(
    private readonly analyses: AnalysesService,
    private readonly captures: CapturesRepository,
    private readonly results: ResultsRepository,
  ) {}

  /** The whole document (chat reads its services, flows and findings). */
  async report(caller: Caller, id: string): Promise<ReportDocument> {
    const { analysis, clockOffsets, flows, findings } = await this.load(caller, id);
    const totals = new ReportAccumulator();
    const reportFlows = flows.map((f) => orderedReportFlow(flowInput(f)));
    for (const f of reportFlows) totals.add(f);
    return reportDocument(analysis, clockOffsets, totals, findings, reportFlows);
  }

  /** The report written as `natlens analyze` writes it, flow by flow, by the same writer. */
  async write(caller: Caller, id: string, format: ReportFormat, out: TextOut): Promise<void> {
    const { analysis, clockOffsets, flows, findings } = await this.load(caller, id);
    const writer = new ReportWriter(format, out);
    for (const f of flows) writer.flow(orderedReportFlow(flowInput(f)));
    writer.end(analysis, clockOffsets, findings);
  }

  private async load(caller: Caller, id: string) {
    const analysis = await this.analyses.get(caller, id);
    const [captures, flows, findings] = await Promise.all([
      this.captures.findMany(analysis.captures.map((c) => c.captureId)),
      this.results.flows(id),
      this.results.findings(id),
    ]);
    const summary = (analysis.summary ?? {}) as {
      clockOffsets?: ClockOffsetInput[];
      captures?: Pick<CaptureSummary, 'capture' | 'undecoded' | 'unsupportedLinkTypes'>[];
      points?: { id: string; label?: string | null; node?: string | null; pod?: string | null }[];
    };
    // Where each capture was taken as the analysis resolved it; the upload's own words otherwise.
    const points = new Map((summary.points ?? []).map((p) => [p.id, p]));
    const seen = new Map((summary.captures ?? []).map((c) => [c.capture, c]));
    const input: ReportAnalysisInput = {
      id: analysis.id,
      status: analysis.status,
      name: analysis.name,
      captures: captures.map((c) => ({
        id: c.id,
        role: c.role,
        label: points.get(c.id)?.label ?? c.label,
        node: points.get(c.id)?.node ?? c.node,
        pod: points.get(c.id)?.pod ?? (c.podName ? `${c.podNamespace}/${c.podName}` : null),
        packets: c.packetCount ?? 0,
        undecoded: seen.get(c.id)?.undecoded ?? null,
        unsupportedLinkTypes: seen.get(c.id)?.unsupportedLinkTypes ?? null,
      })),
    };
    return {
      analysis: input,
      clockOffsets: summary.clockOffsets ?? [],
      flows,
      findings: findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        title: f.title,
        detail: f.detail,
        flows: f.flowKeys,
        evidence: f.evidence,
        next: f.next,
      })),
    };
  }
}

/** A stored flow back in the correlator's shape: columns plus the JSON detail the worker kept. */
function flowInput(row: ResultsFlow): FlowInput {
  const detail = row.detail as Partial<FlowInput>;
  return {
    id: row.key,
    protocol: row.protocol,
    client: row.client,
    service: row.service,
    backend: row.backend,
    clientSeenByBackend: row.clientSeenByBackend,
    serviceName: row.serviceName,
    backendPod: row.backendPod,
    state: row.state,
    translations: detail.translations ?? [],
    perspectives: detail.perspectives ?? [],
    communityIds: row.communityIdClient
      ? { client: row.communityIdClient, backend: row.communityIdBackend }
      : null,
    firstNs: row.firstNs.toFixed(0),
    lastNs: row.lastNs.toFixed(0),
    resetBy: detail.resetBy ?? null,
    icmpError: detail.icmpError ?? null,
    retransmissions: detail.retransmissions ?? null,
  };
}
