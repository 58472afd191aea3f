// `ipvsadm -Ln` (optionally `--stats` or `--rate`), per ipvsadm(8): a virtual service line
// (`TCP  10.96.0.10:53 rr`, `FWM  1 rr`, `TCP  [fd00::a]:80 rr persistent 360`) followed by its
// real servers (`  -> 10.244.1.5:53  Masq  1  0  0`). In --stats/--rate views the columns are counters,
// which ipvsadm abbreviates with K/M/G unless --exact was given.
import { LineError } from '../errors.js';
import { canonicalIp, parseHostPort, splitLines, toProtocol } from '../text.js';
import type { IpvsCounters, IpvsData, IpvsVirtualServer, Skipped } from '../types.js';

const STATS = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'];
const RATE = ['cps', 'inPPS', 'outPPS', 'inBPS', 'outBPS'];

export function parseIpvsadm(text: string): { data: IpvsData; skipped: Skipped[] } {
  const data: IpvsData = { view: 'list', virtualServers: [] };
  const skipped: Skipped[] = [];
  let current: IpvsVirtualServer | undefined;
  let sawHeader = false;
  let columns = ['Forward', 'Weight', 'ActiveConn', 'InActConn'];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trimEnd();
    if (!s.trim()) return;
    if (/^IP Virtual Server version/.test(s)) {
      sawHeader = true;
      return;
    }
    if (/^Prot\s+LocalAddress:Port/.test(s)) {
      sawHeader = true;
      const titles = s.split(/\s+/).slice(2);
      if (titles.includes('Conns')) data.view = 'stats';
      else if (titles.includes('CPS')) data.view = 'rate';
      else if (titles.includes('Weight')) columns = titles; // --persistent-conn puts the titles here
      return;
    }
    const titles = /^\s+->\s+RemoteAddress:Port\s*(.*)$/.exec(s);
    if (titles) {
      if (titles[1]) columns = titles[1].split(/\s+/); // e.g. --tun-info adds TunnelInfo
      return;
    }
    const real = /^\s+->\s+(\S+)\s*(.*)$/.exec(s);
    if (real) {
      if (!current) throw new LineError(line, 'real server line before any virtual service line');
      const addr = parseHostPort(real[1]!);
      if (!addr) throw new LineError(line, `bad real server address "${real[1]}"`);
      const cols = real[2]!.split(/\s+/).filter(Boolean);
      if (data.view === 'list') {
        if (cols.length < columns.length)
          throw new LineError(line, `real server line needs ${columns.join(' ')}`);
        const col = (name: string) => cols[columns.indexOf(name)];
        const num = (name: string) => (columns.includes(name) ? integer(col(name)!, line, name) : undefined);
        current.realServers.push({
          line,
          ...addr,
          ...(columns.includes('Forward') ? { forward: col('Forward') } : {}),
          weight: num('Weight'),
          activeConn: num('ActiveConn'),
          inactConn: num('InActConn'),
          ...(columns.includes('PersistConn') ? { persistConn: num('PersistConn') } : {}),
        });
      } else {
        current.realServers.push({ line, ...addr, stats: counters(cols, line, data.view) });
      }
      return;
    }
    const virt = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s*(.*)$/.exec(s);
    if (virt) {
      current = virtualServer(virt[1]!, virt[2]!, virt[3]!, line, data.view);
      data.virtualServers.push(current);
      return;
    }
    skipped.push({ line, reason: 'not an ipvsadm listing line' });
  });
  if (!sawHeader && data.virtualServers.length === 0)
    throw new LineError(1, 'no ipvsadm header or virtual service');
  return { data, skipped };
}

function virtualServer(
  proto: string,
  addr: string,
  rest: string,
  line: number,
  view: IpvsData['view'],
): IpvsVirtualServer {
  const words = rest.split(/\s+/).filter(Boolean);
  const vs: IpvsVirtualServer = { line, protocol: 'fwmark', flags: [], realServers: [] };
  if (proto === 'FWM') {
    const mark = /^(0x[0-9a-f]+|\d+)$/i.test(addr) ? Number(addr) : NaN;
    if (Number.isNaN(mark)) throw new LineError(line, `bad firewall mark "${addr}"`);
    vs.fwmark = mark;
    if (words[0] === 'IPv6') {
      vs.ipv6 = true;
      words.shift();
    }
  } else {
    const hp = parseHostPort(addr);
    if (!hp) throw new LineError(line, `bad virtual service address "${addr}"`);
    vs.protocol = toProtocol(proto)!;
    vs.ip = hp.ip;
    vs.port = hp.port;
  }
  if (view !== 'list') {
    vs.stats = counters(words, line, view);
    return vs;
  }
  vs.scheduler = words.shift();
  if (!vs.scheduler) throw new LineError(line, 'virtual service line has no scheduler');
  while (words.length) {
    const w = words.shift()!;
    if (w === 'persistent') vs.persistent = integer(words.shift() ?? '', line, 'persistent timeout');
    else if (w === 'mask') vs.netmask = canonicalIp(words.shift() ?? '') ?? words[0];
    else if (w.startsWith('(')) vs.flags.push(...w.replace(/[()]/g, '').split(',').filter(Boolean));
    else vs.flags.push(w);
  }
  return vs;
}

function counters(cols: string[], line: number, view: IpvsData['view']): IpvsCounters {
  const names = view === 'rate' ? RATE : STATS;
  if (cols.length < names.length)
    throw new LineError(line, `expected ${names.length} counters, found ${cols.length}`);
  const out: IpvsCounters = {};
  names.forEach((n, i) => (out[n] = scaled(cols[i]!, line)));
  return out;
}

function scaled(raw: string, line: number): number {
  const m = /^(\d+)([KMGT]?)$/.exec(raw);
  if (!m) throw new LineError(line, `bad counter "${raw}"`);
  const unit = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]!]!;
  return Number(m[1]) * unit;
}

function integer(raw: string, line: number, what: string): number {
  if (!/^\d+$/.test(raw)) throw new LineError(line, `bad ${what} "${raw}"`);
  return Number(raw);
}
