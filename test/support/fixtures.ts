// The shared acceptance data: real kube-proxy NAT captures with ground truth. CI clones the
// repository with shared/ beside it, so it is always <repo>/../shared.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const sharedDir = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const fixturesDir = `${sharedDir}fixtures/`;

export interface GroundTruthConnection {
  id: string;
  proto: string;
  client: string;
  service: string;
  service_name: string | null;
  backend: string | null;
  backend_pod: string | null;
  snat_as_seen_by_backend: string | null;
  outcome: string;
}

export function groundTruth(scenarioDir: string): { connections: GroundTruthConnection[] } {
  return JSON.parse(readFileSync(`${fixturesDir}${scenarioDir}/ground-truth.json`, 'utf8')) as {
    connections: GroundTruthConnection[];
  };
}
