// `iptables-save` / `ip6tables-save` (with or without -c counters): `*table`, `:CHAIN POLICY [p:b]`,
// `-A CHAIN matches -j TARGET options`, `COMMIT`. Every rule is kept; kube-proxy's nat and filter
// chains are then read into services, frontends and backends.
import { LineError } from '../errors.js';
import { splitLines, tokenize, toProtocol } from '../text.js';
import type { IptablesData, IptablesRule, Skipped } from '../types.js';
import { extractKubeServices, type Chains, type KubeRule } from './kube-chains.js';

export function parseIptablesSave(text: string): { data: IptablesData; skipped: Skipped[] } {
  const data: IptablesData = { tables: [], services: [] };
  const skipped: Skipped[] = [];
  const kube: Record<string, Chains> = {};
  let table: IptablesData['tables'][number] | undefined;
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s || s.startsWith('#')) return;
    if (s.startsWith('*')) {
      table = { name: s.slice(1).trim(), chains: [], rules: [] };
      data.tables.push(table);
      kube[table.name] ??= new Map();
      return;
    }
    if (s === 'COMMIT') {
      if (!table) throw new LineError(line, 'COMMIT outside a table');
      table = undefined;
      return;
    }
    const body = s.replace(/^\[\d+:\d+\]\s+/, '');
    if (body.startsWith(':')) {
      if (!table) throw new LineError(line, 'chain declaration outside a table (missing "*table" line)');
      table.chains.push(body.slice(1).split(/\s+/)[0]!);
      return;
    }
    if (body.startsWith('-A ') || body.startsWith('-I ')) {
      if (!table) throw new LineError(line, 'rule outside a table (missing "*table" line)');
      let words: string[];
      try {
        words = tokenize(body);
      } catch (err) {
        throw new LineError(line, `cannot read rule: ${(err as Error).message}`);
      }
      const chain = words[1];
      if (!chain) throw new LineError(line, 'rule without a chain name');
      const rule = readRule(words.slice(2), line);
      const record: IptablesRule = {
        line,
        table: table.name,
        chain,
        spec: body.slice(body.indexOf(chain) + chain.length + 1),
      };
      if (rule.target) record.target = rule.target;
      if (rule.comment) record.comment = rule.comment;
      table.rules.push(record);
      const chains = kube[table.name]!;
      if (!chains.has(chain)) chains.set(chain, []);
      chains.get(chain)!.push(rule);
      return;
    }
    skipped.push({ line, reason: 'not an iptables-save line' });
  });
  if (table)
    throw new LineError(splitLines(text).length, `table ${table.name} has no COMMIT (truncated file?)`);
  if (data.tables.length === 0) throw new LineError(1, 'no "*table" sections: not iptables-save output');
  data.services = extractKubeServices(kube['nat'] ?? new Map(), kube['filter'] ?? new Map());
  return { data, skipped };
}

function readRule(words: string[], line: number): KubeRule {
  const rule: KubeRule = { line };
  let negate = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = () => {
      const v = words[++i];
      if (v === undefined) throw new LineError(line, `option ${w} needs a value`);
      return v;
    };
    switch (w) {
      case '!':
        negate = true;
        continue;
      case '-s':
      case '--source':
        rule.src = next();
        if (negate) rule.srcNegated = true;
        break;
      case '-d':
      case '--destination':
        // A negated destination (`! -d 10.0.0.0/8`) is not a frontend address.
        if (negate) next();
        else rule.dst = next();
        break;
      case '-p':
      case '--protocol':
        rule.proto = toProtocol(next());
        break;
      case '--dport':
      case '--destination-port': {
        const v = next();
        if (!negate && /^\d+$/.test(v)) rule.dport = Number(v);
        break;
      }
      case '--comment':
        rule.comment = next();
        break;
      case '--probability':
        rule.probability = Number(next());
        break;
      case '--every':
        // `--mode nth --every N --packet 0`: round robin, one in N of what reaches this rule.
        rule.probability = 1 / Number(next());
        break;
      case '--dst-type':
        if (next() === 'LOCAL' && !negate) rule.dstLocal = true;
        break;
      case '--src-type':
        if (next() === 'LOCAL' && !negate) rule.srcLocal = true;
        break;
      case '-m':
        if (next() === 'recent') rule.recent = true;
        break;
      case '-j':
      case '-g':
        rule.target = next();
        break;
      case '--to-destination':
        rule.toDestination = next();
        break;
      case '--reject-with':
        rule.rejectWith = next();
        break;
    }
    negate = false;
  }
  return rule;
}
