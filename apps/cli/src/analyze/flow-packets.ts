// One flow's packets from every capture, ready for the pcapng writer: libs/report's flowPackets (shared
// with the API's pcapng export) over the CLI's capture files.
import type { Flow } from '#correlate';
import { flowPackets as readFlowPackets, type FlowPackets } from '#report';
import { readDecodable } from '#decode';
import { captureError } from './capture-files.js';
import type { ResolvedCapture } from './analyze-inputs.js';

export type { FlowPackets };

export function flowPackets(
  flow: Flow,
  captures: ResolvedCapture[],
  offsets: Map<string, bigint>,
  warn: (message: string) => void,
): Promise<FlowPackets> {
  return readFlowPackets(
    flow,
    captures.map(({ arg, point }) => ({ point, source: arg.file, batches: () => readDecodable(arg.file) })),
    offsets,
    (error) => captureError(error, warn),
  );
}
