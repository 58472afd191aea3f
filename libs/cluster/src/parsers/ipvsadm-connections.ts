// `ipvsadm -Lnc`: the IPVS connection table, one entry per line:
//   pro expire state       source             virtual            destination
//   TCP 14:59  ESTABLISHED 10.244.1.5:45678   10.96.0.10:53      10.244.0.3:53
// Persistence templates show protocol IP and state NONE.
import { LineError } from '../errors.js';
import { parseHostPort, splitLines } from '../text.js';
import type { IpvsConnectionsData, Skipped } from '../types.js';

export function parseIpvsConnections(text: string): { data: IpvsConnectionsData; skipped: Skipped[] } {
  const data: IpvsConnectionsData = { connections: [] };
  const skipped: Skipped[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s || /^IPVS connection entries/.test(s) || /^pro\s+expire\s+state/.test(s)) return;
    const m = /^(TCP|UDP|SCTP|IP)\s+(\d+:\d+(?::\d+)?)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$/.exec(s);
    if (!m) {
      skipped.push({ line, reason: 'not an ipvsadm connection entry' });
      return;
    }
    const [source, virtual, destination] = [m[4]!, m[5]!, m[6]!].map((a) => {
      const hp = parseHostPort(a);
      if (!hp) throw new LineError(line, `bad address "${a}" in connection entry`);
      return hp;
    });
    data.connections.push({
      line,
      protocol: m[1]!.toLowerCase(),
      expire: m[2]!,
      state: m[3]!,
      source: source!,
      virtual: virtual!,
      destination: destination!,
    });
  });
  if (data.connections.length === 0 && skipped.length > 0) {
    throw new LineError(skipped[0]!.line, 'no ipvsadm connection entries found');
  }
  return { data, skipped };
}
