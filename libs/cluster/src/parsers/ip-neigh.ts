// `ip neigh`: the node's ARP/NDP table, e.g. `10.233.67.250 dev cni0 INCOMPLETE` — the telltale of an
// endpoint whose pod is gone (the node asks for it and nobody answers).
import { LineError } from '../errors.js';
import { canonicalIp, splitLines } from '../text.js';
import type { IpNeighData, Neighbor, Skipped } from '../types.js';

export function parseIpNeigh(text: string): { data: IpNeighData; skipped: Skipped[] } {
  const neighbors: Neighbor[] = [];
  const skipped: Skipped[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const words = raw.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    const ip = canonicalIp(words[0]!);
    if (!ip) {
      skipped.push({ line, reason: 'not an ip neigh line' });
      return;
    }
    const n: Neighbor = { line, ip };
    for (let w = 1; w < words.length; w++) {
      const word = words[w]!;
      if (word === 'dev') n.dev = words[++w];
      else if (word === 'lladdr') n.lladdr = words[++w];
      else if (word === 'router') n.router = true;
      else if (/^[A-Z]+$/.test(word)) n.state = word;
    }
    neighbors.push(n);
  });
  if (neighbors.length === 0) throw new LineError(1, 'no neighbour entries: not ip neigh output');
  return { data: { neighbors }, skipped };
}
