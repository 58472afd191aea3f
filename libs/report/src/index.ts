/**
 * libs/report: the analysis report shared by REST (`GET /v1/analyses/:id/report`), the CLI and chat.
 *
 *   const doc = buildReport({ analysis, correlation, findings });
 *   renderReport(doc, 'json' | 'md' | 'txt');
 *
 * Input (ReportInput, plain JSON; see types.ts for every field):
 * - analysis: { id, status, name?, captures: [{ id, role, label?, node?, pod?, packets }] }
 * - correlation: { flows, clockOffsets } — libs/correlate's CorrelationResult fits as is; rebuilt from
 *   stored rows it needs per flow: id, protocol, client, service, backend, clientSeenByBackend,
 *   serviceName, backendPod, state, translations [{ kind, before, after, capture, latencyNs,
 *   direction?, fromCapture?, interfaces?, outer? }], perspectives [{ capture, src, dst, packets,
 *   direction?, interfaces?, outer?, firstNs? }], and optionally communityIds, firstNs, lastNs,
 *   resetBy, icmpError, retransmissions; per offset: capture, offsetNs, spreadNs, pairs?, reference?
 * - findings: libs/diagnose's findings { code, severity, title, detail?, flows?, evidence?, next? }
 *
 * Output (ReportDocument): the JSON contract of DESIGN.md (analysis, clockOffsets, flows, findings)
 * plus summary and services (per service: addresses, flow ids, per-backend distribution, grouped
 * translations). Flow perspectives come in path order with their stage (pre-DNAT / post-DNAT).
 * Nanosecond quantities are decimal strings.
 *
 * Also: pcapngBlocks (a pcapng file from packets of several captures, an interface per capture point
 * and a comment per packet; see pcapng-writer.ts) and describeTranslation
 * (`DNAT 10.233.9.232:80 -> 10.233.65.212:80`), which those comments use.
 */
export { buildReport, hasErrors, reportDocument } from './build.js';
export { ReportAccumulator, MAX_SERVICE_FLOW_IDS, type AccumulatorOptions } from './accumulator.js';
export { ReportWriter, orderedReportFlow, type TextOut } from './writer.js';
export { sortByPath } from './path-order.js';
export { reportBlocks, type Block, type RenderOptions } from './blocks.js';
export { describeTranslation, formatDuration, formatTimestamp } from './format.js';
export {
  enhancedPacketBlock,
  interfaceDescriptionBlock,
  pcapngBlocks,
  sectionHeaderBlock,
  type PcapngInterface,
  type PcapngPacket,
} from './pcapng-writer.js';
export {
  flowPackets,
  type FlowPackets,
  type FlowPacketsCapture,
  type FlowPacketsFlow,
} from './flow-packets.js';
export { renderReport, REPORT_CONTENT_TYPES, REPORT_FORMATS } from './render.js';
export type * from './types.js';
