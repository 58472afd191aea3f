// Small helpers shared by the text parsers: lines, addresses, protocols, quoted tokens.
import { isIP } from 'node:net';
import type { HostPort, Protocol } from './types.js';

export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** Canonical form of an IP address (IPv6 lower-case and compressed), or undefined if it is not one. */
export function canonicalIp(raw: string): string | undefined {
  let s = raw.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const family = isIP(s);
  if (family === 4) return s;
  if (family === 6) return new URL(`http://[${s}]/`).hostname.slice(1, -1);
  return undefined;
}

/** An address that may carry a prefix: `10.0.0.1/32` is the host 10.0.0.1, anything wider is not a host. */
export function hostOf(raw: string): string | undefined {
  const [addr, len] = raw.split('/');
  if (len !== undefined) {
    const ip = canonicalIp(addr!);
    if (!ip) return undefined;
    const full = ip.includes(':') ? '128' : '32';
    return len === full ? ip : undefined;
  }
  return canonicalIp(raw);
}

/** `10.0.0.1:80` or `[fd00::1]:80`. */
export function parseHostPort(raw: string): HostPort | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(raw) ?? /^([^:]+):(\d+)$/.exec(raw);
  if (!m) return undefined;
  const ip = canonicalIp(m[1]!);
  const port = Number(m[2]);
  if (!ip || port > 65535) return undefined;
  return { ip, port };
}

export function formatHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function toProtocol(raw: string | undefined): Protocol | undefined {
  const p = raw?.toLowerCase();
  return p === 'tcp' || p === 'udp' || p === 'sctp' ? p : undefined;
}

/** Split a rule line into words, honouring double quotes and backslash escapes as iptables-save writes them. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quoted) throw new Error('unterminated quote');
  if (inWord) out.push(cur);
  return out;
}

/** `namespace/name:port` at the start of a kube-proxy comment such as `ns/svc:http cluster IP`. */
export function serviceFromComment(comment: string | undefined): string | undefined {
  const m = comment && /^([a-z0-9][-a-z0-9.]*)\/([a-z0-9][-a-z0-9.]*):([-a-z0-9]*)(?:\s|$)/.exec(comment);
  return m ? servicePortName(m[1]!, m[2]!, m[3]!) : undefined;
}

/** How natlens names a Service port: `namespace/name:port-name`, or `namespace/name` for the single
 *  unnamed port a Service may have (kube-proxy writes that one as `namespace/name:`). */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}
