// A tiny pcap writer for synthetic captures (nanosecond pcap, LINUX_SLL2), so synthetic tests go
// through the real reader and decoder. Checksums are left zero: nothing on the way checks them.

/** Overlay encapsulations: UDP-based (VXLAN, Geneve), GRE, and plain IP-in-IP. */
export type TunnelKind = 'vxlan' | 'geneve' | 'gre' | 'ipip';

export interface SyntheticPacket {
  /** Nanoseconds since the epoch. */
  t: bigint;
  ifIndex: number;
  /** 0 host (In), 3 otherhost (P), 4 outgoing (Out). */
  pktType: number;
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'sctp';
  sport: number;
  dport: number;
  ipId?: number;
  seq?: number;
  ack?: number;
  /** TCP flags byte: SYN 2, ACK 16, FIN 1, RST 4, PSH 8. */
  flags?: number;
  window?: number;
  /** TCP timestamp option value; omitted = no options. */
  tsVal?: number;
  /** SCTP verification tag. */
  vtag?: number;
  /** Transport payload (for SCTP: its chunks). */
  payload?: Uint8Array;
  /**
   * Wrap in an outer IP header: UDP from `sport` to VXLAN 4789 or Geneve 6081 (with `vni`), GRE
   * straight over the inner IP packet (`vni` as its key, no key if absent), or IP-in-IP.
   */
  tunnel?: { kind: TunnelKind; src: string; dst: string; sport?: number; vni?: number };
}

const IP_PROTOCOLS = { tcp: 6, udp: 17, sctp: 132 } as const;

export function pcapFile(packets: SyntheticPacket[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b23c4d, true); // nanosecond magic
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 262144, true);
  header.setUint32(20, 276, true); // LINUX_SLL2
  parts.push(new Uint8Array(header.buffer));
  for (const p of packets) {
    const frame = concat(sll2(p), ipPacket(p));
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, Number(p.t / 1_000_000_000n), true);
    rec.setUint32(4, Number(p.t % 1_000_000_000n), true);
    rec.setUint32(8, frame.length, true);
    rec.setUint32(12, frame.length, true);
    parts.push(new Uint8Array(rec.buffer), frame);
  }
  return concat(...parts);
}

function sll2(p: SyntheticPacket): Uint8Array {
  const v = new DataView(new ArrayBuffer(20));
  v.setUint16(0, ethertype(p.tunnel?.src ?? p.src));
  v.setUint32(4, p.ifIndex);
  v.setUint16(8, 1); // ARPHRD_ETHER
  v.setUint8(10, p.pktType);
  v.setUint8(11, 6);
  return new Uint8Array(v.buffer);
}

function ipPacket(p: SyntheticPacket): Uint8Array {
  const inner = ip(p.src, p.dst, IP_PROTOCOLS[p.protocol], p.ipId ?? 0, transport(p));
  if (!p.tunnel) return inner;
  const t = p.tunnel;
  const outerId = (p.ipId ?? 0) ^ 0x5555;
  // IP-in-IP: protocol 4 carries IPv4, 41 IPv6.
  if (t.kind === 'ipip') return ip(t.src, t.dst, ipVersion(p.src) === 4 ? 4 : 41, outerId, inner);
  if (t.kind === 'gre') {
    // GRE (RFC 2784/2890): flags (K bit when there is a key), the inner ethertype, the key.
    const v = new DataView(new ArrayBuffer(t.vni === undefined ? 4 : 8));
    v.setUint16(0, t.vni === undefined ? 0 : 0x2000);
    v.setUint16(2, ethertype(p.src));
    if (t.vni !== undefined) v.setUint32(4, t.vni >>> 0);
    return ip(t.src, t.dst, 47, outerId, concat(new Uint8Array(v.buffer), inner));
  }
  // Tunnel header, then the inner packet as an Ethernet frame.
  const vni = t.vni ?? 0;
  const tunnelHeader = new Uint8Array(8);
  if (t.kind === 'vxlan') tunnelHeader[0] = 0x08;
  else new DataView(tunnelHeader.buffer).setUint16(2, 0x6558);
  tunnelHeader[4] = (vni >> 16) & 0xff;
  tunnelHeader[5] = (vni >> 8) & 0xff;
  tunnelHeader[6] = vni & 0xff;
  const eth = new Uint8Array(14);
  new DataView(eth.buffer).setUint16(12, ethertype(p.src));
  const udpPayload = concat(tunnelHeader, eth, inner);
  const dport = t.kind === 'vxlan' ? 4789 : 6081;
  return ip(t.src, t.dst, 17, outerId, udp(t.sport ?? 0, dport, udpPayload));
}

function transport(p: SyntheticPacket): Uint8Array {
  const payload = p.payload ?? new Uint8Array(0);
  if (p.protocol === 'udp') return udp(p.sport, p.dport, payload);
  if (p.protocol === 'sctp') {
    // SCTP common header (RFC 9260): ports, verification tag, checksum (zero); chunks follow.
    const v = new DataView(new ArrayBuffer(12));
    v.setUint16(0, p.sport);
    v.setUint16(2, p.dport);
    v.setUint32(4, (p.vtag ?? 0) >>> 0);
    return concat(new Uint8Array(v.buffer), payload);
  }
  const options = p.tsVal !== undefined ? 12 : 0;
  const v = new DataView(new ArrayBuffer(20 + options));
  v.setUint16(0, p.sport);
  v.setUint16(2, p.dport);
  v.setUint32(4, (p.seq ?? 0) >>> 0);
  v.setUint32(8, (p.ack ?? 0) >>> 0);
  v.setUint8(12, ((20 + options) / 4) << 4);
  v.setUint8(13, p.flags ?? 0x10);
  v.setUint16(14, p.window ?? 64240);
  if (options) {
    v.setUint8(20, 1);
    v.setUint8(21, 1);
    v.setUint8(22, 8);
    v.setUint8(23, 10);
    v.setUint32(24, p.tsVal! >>> 0);
  }
  return concat(new Uint8Array(v.buffer), payload);
}

function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const v = new DataView(new ArrayBuffer(8));
  v.setUint16(0, sport);
  v.setUint16(2, dport);
  v.setUint16(4, 8 + payload.length);
  return concat(new Uint8Array(v.buffer), payload);
}

function ip(src: string, dst: string, protocol: number, ipId: number, body: Uint8Array): Uint8Array {
  if (ipVersion(src) === 4) {
    const v = new DataView(new ArrayBuffer(20));
    v.setUint8(0, 0x45);
    v.setUint16(2, 20 + body.length);
    v.setUint16(4, ipId);
    v.setUint16(6, 0x4000); // DF
    v.setUint8(8, 64);
    v.setUint8(9, protocol);
    const h = new Uint8Array(v.buffer);
    h.set(v4(src), 12);
    h.set(v4(dst), 16);
    return concat(h, body);
  }
  const v = new DataView(new ArrayBuffer(40));
  v.setUint32(0, 0x60000000);
  v.setUint16(4, body.length);
  v.setUint8(6, protocol);
  v.setUint8(7, 64);
  const h = new Uint8Array(v.buffer);
  h.set(v6(src), 8);
  h.set(v6(dst), 24);
  return concat(h, body);
}

function ipVersion(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function ethertype(address: string): number {
  return ipVersion(address) === 4 ? 0x0800 : 0x86dd;
}

function v4(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

function v6(address: string): Uint8Array {
  const [head, tail = ''] = address.split('::');
  const words = (s: string) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = words(head);
  const right = address.includes('::') ? words(tail) : [];
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
