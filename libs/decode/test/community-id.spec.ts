import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityId, communityIdOf, decodeFile, formatAddress, parseAddress } from '../src/index.js';
import { decode, eth, icmp, ipv4, ipv6, ipv6Fragment, tcp, u16, udp } from './frames.js';
import { communityIdVectors as load, sharedPath, type CommunityIdVector as Vector } from './shared.js';

const dir = sharedPath('corpus/community-id');
const tuple = (v: Vector) => ({
  protocol: v.proto,
  src: v.saddr,
  dst: v.daddr,
  srcPort: v.sport,
  dstPort: v.dport,
});

describe('Community ID v1', () => {
  const files = readdirSync(dir).filter((f) => /^baseline_.*\.json$/.test(f));

  it('finds the three baseline files', () => {
    expect(files.sort()).toEqual(['baseline_deflt.json', 'baseline_nob64.json', 'baseline_seed1.json']);
  });

  it('passes every vector: default, seed 1, and hex output', () => {
    const settings: Record<string, [number, boolean]> = {
      'baseline_deflt.json': [0, true],
      'baseline_seed1.json': [1, true],
      'baseline_nob64.json': [0, false],
    };
    let count = 0;
    for (const f of files) {
      const [seed, base64] = settings[f];
      for (const v of load(f)) {
        expect(communityId(tuple(v), seed, base64), `${f} ${JSON.stringify(v)}`).toBe(v.communityid);
        count++;
      }
    }
    expect(count).toBe(69);
  });

  it('gives decoded packets of the vectors’ own captures the IDs of their tuples', async () => {
    const byTuple = new Map(
      load('baseline_deflt.json').map((v) => [
        `${v.proto} ${v.saddr} ${v.sport} ${v.daddr} ${v.dport}`,
        v.communityid,
      ]),
    );
    let matched = 0;
    for (const f of readdirSync(dir).filter((n) => /\.pcap(\.gz)?$/.test(n))) {
      for (const p of await decodeFile(`${dir}/${f}`)) {
        if (!p.ipVersion) continue;
        const icmp = p.protocol === 1 || p.protocol === 58;
        const key = `${p.protocol} ${formatAddress(p.src, p.ipVersion)} ${icmp ? p.icmpType : p.srcPort} ${formatAddress(p.dst, p.ipVersion)} ${icmp ? p.icmpCode : p.dstPort}`;
        const expected = byTuple.get(key);
        if (expected === undefined) continue;
        expect(communityIdOf(p), `${f} #${p.number + 1}`).toBe(expected);
        matched++;
      }
    }
    expect(matched).toBeGreaterThan(50);
  });

  it('round-trips addresses through parse and format', () => {
    for (const v of load('baseline_deflt.json')) {
      for (const a of [v.saddr, v.daddr]) {
        const bytes = parseAddress(a)!;
        expect(formatAddress(bytes, bytes.length === 4 ? 4 : 6)).toBe(a);
      }
    }
    expect(parseAddress('::ffff:10.1.2.3')).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3]),
    );
    expect(parseAddress('1::2::3')).toBeNull();
    expect(parseAddress('300.1.1.1')).toBeNull();
  });

  it('hashes no ports for later fragments and headers cut before their ports, as the reference (issue 19, 6)', () => {
    // The reference implementation parses no transport header there: addresses and protocol only.
    const withoutPorts = (protocol: number, a: string, b: string) => {
      const [x, y] = [Buffer.from(parseAddress(a)!), Buffer.from(parseAddress(b)!)];
      const [lo, hi] = Buffer.compare(x, y) <= 0 ? [x, y] : [y, x];
      const input = Buffer.concat([u16(0), lo, hi, Buffer.from([protocol, 0])]);
      return `1:${createHash('sha1').update(input).digest('base64')}`;
    };
    const [a, b] = ['10.0.0.2', '10.0.0.1'];
    // A 1400-byte DNS answer in two fragments: the first carries the UDP header, the second none.
    const answer = udp(53, 40000, Buffer.alloc(1400, 7));
    const first = decode(1, eth(0x0800, ipv4(17, a, b, answer.subarray(0, 1200), { id: 9, frag: 0x2000 })));
    const later = decode(1, eth(0x0800, ipv4(17, a, b, answer.subarray(1200), { id: 9, frag: 1200 / 8 })));
    expect(communityIdOf(first)).toBe(
      communityId({ protocol: 17, src: a, dst: b, srcPort: 53, dstPort: 40000 }),
    );
    expect(communityIdOf(later)).toBe(withoutPorts(17, a, b));
    const tcpLater = decode(
      1,
      eth(0x0800, ipv4(6, a, b, tcp(80, 40000, 1, 2, 0x10, 3).subarray(8), { id: 10, frag: 1 })),
    );
    expect(communityIdOf(tcpLater)).toBe(withoutPorts(6, a, b));
    // A later fragment of a big ping (it threw: no ICMP type to hash), over IPv4 and IPv6.
    const ping = icmp(8, 0, Buffer.concat([u16(1), u16(1), Buffer.alloc(2000)]));
    const pingLater = decode(1, eth(0x0800, ipv4(1, a, b, ping.subarray(1480), { id: 11, frag: 1480 / 8 })));
    expect(communityIdOf(pingLater)).toBe(withoutPorts(1, a, b));
    const ping6 = icmp(128, 0, Buffer.concat([u16(1), u16(1), Buffer.alloc(2000)]));
    const ping6Later = decode(
      1,
      eth(
        0x86dd,
        ipv6(
          44,
          'fd00::2',
          'fd00::1',
          Buffer.concat([ipv6Fragment(58, 1448, false, 12), ping6.subarray(1448)]),
        ),
      ),
    );
    expect(communityIdOf(ping6Later)).toBe(withoutPorts(58, 'fd00::2', 'fd00::1'));
    // Headers cut by the snaplen: no ICMP type, or no whole port pair.
    const cutPing = eth(0x0800, ipv4(1, a, b, ping.subarray(0, 100)));
    expect(communityIdOf(decode(1, cutPing.subarray(0, 34), cutPing.length))).toBe(withoutPorts(1, a, b));
    const cutUdp = eth(0x0800, ipv4(17, a, b, answer.subarray(0, 100), { length: 120 }));
    expect(communityIdOf(decode(1, cutUdp.subarray(0, 37), cutUdp.length))).toBe(withoutPorts(17, a, b));
    // With the ports captured, they are hashed even though the rest of the header is not.
    expect(communityIdOf(decode(1, cutUdp.subarray(0, 38), cutUdp.length))).toBe(
      communityId({ protocol: 17, src: a, dst: b, srcPort: 53, dstPort: 40000 }),
    );
  });
});
