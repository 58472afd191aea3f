// The benchmark's three capture points and where run.mjs writes their replays, shared by
// run.mjs (which writes them) and golden.mjs (which reads them back).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CAPTURES = [
  { file: 'client.pcap', role: 'client', node: 'k8s-compute-01' },
  { file: 'node-k8s-compute-01.pcap', role: 'node', node: 'k8s-compute-01' },
  { file: 'node-k8s-compute-02-skewed.pcap', role: 'node', node: 'k8s-compute-02' },
];

export const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

/** The replayed capture of `capture` with `replays` replays. */
export function replayPath(replays, capture) {
  return join(OUT, `correlate-${replays}-${capture.file}`);
}
