import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A path under `<repo>/../shared`, where the corpora and fixtures live beside every checkout. */
export function sharedPath(...parts: string[]): string {
  return fileURLToPath(new URL(`../../../../shared/${parts.join('/')}`, import.meta.url));
}

/** A Community ID test vector of the spec's corpus (corpus/community-id/baseline_*.json). */
export interface CommunityIdVector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
  communityid: string;
}

export function communityIdVectors(file: string): CommunityIdVector[] {
  return JSON.parse(readFileSync(sharedPath('corpus/community-id', file), 'utf8')) as CommunityIdVector[];
}
