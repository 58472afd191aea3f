// How endpoints are written everywhere in the result: ip:port, [ipv6]:port, bare ip without ports;
// and the names of interfaces, packet types and tunnels.
import type { PerspectiveState } from './perspective.js';

export function endpoint(ip: string, port: number, hasPorts: boolean): string {
  if (!hasPorts) return ip;
  // Most flows name a few endpoints already written (the Service's, its backends', each one
  // at every capture point): the text is kept per port, the last address with that port.
  const slot = port & (KEPT - 1);
  if (keptPort[slot] === port && keptIp[slot] === ip) return keptText[slot];
  const text = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  keptPort[slot] = port;
  keptIp[slot] = ip;
  keptText[slot] = text;
  return text;
}

const KEPT = 1024;
const keptPort: number[] = new Array<number>(KEPT).fill(-1);
const keptIp: string[] = new Array<string>(KEPT).fill('');
const keptText: string[] = new Array<string>(KEPT).fill('');

/** Protocols whose tuple carries ports (ICMP echo uses its id on both sides instead). */
export function hasPorts(protocol: number): boolean {
  return protocol === 6 || protocol === 17 || protocol === 132;
}

export function protocolName(protocol: number): 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp' | 'other' {
  switch (protocol) {
    case 6:
      return 'tcp';
    case 17:
      return 'udp';
    case 1:
      return 'icmp';
    case 58:
      return 'icmpv6';
    case 132:
      return 'sctp';
    default:
      return 'other';
  }
}

const TYPE_LETTERS = ['In', 'B', 'M', 'P', 'Out'];

/** tcpdump's letter for a Linux packet type ('' when the capture did not record one). */
export function packetTypeName(pktType: number): string {
  return TYPE_LETTERS[pktType] ?? '';
}

const TUNNEL_NAMES = ['vxlan', 'vxlan', 'geneve', 'ipip', 'gre'] as const;

export function tunnelName(tunnel: number): 'vxlan' | 'geneve' | 'ipip' | 'gre' {
  return TUNNEL_NAMES[tunnel] ?? 'vxlan';
}

/**
 * The name of the interface a perspective saw a packet on (by index and packet type): the
 * capture's own name for it, else `if<index>`; null without an index.
 */
export function interfaceName(p: PerspectiveState, ifIndex: number, pktType: number): string | null {
  for (let i = 0; i < p.ifaceCount * 4; i += 4)
    if (p.ifaces[i] === ifIndex && p.ifaces[i + 1] === pktType && p.ifNames[i / 4]) return p.ifNames[i / 4];
  return ifIndex >= 0 ? indexName(ifIndex) : null;
}

/** `if<index>` for an interface the capture did not name ('' without an index), kept per index. */
export function indexName(ifIndex: number): string {
  if (!(ifIndex >= 0)) return '';
  let name = indexNames.get(ifIndex);
  if (name === undefined) {
    name = `if${ifIndex}`;
    if (indexNames.size < INDEX_NAMES_KEPT) indexNames.set(ifIndex, name);
  }
  return name;
}

const INDEX_NAMES_KEPT = 4096;
const indexNames = new Map<number, string>();
