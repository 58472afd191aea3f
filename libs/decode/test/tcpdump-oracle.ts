import { readFileSync } from 'node:fs';
import { formatAddress, STATUS_OK, type DecodedPacket } from '../src/index.js';

/**
 * Compares decoded packets with what tcpdump printed for them (`tcpdump -# -n -r FILE`, as the
 * tcpdump test suite runs it, plus the options TESTLIST gives). Only what tcpdump states plainly
 * is compared: addresses, ports, TCP flags/seq/ack/window/payload length, UDP payload length,
 * ICMP echo id/seq. The innermost IP line of a packet (after VXLAN, Geneve, GRE, IP-in-IP) is
 * the one compared, as our top-level fields describe the innermost packet.
 */
export interface OracleResult {
  /** Packets tcpdump printed as IP/IP6 and we compared. */
  compared: number;
  fields: number;
  mismatches: string[];
}

/** tcpdump's packet texts by number (1-based): the numbered line plus its continuation lines. */
export function tcpdumpPackets(outPath: string, numbered = true): Map<number, string> {
  const packets = new Map<number, string>();
  let current = 0;
  for (const line of readFileSync(outPath, 'utf8').split('\n')) {
    // Without -#, a packet starts at a line with a timestamp (HH:MM:SS.frac).
    const m = numbered
      ? /^\s*(\d+)\s\s(.*)$/.exec(line)
      : /^\d\d:\d\d:\d\d\.\d+ /.test(line)
        ? [line, String(current + 1), line]
        : null;
    if (m && (!numbered || Number(m[1]) === current + 1)) {
      current = Number(m[1]);
      packets.set(current, m[2]);
    } else if (current > 0 && line.length) packets.set(current, `${packets.get(current)}\n${line}`);
  }
  return packets;
}

// "IP a > b: rest", "IP6 a > b: rest", or with -e "ethertype IPv4 (0x0800), length 98: a > b: rest".
const IP_LINE =
  /(?:(?:^|[\s:,])(IP6?) (?:(\((?:[^()]|\([^()]*\))*\))\s+)?(?:\[[^\]]*\]\s+)?|ethertype IPv([46]) \(0x[0-9a-f]+\), (?:length \d+: )?)((?:[0-9a-f:.]+)) > ((?:[0-9a-f:.]+)): (?=(.*))/g;

interface Endpoint {
  addr: string;
  port: number | null;
}

function endpoint(text: string, version: number): Endpoint {
  const dot = text.lastIndexOf('.');
  if (version === 4) {
    return text.split('.').length === 5
      ? { addr: text.slice(0, dot), port: Number(text.slice(dot + 1)) }
      : { addr: text, port: null };
  }
  // IPv6 "addr.port"; an address ending in a dotted quad has 3 dots and no port.
  if (dot > 0 && /^\d+$/.test(text.slice(dot + 1)) && text.split('.').length !== 4) {
    return { addr: text.slice(0, dot), port: Number(text.slice(dot + 1)) };
  }
  return { addr: text, port: null };
}

const FLAG_CHARS: [number, string][] = [
  [0x01, 'F'],
  [0x02, 'S'],
  [0x04, 'R'],
  [0x08, 'P'],
  [0x10, '.'],
  [0x20, 'U'],
  [0x40, 'E'],
  [0x80, 'W'],
  [0x100, 'e'],
];

/** tcpdump's relative sequence numbers (print-tcp.c, without -S): per connection, set on the first ACK or any SYN. */
class RelativeSeq {
  private readonly conns = new Map<string, { seq: number; ack: number }>();

  apply(p: DecodedPacket, src: string, dst: string): { seq: number; ack: number } {
    let seq = p.tcpSeq;
    let ack = p.tcpAck;
    if (!(p.tcpFlags & 0x10)) return { seq, ack };
    const n = p.ipVersion === 4 ? 4 : 16;
    let rev = p.srcPort > p.dstPort;
    if (p.srcPort === p.dstPort) rev = Buffer.compare(p.src.subarray(0, n), p.dst.subarray(0, n)) > 0;
    const key = rev ? `${dst}|${src}|${p.dstPort}|${p.srcPort}` : `${src}|${dst}|${p.srcPort}|${p.dstPort}`;
    const th = this.conns.get(key);
    if (!th || p.tcpFlags & 0x02) {
      this.conns.set(key, rev ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 });
    } else if (rev) {
      seq = (seq - th.ack) >>> 0;
      ack = (ack - th.seq) >>> 0;
    } else {
      seq = (seq - th.seq) >>> 0;
      ack = (ack - th.ack) >>> 0;
    }
    return { seq, ack };
  }
}

