import { Injectable, NotFoundException } from '@nestjs/common';
import { readDecodable } from '#decode';
import { AnalysesRepository, CapturesRepository, FlowsQueryRepository } from '#persistence';
import { UploadStorage } from '#platform';
import { flowPackets, pcapngBlocks, type FlowPacketsFlow } from '#report';
import type { Caller } from '../auth/auth.guard.js';

export interface FlowPcapng {
  fileName: string;
  blocks: Uint8Array[];
  packets: number;
}

/**
 * One flow as a pcapng: every packet of it at every capture point (the stored sightings, and the
 * other packets of each perspective found by their tuple), read back from each capture file, on the
 * reference clock (the analysis' clock offsets removed), one interface per capture point and a
 * comment on each packet NAT rewrote. The same code as `natlens export-flow`.
 */
@Injectable()
export class FlowExportService {
  constructor(
    private readonly analyses: AnalysesRepository,
    private readonly flows: FlowsQueryRepository,
    private readonly captures: CapturesRepository,
    private readonly storage: UploadStorage,
  ) {}

  async pcapng(caller: Caller, analysisId: string, flowId: string): Promise<FlowPcapng> {
    const analysis = await this.analyses.find(caller.projectId, analysisId);
    if (!analysis)
      throw new NotFoundException({
        code: 'NOT_FOUND',
        message: `no analysis ${analysisId} in this project`,
      });
    const flow = await this.flows.flow(analysisId, flowId);
    if (!flow)
      throw new NotFoundException({
        code: 'NOT_FOUND',
        message: `no flow ${flowId} in analysis ${analysisId}`,
      });
    const captures = (await this.captures.findMany(analysis.captures.map((c) => c.captureId))).filter(
      (c) => c.projectId === caller.projectId,
    );
    const summary = (analysis.summary ?? {}) as {
      clockOffsets?: Array<{ capture: string; offsetNs: string }>;
    };
    const offsets = new Map((summary.clockOffsets ?? []).map((o) => [o.capture, BigInt(o.offsetNs)]));
    const detail = (flow.detail ?? {}) as Partial<FlowPacketsFlow>;
    const { interfaces, packets } = await flowPackets(
      {
        protocol: flow.protocol,
        perspectives: detail.perspectives ?? [],
        translations: detail.translations ?? [],
      },
      captures.map((capture) => ({
        point: { id: capture.id, role: capture.role, label: capture.label, node: capture.node },
        source: capture.fileName,
        batches: () => readDecodable(this.storage.path(capture.storagePath)),
      })),
      offsets,
    );
    return {
      fileName: `flow-${flow.key.replace(/[^A-Za-z0-9._-]+/g, '_')}.pcapng`,
      blocks: [...pcapngBlocks(interfaces, packets)],
      packets: packets.length,
    };
  }
}
