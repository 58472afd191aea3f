// `ip neigh` (text) and `ip -j neigh` (JSON): the node's ARP/NDP table, e.g.
// `10.233.67.250 dev cni0 INCOMPLETE` — the telltale of an endpoint whose pod is gone (the node asks
// for it and nobody answers).
import { LineError } from '../errors.js';
import { canonicalIp, splitLines } from '../text.js';
import type { IpNeighData, Neighbor, Skipped } from '../types.js';
import { loadDocuments, withLines } from './document.js';
import { asObject, optArray, optString } from './shape.js';

export function parseIpNeigh(text: string): { data: IpNeighData; skipped: Skipped[] } {
  return /^\s*\[/.test(text) ? parseJson(text) : parseText(text);
}

function parseText(text: string): { data: IpNeighData; skipped: Skipped[] } {
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

function parseJson(text: string): { data: IpNeighData; skipped: Skipped[] } {
  const loaded = loadDocuments(text);
  const list = loaded.docs[0];
  if (!Array.isArray(list)) throw new LineError(1, 'expected a JSON array of neighbours');
  const neighbors = withLines(loaded, 0, () =>
    list.map((v, i): Neighbor => {
      const o = asObject(v, [i]);
      const line = loaded.locate(0, [i]) ?? 1;
      const ip = canonicalIp(optString(o, 'dst', [i]) ?? '');
      if (!ip) throw new LineError(line, 'neighbour without a valid "dst"', undefined, `[${i}]`);
      const state = optArray(o, 'state', [i]).map(String)[0];
      return {
        line,
        ip,
        dev: optString(o, 'dev', [i]),
        lladdr: optString(o, 'lladdr', [i]),
        ...(state ? { state } : {}),
        ...('router' in o ? { router: true } : {}), // iproute2 prints the flag as "router": null
      };
    }),
  );
  return { data: { neighbors }, skipped: [] };
}