export function compareWithTcpdump(packets: DecodedPacket[], printed: Map<number, string>): OracleResult {
  const result: OracleResult = { compared: 0, fields: 0, mismatches: [] };
  const rel = new RelativeSeq();
  for (const [n, text] of printed) {
    const p = packets[n - 1];
    const where = `#${n}`;
    const fail = (what: string, theirs: unknown, ours: unknown) => {
      if (String(theirs) !== String(ours))
        result.mismatches.push(`${where} ${what}: tcpdump ${theirs}, ours ${ours}`);
      result.fields++;
    };
    const first = text.split('\n')[0];
    // -e prints the outer frame's 802.1Q/802.1ad tags, outermost first.
    const vlans = [...first.matchAll(/vlan (\d+), p \d+/g)].map((v) => Number(v[1]));
    const arp = /ethertype ARP \(0x0806\)/.test(first) || /^(?:[\d:. -]+ )?ARP, /.test(first);
    const matches = [...text.matchAll(IP_LINE)];
    if (matches.length === 0 && vlans.length === 0 && !arp) continue;
    if (!p) {
      result.mismatches.push(`${where}: no such packet`);
      continue;
    }
    result.compared++;
    if (vlans.length) {
      fail('vlan tags', vlans.length, p.vlanCount);
      fail(
        'vlan ids',
        vlans.slice(0, 2).join(','),
        [p.vlan0, p.vlan1].slice(0, Math.min(2, p.vlanCount)).join(','),
      );
    }
    if (arp) fail('ethertype', 'ARP', p.ethertype === 0x0806 ? 'ARP' : p.ethertype);
    if (matches.length === 0) continue;
    // Our IP layers, outermost first: the tunnels' outer headers, then the innermost packet.
    const chain = p.encaps.slice(0, p.encapCount).map((e) => ({
      version: e.ipVersion,
      src: formatAddress(e.src, e.ipVersion),
      dst: formatAddress(e.dst, e.ipVersion),
      srcPort: e.srcPort,
      dstPort: e.dstPort,
      hasPorts: e.protocol === 17,
      ttl: e.ttl,
      ipId: e.ipId,
      ipLength: e.ipLength,
    }));
    if (p.ipVersion) {
      chain.push({
        version: p.ipVersion,
        src: formatAddress(p.src, p.ipVersion),
        dst: formatAddress(p.dst, p.ipVersion),
        srcPort: p.srcPort,
        dstPort: p.dstPort,
        hasPorts: p.hasPorts,
        ttl: p.ttl,
        ipId: p.ipId,
        ipLength: p.ipLength,
      });
    }
    // With -v tcpdump also prints the datagram quoted by an ICMP error.
    const e = p.embedded;
    if (p.hasEmbedded && matches.length === chain.length + 1) {
      chain.push({
        version: e.ipVersion,
        src: formatAddress(e.src, e.ipVersion),
        dst: formatAddress(e.dst, e.ipVersion),
        srcPort: e.srcPort,
        dstPort: e.dstPort,
        hasPorts: e.hasTransport && e.icmpType < 0,
        ttl: e.ttl,
        ipId: e.ipId,
        ipLength: e.ipLength,
      });
    }
    fail('IP layers', matches.length, chain.length);
    if (matches.length !== chain.length) continue;
    matches.forEach((m, i) => {
      const version = m[1] ? (m[1] === 'IP' ? 4 : 6) : Number(m[3]);
      const layer = chain[i];
      fail(`layer ${i} ip version`, version, layer.version);
      const src = endpoint(m[4], version);
      const dst = endpoint(m[5], version);
      // -v prints the IP header: ttl/hlim, id, length.
      const header = m[2] ?? '';
      const ttl = /(?:ttl|hlim) (\d+)/.exec(header);
      if (ttl) fail(`layer ${i} ttl`, ttl[1], layer.ttl);
      const id = /, id (\d+)/.exec(header);
      if (id) fail(`layer ${i} ip id`, id[1], layer.ipId);
      const len = /, length (\d+)(?: \[[^\]]*\])?\)$/.exec(header) ?? /payload length: (\d+)\)$/.exec(header);
      if (len) fail(`layer ${i} ip length`, len[1], version === 4 ? layer.ipLength : layer.ipLength - 40);
      fail(`layer ${i} src`, src.addr, layer.src);
      fail(`layer ${i} dst`, dst.addr, layer.dst);
      if (src.port !== null && layer.hasPorts) {
        fail(`layer ${i} sport`, src.port, layer.srcPort);
        fail(`layer ${i} dport`, dst.port, layer.dstPort);
      }
    });
    const inner = p.encapCount + (p.ipVersion ? 1 : 0) - 1;
    if (!p.ipVersion || inner < 0) continue;
    const m = matches[inner];
    const ourSrc = formatAddress(p.src, p.ipVersion);
    const ourDst = formatAddress(p.dst, p.ipVersion);
    const rest = m[6];
    if (p.status !== STATUS_OK || rest.includes('[|')) continue;
    const flags = /^Flags \[([^\]]*)\]/.exec(rest);
    if (flags && p.protocol === 6) {
      const ours = FLAG_CHARS.filter(([bit]) => p.tcpFlags & bit)
        .map(([, c]) => c)
        .join('');
      fail('tcp flags', flags[1] === 'none' ? '' : [...flags[1]].sort().join(''), [...ours].sort().join(''));
      const { seq, ack } = rel.apply(p, ourSrc, ourDst);
      const s = /, seq (\d+)/.exec(rest);
      if (s) fail('tcp seq', s[1], seq);
      const a = /, ack (\d+)/.exec(rest);
      if (a) fail('tcp ack', a[1], ack);
      const w = /, win (\d+)/.exec(rest);
      if (w) fail('tcp win', w[1], p.tcpWindow);
      const l = /, length (\d+)/.exec(rest);
      if (l) fail('tcp payload length', l[1], p.payloadLength);
      continue;
    }
    const udp = /^UDP, length (\d+)$/.exec(rest);
    if (udp && p.protocol === 17) fail('udp payload length', udp[1], p.payloadLength);
    const echo = /^ICMP6?,? echo (?:request|reply), id (\d+), seq (\d+)(?:, length (\d+))?/.exec(rest);
    if (echo) {
      fail('icmp id', echo[1], p.icmpId);
      fail('icmp seq', echo[2], p.icmpSeq);
      if (echo[3]) fail('icmp length', echo[3], p.payloadLength + 8);
    }
  }
  return result;
}
