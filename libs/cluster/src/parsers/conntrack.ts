// `conntrack -L` and `conntrack -L -o extended`, one entry per line:
//   [ipv4 2] tcp 6 115 TIME_WAIT src=A dst=VIP sport=X dport=80 src=POD dst=A sport=80 dport=X [ASSURED] mark=0 use=1
// The first src/dst/sport/dport group is the original direction, the second the reply; a reply source
// other than the original destination is the DNAT kube-proxy did.
import { LineError } from '../errors.js';
import { canonicalIp, splitLines } from '../text.js';
import type { ConntrackData, ConntrackEntry, ConntrackTuple, Skipped } from '../types.js';

export function parseConntrack(text: string): { data: ConntrackData; skipped: Skipped[] } {
  const entries: ConntrackEntry[] = [];
  const skipped: Skipped[] = [];
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s || /^conntrack v[\d.]+ \(conntrack-tools\)/.test(s)) return;
    const words = s.split(/\s+/);
    const entry: Partial<ConntrackEntry> & { flags: string[] } = { line, flags: [] };
    if (words[0] === 'ipv4' || words[0] === 'ipv6') {
      entry.family = words.shift() as 'ipv4' | 'ipv6';
      words.shift(); // the L3 protocol number
    }
    const proto = words.shift();
    if (!proto || !/^[a-z0-9-]+$/.test(proto) || !/^\d+$/.test(words[0] ?? '')) {
      skipped.push({ line, reason: 'not a conntrack entry' });
      return;
    }
    entry.protocol = proto;
    words.shift(); // L4 protocol number
    if (/^\d+$/.test(words[0] ?? '')) entry.timeout = Number(words.shift());
    if (words[0] && /^[A-Z_]+$/.test(words[0])) entry.state = words.shift();
    const tuples: Partial<ConntrackTuple>[] = [];
    for (const w of words) {
      const flag = /^\[(\w+)\]$/.exec(w);
      if (flag) {
        entry.flags.push(flag[1]!);
        continue;
      }
      const kv = /^([a-z-]+)=(.*)$/.exec(w);
      if (!kv) continue;
      const [, key, value] = kv;
      if (key === 'src') tuples.push({ src: value });
      const t = tuples.at(-1);
      if (!t) {
        if (key !== 'mark' && key !== 'zone') throw new LineError(line, `"${key}=" before the first src=`);
      }
      if (key === 'dst' && t) t.dst = value;
      else if (key === 'sport' && t) t.sport = Number(value);
      else if (key === 'dport' && t) t.dport = Number(value);
      else if ((key === 'type' || key === 'code' || key === 'id') && t) {
        t.icmp ??= { type: 0, code: 0 };
        t.icmp[key] = Number(value);
      } else if (key === 'mark') entry.mark = Number(value);
      else if (key === 'zone') entry.zone = Number(value);
    }
    if (tuples.length < 2) throw new LineError(line, 'conntrack entry without original and reply tuples');
    const [original, reply] = tuples.map((t) => tuple(t, line));
    entry.original = original;
    entry.reply = reply;
    entry.dnat =
      reply!.src !== original!.dst || (reply!.sport !== undefined && reply!.sport !== original!.dport);
    entry.snat =
      reply!.dst !== original!.src || (reply!.dport !== undefined && reply!.dport !== original!.sport);
    entries.push(entry as ConntrackEntry);
  });
  if (entries.length === 0 && skipped.length)
    throw new LineError(skipped[0]!.line, 'no conntrack entries found');
  return { data: { entries }, skipped };
}

function tuple(t: Partial<ConntrackTuple>, line: number): ConntrackTuple {
  const src = canonicalIp(t.src ?? '');
  const dst = canonicalIp(t.dst ?? '');
  if (!src || !dst) throw new LineError(line, `bad address in tuple src=${t.src} dst=${t.dst}`);
  return { ...t, src, dst };
}
