import { Injectable } from '@nestjs/common';
import type { Caller } from '../auth/auth.guard.js';
import {
  buildReport,
  type ClockOffsetInput,
  type FlowInput,
  type ReportDocument,
  type ReportInput,
} from '#report';
import { CapturesRepository, ResultsRepository, type ResultsFlow } from '#persistence';
import { AnalysesService } from './analyses.service.js';

/**
 * The report of a stored analysis: rebuilds libs/report's input from the rows the worker
 * wrote, so the API serves the same document `natlens analyze` prints offline.
 */
@Injectable()
export class ReportService {
  constructor(
    private readonly analyses: AnalysesService,
    private readonly captures: CapturesRepository,
    private readonly results: ResultsRepository,
  ) {}

  async report(caller: Caller, id: string): Promise<ReportDocument> {
    const analysis = await this.analyses.get(caller, id);
    const [captures, flows, findings] = await Promise.all([
      this.captures.findMany(analysis.captures.map((c) => c.captureId)),
      this.results.flows(id),
      this.results.findings(id),
    ]);
    const summary = (analysis.summary ?? {}) as { clockOffsets?: ClockOffsetInput[] };
    const input: ReportInput = {
      analysis: {
        id: analysis.id,
        status: analysis.status,
        name: analysis.name,
        captures: captures.map((c) => ({
          id: c.id,
          role: c.role,
          label: c.label,
          node: c.node,
          pod: c.podName ? `${c.podNamespace}/${c.podName}` : null,
          packets: c.packetCount ?? 0,
        })),
      },
      correlation: { flows: flows.map(flowInput), clockOffsets: summary.clockOffsets ?? [] },
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
    return buildReport(input);
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
