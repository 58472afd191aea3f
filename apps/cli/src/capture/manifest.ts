// DIR/manifest.json: what `natlens capture` wrote and how, read back by `natlens analyze
// --manifest DIR` (and by whoever wants to know which command made which file).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureRole } from '#correlate';
import { UsageError } from '../usage-error.js';

export const MANIFEST = 'manifest.json';
export const SNAPSHOT_DIR = 'snapshot';

export interface ManifestCapture {
  /** File name inside DIR, named by capture point (client-POD.pcap, node-NODE.pcap, backend-POD.pcap). */
  file: string;
  role: CaptureRole;
  label: string;
  node: string | null;
  /** namespace/name, for pod captures. */
  pod: string | null;
  /** The kubectl command line that made it. */
  command: string;
  status: 'captured' | 'failed';
  /** kubectl's or tcpdump's own words when it failed. */
  error: string | null;
  startedAt: string;
  listeningAt: string | null;
  stoppedAt: string | null;
  bytes: number;
  /** tcpdump's counts when it stopped ("N packets captured", "received by filter", "dropped by kernel"). */
  packets: { captured: number | null; receivedByFilter: number | null; droppedByKernel: number | null };
}

export interface ManifestSnapshot {
  file: string;
  node: string | null;
  command: string;
}

export interface Manifest {
  version: 1;
  namespace: string;
  client: string;
  service: string;
  kubeProxyMode: string | null;
  run: string | null;
  startedAt: string;
  stoppedAt: string;
  captures: ManifestCapture[];
  snapshots: ManifestSnapshot[];
  warnings: string[];
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch {
    throw new UsageError(`${path}: not JSON`);
  }
  if (manifest.version !== 1 || !Array.isArray(manifest.captures))
    throw new UsageError(`${path}: not a natlens capture manifest`);
  return manifest;
}
