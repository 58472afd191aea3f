// `ip addr` (text) and `ip -j addr` (JSON). Which addresses a node owns: its InternalIP, the CNI
// bridge (the masquerade source seen by backends), and under IPVS the Service VIPs bound to the
// `kube-ipvs0` dummy interface.
import { LineError } from '../errors.js';
import { canonicalIp, splitLines } from '../text.js';
import type { IpAddrData, NetInterface, Skipped } from '../types.js';
import { loadDocuments, withLines } from './document.js';
import { asObject, optArray, optString, type Obj } from './shape.js';

export function parseIpAddr(text: string): { data: IpAddrData; skipped: Skipped[] } {
  return /^\s*\[/.test(text) ? parseJson(text) : parseText(text);
}

function parseText(text: string): { data: IpAddrData; skipped: Skipped[] } {
  const interfaces: NetInterface[] = [];
  const skipped: Skipped[] = [];
  let current: NetInterface | undefined;
  splitLines(text).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s) return;
    const head = /^(\d+):\s+([^:\s]+):\s+<([^>]*)>(.*)$/.exec(raw);
    if (head) {
      const rest = head[4]!;
      current = {
        index: Number(head[1]),
        name: head[2]!.replace(/@.*$/, ''),
        flags: head[3]!.split(',').filter(Boolean),
        addresses: [],
        line,
      };
      const mtu = /\bmtu (\d+)/.exec(rest);
      if (mtu) current.mtu = Number(mtu[1]);
      const state = /\bstate (\S+)/.exec(rest);
      if (state) current.state = state[1];
      const master = /\bmaster (\S+)/.exec(rest);
      if (master) current.master = master[1];
      interfaces.push(current);
      return;
    }
    const link = /^link\/\S+\s+([0-9a-f:]{17})/.exec(s);
    if (link && current) {
      current.mac = link[1];
      return;
    }
    const inet = /^(inet6?)\s+(\S+?)\/(\d+)(.*)$/.exec(s);
    if (inet) {
      if (!current) throw new LineError(line, 'address line before any interface line');
      const ip = canonicalIp(inet[2]!);
      if (!ip) throw new LineError(line, `bad address "${inet[2]}"`);
      const rest = inet[4]!;
      const words = rest.trim().split(/\s+/);
      const scope = /\bscope (\S+)/.exec(rest)?.[1];
      // The label is the last word when it names this interface (aliases look like eth0:1).
      const last = words.at(-1);
      current.addresses.push({
        family: inet[1] as 'inet' | 'inet6',
        ip,
        prefixLength: Number(inet[3]),
        ...(scope ? { scope } : {}),
        ...(inet[1] === 'inet' && last && last.startsWith(current.name) ? { label: last } : {}),
      });
      return;
    }
    if (/^(valid_lft|link\/|altname)/.test(s)) return;
    skipped.push({ line, reason: 'not an ip addr line' });
  });
  if (interfaces.length === 0) throw new LineError(1, 'no interfaces found: not ip addr output');
  return { data: { interfaces }, skipped };
}

function parseJson(text: string): { data: IpAddrData; skipped: Skipped[] } {
  const loaded = loadDocuments(text);
  const list = loaded.docs[0];
  const interfaces = withLines(loaded, 0, () => {
    if (!Array.isArray(list)) throw new LineError(1, 'expected a JSON array of interfaces');
    return list.map((v, i): NetInterface => {
      const o: Obj = asObject(v, [i]);
      const name = optString(o, 'ifname', [i]);
      if (!name)
        throw new LineError(loaded.locate(0, [i]) ?? 1, 'interface without "ifname"', undefined, `[${i}]`);
      return {
        index: typeof o['ifindex'] === 'number' ? o['ifindex'] : undefined,
        name,
        flags: optArray(o, 'flags', [i]).map(String),
        mtu: typeof o['mtu'] === 'number' ? o['mtu'] : undefined,
        state: optString(o, 'operstate', [i]),
        mac: optString(o, 'address', [i]),
        master: optString(o, 'master', [i]),
        line: loaded.locate(0, [i]) ?? 1,
        addresses: optArray(o, 'addr_info', [i]).flatMap((a, j) => {
          const ao = asObject(a, [i, 'addr_info', j]);
          const family = optString(ao, 'family', [i, 'addr_info', j]);
          const ip = canonicalIp(optString(ao, 'local', [i, 'addr_info', j]) ?? '');
          if ((family !== 'inet' && family !== 'inet6') || !ip) return [];
          return [
            {
              family,
              ip,
              prefixLength: Number(ao['prefixlen']),
              scope: optString(ao, 'scope', [i, 'addr_info', j]),
              label: optString(ao, 'label', [i, 'addr_info', j]),
            },
          ];
        }),
      };
    });
  });
  return { data: { interfaces }, skipped: [] };
}
