// `nft list ruleset`: nested `table FAMILY NAME { chain … { rules } map … { elements = { … } } }`.
// Two kube-proxy layouts appear in it: native nftables mode (`table ip kube-proxy`, read by
// nft-kube-proxy.ts) and iptables mode through iptables-nft (`table ip nat` with KUBE-* chains, whose
// rules are translated here into the same KubeRule shape iptables-save gives).
import { LineError } from '../errors.js';
import { splitLines } from '../text.js';
import type { NftChain, NftData, NftMap, Skipped } from '../types.js';
import { extractKubeServices, type Chains } from './kube-chains.js';
import { translateRule } from './nft-rule.js';
import { extractNftKubeProxy } from './nft-kube-proxy.js';

type Table = NftData['tables'][number];

export function parseNft(text: string): { data: NftData; skipped: Skipped[] } {
  const { tables, skipped } = parseRuleset(text);
  const data: NftData = { tables, layout: 'none', services: [] };
  const native = tables.filter((t) => t.name === 'kube-proxy');
  if (native.length) {
    data.layout = 'kube-proxy-nftables';
    data.services.push(...native.flatMap(extractNftKubeProxy));
  }
  for (const family of ['ip', 'ip6']) {
    const nat = tables.find((t) => t.family === family && t.name === 'nat');
    if (!nat?.chains.some((c) => c.name === 'KUBE-SERVICES')) continue;
    data.layout = data.layout === 'none' ? 'iptables-nft' : data.layout;
    const filter = tables.find((t) => t.family === family && t.name === 'filter');
    data.services.push(...extractKubeServices(translate(nat), filter ? translate(filter) : new Map()));
  }
  return { data, skipped };
}

export function parseRuleset(text: string): { tables: Table[]; skipped: Skipped[] } {
  const tables: Table[] = [];
  const skipped: Skipped[] = [];
  const lines = splitLines(text);
  let table: Table | undefined;
  let chain: NftChain | undefined;
  let map: NftMap | undefined;
  let other = 0; // depth inside blocks we do not model (counters, flowtables, ct helpers)
  let elements: { map: NftMap; buf: string; line: number } | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const s = lines[i]!.trim().replace(/\s*# handle \d+$/, ''); // `nft -a` annotations
    if (elements) {
      elements.buf += ' ' + s;
      if (closesElements(elements.buf)) {
        elements.map.elements.push(...splitElements(elements.buf));
        elements = undefined;
      }
      continue;
    }
    if (!s || s.startsWith('#')) continue;
    if (other > 0) {
      other += (s.match(/\{/g)?.length ?? 0) - (s.match(/\}/g)?.length ?? 0);
      continue;
    }
    if (s === '}') {
      if (map) map = undefined;
      else if (chain) chain = undefined;
      else if (table) table = undefined;
      else throw new LineError(line, 'unbalanced "}"');
      continue;
    }
    const tableMatch = /^table\s+(ip|ip6|inet|arp|bridge|netdev)\s+(\S+)\s*\{$/.exec(s);
    if (tableMatch) {
      if (table) throw new LineError(line, `table ${tableMatch[2]} opened inside table ${table.name}`);
      table = { family: tableMatch[1]!, name: unquote(tableMatch[2]!), line, chains: [], maps: [] };
      tables.push(table);
      continue;
    }
    if (!table) throw new LineError(line, `expected "table FAMILY NAME {", found: ${s.slice(0, 60)}`);
    if (chain) {
      if (/^type\s+\w+\s+hook\s/.test(s) || /^policy\s/.test(s) || /^comment\s+"/.test(s)) continue;
      chain.rules.push({ line, text: s });
      continue;
    }
    if (map) {
      const el = /^elements\s*=\s*(\{.*)$/.exec(s);
      if (el) {
        if (closesElements(el[1]!)) map.elements.push(...splitElements(el[1]!));
        else elements = { map, buf: el[1]!, line };
      } else if (/^type\s/.test(s)) map.type = s.slice(5).trim();
      continue;
    }
    if (/^comment\s+"/.test(s) || /^flags\s/.test(s)) continue; // table-level comment
    const block = /^(chain|map|set)\s+(\S+|"[^"]+")\s*\{\s*(\})?$/.exec(s);
    if (block) {
      const name = unquote(block[2]!);
      if (block[1] === 'chain') {
        const c: NftChain = { name, line, rules: [] };
        table.chains.push(c);
        if (!block[3]) chain = c;
      } else {
        const m: NftMap = { name, kind: block[1] as 'map' | 'set', line, elements: [] };
        table.maps.push(m);
        if (!block[3]) map = m;
      }
      continue;
    }
    if (/\{\s*$/.test(s)) {
      other = 1;
      skipped.push({ line, reason: `nft object not used by natlens: ${s.replace(/\s*\{$/, '')}` });
      continue;
    }
    skipped.push({ line, reason: 'not understood in a table' });
  }
  if (elements) throw new LineError(elements.line, 'map elements never closed (truncated ruleset?)');
  if (table || chain || map || other)
    throw new LineError(lines.length, 'ruleset ends inside an open block (truncated?)');
  if (tables.length === 0) throw new LineError(1, 'no "table" blocks: not nft list ruleset output');
  return { tables, skipped };
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

function closesElements(buf: string): boolean {
  let depth = 0;
  for (const c of buf) {
    if (c === '{') depth++;
    else if (c === '}') depth--;
  }
  return depth <= 0;
}

/** `{ a : goto x, b comment "c" : goto y }` → the element strings, outer braces removed. */
function splitElements(buf: string): string[] {
  const inner = buf.trim().replace(/^\{/, '').replace(/\}$/, '');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of inner) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** iptables-nft rules printed by nft, e.g.
 *  `meta l4proto tcp ip daddr 10.233.9.232  tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-…`
 *  `meta random & 2147483647 < 715827883 counter packets 0 bytes 0 jump KUBE-SEP-…`
 *  `meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.233.65.212:80` */
function translate(table: Table): Chains {
  const chains: Chains = new Map();
  for (const chain of table.chains)
    chains.set(
      chain.name,
      chain.rules.map((r) => translateRule(r.text, r.line)),
    );
  return chains;
}
