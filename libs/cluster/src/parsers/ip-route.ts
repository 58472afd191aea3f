// `ip route` (text, any table) and `ip -j route` (JSON): which pod CIDRs are local (the bridge), which
// go over the overlay (flannel.1 … onlink), and the default route.
import { LineError } from '../errors.js';
import { splitLines } from '../text.js';
import type { IpRouteData, Route, Skipped } from '../types.js';
import { loadDocuments, withLines } from './document.js';
import { asObject, optArray, optString } from './shape.js';

const TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'throw',
  'unreachable',
  'prohibit',
  'blackhole',
  'nat',
  'anycast',
]);
const KEYED = new Set([
  'via',
  'dev',
  'proto',
  'scope',
  'src',
  'metric',
  'table',
  'mtu',
  'advmss',
  'pref',
  'realm',
  'weight',
  'expires',
  'initcwnd',
]);

export function parseIpRoute(text: string): { data: IpRouteData; skipped: Skipped[] } {
  return /^\s*\[/.test(text) ? parseJson(text) : parseText(text);
}

function parseText(text: string): { data: IpRouteData; skipped: Skipped[] } {
  const routes: Route[] = [];
  const skipped: Skipped[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s) return;
    if (/^\s/.test(raw) && routes.length && /^nexthop\b/.test(s)) {
      routes.at(-1)!.flags.push(s); // multipath: keep each hop's text on the route
      return;
    }
    const words = s.split(/\s+/);
    let type: string | undefined;
    if (TYPES.has(words[0]!)) type = words.shift();
    const dst = words.shift()!;
    if (!/^(default|[0-9a-f.:]+(\/\d+)?)$/i.test(dst) || (words.length === 0 && !type)) {
      skipped.push({ line, reason: 'not an ip route line' });
      return;
    }
    const route: Route = { line, dst, flags: [], ...(type ? { type } : {}) };
    for (let w = 0; w < words.length; w++) {
      const key = words[w]!;
      if (!KEYED.has(key)) {
        route.flags.push(key);
        continue;
      }
      const value = words[++w];
      if (value === undefined) throw new LineError(line, `"${key}" without a value`);
      if (key === 'via') route.via = value.replace(/^inet6? /, '');
      else if (key === 'dev') route.dev = value;
      else if (key === 'proto') route.protocol = value;
      else if (key === 'scope') route.scope = value;
      else if (key === 'src') route.src = value;
      else if (key === 'metric') route.metric = Number(value);
    }
    routes.push(route);
  });
  if (routes.length === 0) throw new LineError(1, 'no routes found: not ip route output');
  return { data: { routes }, skipped };
}

function parseJson(text: string): { data: IpRouteData; skipped: Skipped[] } {
  const loaded = loadDocuments(text);
  const list = loaded.docs[0];
  if (!Array.isArray(list)) throw new LineError(1, 'expected a JSON array of routes');
  const routes = withLines(loaded, 0, () =>
    list.map((v, i): Route => {
      const o = asObject(v, [i]);
      const dst = optString(o, 'dst', [i]);
      if (!dst) throw new LineError(loaded.locate(0, [i]) ?? 1, 'route without "dst"', undefined, `[${i}]`);
      return {
        line: loaded.locate(0, [i]) ?? 1,
        dst,
        type: optString(o, 'type', [i]),
        via: optString(o, 'gateway', [i]),
        dev: optString(o, 'dev', [i]),
        protocol: optString(o, 'protocol', [i]),
        scope: optString(o, 'scope', [i]),
        src: optString(o, 'prefsrc', [i]),
        metric: typeof o['metric'] === 'number' ? o['metric'] : undefined,
        flags: optArray(o, 'flags', [i]).map(String),
      };
    }),
  );
  return { data: { routes }, skipped: [] };
}
