/**
 * libs/analysis: the analysis runner the CLI and the worker share. Pure TypeScript over the other
 * analysis libraries (no Nest, Prisma or Redis):
 *
 *   await runAnalysis({
 *     captures: [{ id: 'client', role: 'client', label: 'client', fileName: 'client.pcap',
 *                  read: () => readDecodable('client.pcap') }, ...],
 *     snapshots,                       // libs/cluster's parsed snapshots
 *     sink: { flow(f) { ... }, finish(result) { ... } },
 *   });
 *
 * It resolves each capture point (node and pod from the user's words, else the capture's own
 * address and the snapshots; interface names from `ip addr`), tolerates a last record cut off
 * (a warning on the capture), correlates, hands each finished flow to the sink with its
 * perspectives in path order, diagnoses incrementally and ends with the findings. The CLI and
 * the worker differ only in where captures come from and where results go.
 */
export { runAnalysis } from './runner.js';
export { resolveCapturePoints, unique } from './capture-points.js';
export { CaptureProfiler, PROFILE_PACKETS, votedNode, type CaptureProfile } from './capture-profile.js';
export { profileCapture, tolerantRead } from './capture-source.js';
export type * from './types.js';
