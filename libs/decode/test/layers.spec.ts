import { describe, expect, it } from 'vitest';
import { epb, idb, shb } from '../../capture/test/build.js';
import {
  DecodedPacket,
  decodeFile,
  DecodeStats,
  ENCAP_GENEVE,
  ENCAP_GRE,
  ENCAP_IPIP,
  ENCAP_VXLAN,
  formatAddress,
  MAX_ENCAP_DEPTH,
  SCTP_DATA,
  SCTP_INIT,
  SCTP_SHUTDOWN_COMPLETE,
  STATUS_MALFORMED,
  STATUS_OK,
  STATUS_TRUNCATED,
  SUPPORTED_LINKTYPES,
  TCP_ACK,
  TCP_SYN,
  UNDECODED_ERSPAN,
  UNDECODED_GRE_UDP,
  UNDECODED_GTPU,
  UNDECODED_MPLS,
  UNDECODED_NAMES,
  UNDECODED_PPP_GRE,
  UNDECODED_VNTAG,
  UNSUPPORTED_LINKTYPE,
} from '../src/index.js';
import {
  decode,
  eth,
  hex,
  icmp,
  ipv4,
  ipv6,
  ipv6Fragment,
  tcp,
  u16,
  u32,
  udp,
  vlan,
  vxlanHeader,
} from './frames.js';

// Hand-built frames: each test states the bytes on the wire and the fields expected from them.

const ip = (p: DecodedPacket) => [formatAddress(p.src, p.ipVersion), formatAddress(p.dst, p.ipVersion)];
const TCP_OPTS = hex('020405b4 0402 080a 00000001 00000002 01 030307 050a 00000001 00000002 0000');
const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');

describe('link layers', () => {
  const packet = ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1234, 80, 1000, 0, TCP_SYN, 64240));

  it('decodes every supported link type to the same IPv4 packet', () => {
    const frames: [number, Buffer][] = [
      [1, eth(0x0800, packet)],
      [0, Buffer.concat([hex('02000000'), packet])], // NULL, little-endian AF_INET
      [0, Buffer.concat([hex('00000002'), packet])], // NULL, big-endian
      [108, Buffer.concat([hex('00000002'), packet])], // LOOP
      [101, packet],
      [12, packet],
      [14, packet],
      [228, packet],
      [113, Buffer.concat([hex('0000 0001 0006 020000000001 0000'), u16(0x0800), packet])],
      [276, Buffer.concat([u16(0x0800), u16(0), u32(7), hex('0001 04 06 020000000001 0000'), packet])],
    ];
    for (const [lt, frame] of frames) {
      const p = decode(lt, frame);
      expect(p.status, `linktype ${lt}`).toBe(STATUS_OK);
      expect(ip(p)).toEqual(['10.0.0.1', '10.0.0.2']);
      expect([p.srcPort, p.dstPort, p.tcpSeq, p.tcpFlags, p.ethertype]).toEqual([
        1234,
        80,
        1000,
        TCP_SYN,
        0x0800,
      ]);
    }
    const sll2 = decode(276, frames[9][1]);
    expect([sll2.ifIndex, sll2.packetType]).toEqual([7, 4]);
    const sll = decode(113, frames[8][1]);
    expect([sll.ifIndex, sll.packetType]).toEqual([-1, 0]);
  });

  it('reads 802.1ad + 802.1Q tags and LLC/SNAP', () => {
    const p = decode(1, eth(0x88a8, Buffer.concat([vlan(0x2000 | 200, 0x8100), vlan(2001, 0x0800), packet])));
    expect([p.vlanCount, p.vlan0, p.vlan1, p.ipVersion, p.dstPort]).toEqual([2, 200, 2001, 4, 80]);
    const snap = decode(
      1,
      eth(8 + packet.length, Buffer.concat([hex('aaaa03 000000'), u16(0x0800), packet])),
    );
    expect([snap.ipVersion, snap.dstPort]).toEqual([4, 80]);
  });

  it('leaves non-IP frames ok with ipVersion 0 (ARP is counted, not an error)', () => {
    const p = decode(1, eth(0x0806, Buffer.alloc(28)));
    expect([p.status, p.ipVersion, p.ethertype]).toEqual([STATUS_OK, 0, 0x0806]);
  });

  it('reads a pcapng declaring a link type it does not decode, failing only the packets on it (issue 19, 5)', async () => {
    // 126 interfaces, one of them 802.3br (274): 17 packets on Ethernet, one on the 802.3br one.
    const file = Buffer.concat([
      shb(),
      ...Array.from({ length: 126 }, (_, i) => idb(i === 7 ? 274 : 1)),
      ...Array.from({ length: 18 }, (_, k) => epb(k === 5 ? 7 : 3, BigInt(k), eth(0x0800, packet))),
    ]);
    const packets = await decodeFile([file]);
    expect(packets).toHaveLength(18);
    const stats = new DecodeStats();
    for (const p of packets) stats.add(p);
    expect([stats.ipv4, stats.malformed, [...stats.unsupportedLinkTypes]]).toEqual([17, 1, [[274, 1]]]);
    expect([packets[5].status, packets[5].reason, packets[5].linktype]).toEqual([
      STATUS_MALFORMED,
      UNSUPPORTED_LINKTYPE,
      274,
    ]);
    // Asked to, the reader still rejects the file at that interface.
    await expect(decodeFile([file], { linktypes: SUPPORTED_LINKTYPES })).rejects.toMatchObject({
      code: 'UNSUPPORTED_LINKTYPE',
    });
  });
});

describe('IPv4 and TCP', () => {
  it('keeps the fingerprint fields and parses TCP options', () => {
    const p = decode(
      1,
      eth(
        0x0800,
        ipv4(
          6,
          '10.0.0.1',
          '10.0.0.2',
          tcp(40000, 443, 0xfffffff0, 0x12345678, TCP_ACK | 0x08, 501, TCP_OPTS, payload),
          { id: 0xbeef, ttl: 63 },
        ),
      ),
    );
    expect(p.status).toBe(STATUS_OK);
    expect([p.ipId, p.ttl, p.dontFragment, p.isFragment]).toEqual([0xbeef, 63, true, false]);
    expect([p.tcpSeq, p.tcpAck, p.tcpFlags, p.tcpWindow, p.tcpHeaderLength]).toEqual([
      0xfffffff0,
      0x12345678,
      0x18,
      501,
      20 + TCP_OPTS.length,
    ]);
    expect([p.tcpMss, p.tcpWindowScale, p.tcpTsVal, p.tcpTsEcr, p.tcpSackBlocks]).toEqual([1460, 7, 1, 2, 1]);
    expect([p.payloadLength, p.payloadCaptured]).toEqual([payload.length, payload.length]);
    expect(Buffer.from(p.data.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength)).toString()).toBe(
      payload.toString(),
    );
  });

  it('hashes payload bytes, not headers', () => {
    const a = decode(
      1,
      eth(0x0800, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, TCP_ACK, 5, Buffer.alloc(0), payload))),
    );
    const b = decode(
      276,
      Buffer.concat([
        u16(0x0800),
        Buffer.alloc(18),
        ipv4(6, '192.168.1.1', '10.9.9.9', tcp(7, 8, 3, 4, TCP_ACK, 5, TCP_OPTS, payload)),
      ]),
    );
    const c = decode(
      1,
      eth(
        0x0800,
        ipv4(
          6,
          '10.0.0.1',
          '10.0.0.2',
          tcp(1, 2, 3, 4, TCP_ACK, 5, Buffer.alloc(0), Buffer.from('GET / HTTP/1.0\r\n\r\n')),
        ),
      ),
    );
    expect(a.payloadHash).not.toBe(0);
    expect(a.payloadHash).toBe(b.payloadHash);
    expect(a.payloadHash).not.toBe(c.payloadHash);
    expect(
      decode(1, eth(0x0800, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, TCP_SYN, 5)))).payloadHash,
    ).toBe(0);
  });

  it('flags fragments: the first keeps its ports, later ones carry no transport header', () => {
    const u = udp(53, 5353, Buffer.alloc(100, 1));
    const first = decode(101, ipv4(17, '10.0.0.1', '10.0.0.2', u.subarray(0, 48), { frag: 0x2000, id: 77 }));
    expect([
      first.isFragment,
      first.moreFragments,
      first.fragOffset,
      first.srcPort,
      first.dstPort,
      first.ipId,
    ]).toEqual([true, true, 0, 53, 5353, 77]);
    const later = decode(101, ipv4(17, '10.0.0.1', '10.0.0.2', u.subarray(48), { frag: 6, id: 77 }));
    expect([later.isFragment, later.fragOffset, later.srcPort, later.payloadLength, later.status]).toEqual([
      true,
      48,
      0,
      u.length - 48,
      STATUS_OK,
    ]);
  });

  it('decodes a first fragment with its transport header, not as malformed (issue 19, 2)', () => {
    // A 1400-byte EDNS answer: the UDP length covers the datagram, the first fragment 1200 bytes of it.
    const answer = udp(53, 40000, Buffer.alloc(1400, 7));
    const v4 = decode(
      1,
      eth(0x0800, ipv4(17, '10.96.0.10', '10.244.1.5', answer.subarray(0, 1200), { frag: 0x2000 })),
    );
    const fragment = ipv6Fragment(17, 0, true, 0xabcdef);
    const v6 = decode(
      1,
      eth(0x86dd, ipv6(44, 'fd00::a', 'fd00::5', Buffer.concat([fragment, answer.subarray(0, 1200)]))),
    );
    for (const p of [v4, v6]) {
      expect([p.status, p.reason, p.isFragment, p.moreFragments, p.fragOffset]).toEqual([
        STATUS_OK,
        null,
        true,
        true,
        0,
      ]);
      expect([p.hasPorts, p.srcPort, p.dstPort, p.udpLength, p.payloadLength, p.payloadCaptured]).toEqual([
        true,
        53,
        40000,
        1408,
        1192,
        1192,
      ]);
    }
    expect(v6.ipId).toBe(0xabcdef);
    // Not a fragment: the same UDP length is impossible.
    const whole = decode(1, eth(0x0800, ipv4(17, '10.96.0.10', '10.244.1.5', answer.subarray(0, 1200))));
    expect([whole.status, whole.reason]).toEqual([STATUS_MALFORMED, 'UDP length exceeds the IP payload']);
    // A SYN whose options go on in the second fragment: flags, sequence and the options before it.
    const syn = tcp(46000, 443, 7777, 0, TCP_SYN, 64240, TCP_OPTS);
    const first = decode(101, ipv4(6, '10.244.1.5', '10.96.0.10', syn.subarray(0, 24), { frag: 0x2000 }));
    expect([first.status, first.srcPort, first.dstPort, first.tcpSeq, first.tcpFlags, first.tcpMss]).toEqual([
      STATUS_OK,
      46000,
      443,
      7777,
      TCP_SYN,
      1460,
    ]);
    expect([first.tcpHeaderLength, first.payloadLength]).toEqual([20 + TCP_OPTS.length, 0]);
    // Even 16 bytes of header in a first fragment are no error (RFC 1858 would drop them, tshark reads them).
    const tiny = decode(101, ipv4(6, '10.244.1.5', '10.96.0.10', syn.subarray(0, 16), { frag: 0x2000 }));
    expect([tiny.status, tiny.srcPort, tiny.tcpFlags]).toEqual([STATUS_OK, 46000, TCP_SYN]);
    // Cut by the snaplen rather than by fragmenting: still truncated.
    const frame = eth(0x0800, ipv4(6, '10.244.1.5', '10.96.0.10', syn.subarray(0, 24), { frag: 0x2000 }));
    expect(decode(1, frame.subarray(0, 14 + 20 + 22), frame.length).status).toBe(STATUS_TRUNCATED);
  });

  it('skips IPv4 options and accepts segmentation-offload packets with total length 0', () => {
    const p = decode(
      101,
      ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, TCP_ACK, 5, Buffer.alloc(0), payload), {
        options: hex('01010100'),
      }),
    );
    expect([p.status, p.dstPort, p.payloadLength]).toEqual([STATUS_OK, 2, payload.length]);
    const tso = decode(
      101,
      ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, TCP_ACK, 5, Buffer.alloc(0), Buffer.alloc(3000)), {
        length: 0,
      }),
    );
    expect([tso.status, tso.ipLength, tso.payloadLength]).toEqual([STATUS_OK, 3040, 3000]);
  });

  it('says truncated when the snaplen cut a header and malformed when the packet itself is short', () => {
    const frame = eth(0x0800, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, TCP_ACK, 5)));
    const cut = frame.subarray(0, 14 + 20 + 10);
    const t = decode(1, cut, frame.length);
    expect([t.status, t.reason, t.ipVersion, ...ip(t)]).toEqual([
      STATUS_TRUNCATED,
      'TCP header',
      4,
      '10.0.0.1',
      '10.0.0.2',
    ]);
    // Whole frame but shorter than its IP header says: the first impossibility is reported.
    const m = decode(1, cut);
    expect([m.status, m.reason]).toEqual([STATUS_MALFORMED, 'IPv4 total length exceeds the frame']);
    const badIhl = Buffer.from(ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, 0, 5)));
    badIhl[0] = 0x44;
    expect(decode(101, badIhl).status).toBe(STATUS_MALFORMED);
    const badOffset = Buffer.from(ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, 0, 5)));
    badOffset[20 + 12] = 0x30;
    expect(decode(101, badOffset).reason).toBe('TCP data offset below 5');
    // A snaplen cut inside the payload is normal: headers are whole, payloadCaptured says how much.
    const full = eth(0x0800, ipv4(17, '10.0.0.1', '10.0.0.2', udp(1, 2, Buffer.alloc(500, 3))));
    const snap = decode(1, full.subarray(0, 96), full.length);
    expect([snap.status, snap.payloadLength, snap.payloadCaptured]).toEqual([STATUS_OK, 500, 96 - 42]);
  });

  it('keeps the whole fields of a transport header cut by the snaplen, as tcpdump and tshark do (issue 19, 3)', () => {
    // tcpdump -s 96 on a node: TCP inside VXLAN keeps 12 bytes, its ports, sequence and ack.
    const inner = ipv4(6, '10.244.1.5', '10.244.2.7', tcp(46000, 8080, 1000, 2000, TCP_ACK, 501));
    const vxlanFrame = eth(
      0x0800,
      ipv4(
        17,
        '192.168.56.11',
        '192.168.56.12',
        udp(51000, 4789, Buffer.concat([vxlanHeader(42), eth(0x0800, inner)])),
      ),
    );
    const t = decode(1, vxlanFrame.subarray(0, 96), vxlanFrame.length);
    expect([t.status, t.reason, t.encapCount, t.protocol, ...ip(t)]).toEqual([
      STATUS_TRUNCATED,
      'TCP header',
      1,
      6,
      '10.244.1.5',
      '10.244.2.7',
    ]);
    expect([t.hasPorts, t.srcPort, t.dstPort, t.tcpSeq, t.tcpAck, t.tcpFlags]).toEqual([
      true,
      46000,
      8080,
      1000,
      2000,
      0,
    ]);
    // Two bytes more hold the flags; cut inside the options, the options before the cut are read.
    const flags = decode(1, vxlanFrame.subarray(0, 98), vxlanFrame.length);
    expect([flags.tcpFlags, flags.tcpWindow]).toEqual([TCP_ACK, 0]);
    const opts = eth(0x0800, ipv4(6, '10.0.0.1', '10.0.0.2', tcp(1, 2, 3, 4, TCP_SYN, 5, TCP_OPTS)));
    const o = decode(1, opts.subarray(0, 14 + 20 + 24), opts.length);
    expect([o.status, o.reason, o.tcpFlags, o.tcpMss, o.tcpTsVal]).toEqual([
      STATUS_TRUNCATED,
      'TCP options',
      TCP_SYN,
      1460,
      -1,
    ]);
    // 3 bytes are not a port pair; 4 are.
    const u = eth(0x0800, ipv4(17, '10.0.0.1', '10.0.0.2', udp(5353, 53, Buffer.alloc(40))));
    const u3 = decode(1, u.subarray(0, 34 + 3), u.length);
    expect([u3.status, u3.hasPorts, u3.srcPort, u3.dstPort]).toEqual([STATUS_TRUNCATED, false, 0, 0]);
    const u6 = decode(1, u.subarray(0, 34 + 6), u.length);
    expect([u6.status, u6.hasPorts, u6.srcPort, u6.dstPort, u6.udpLength]).toEqual([
      STATUS_TRUNCATED,
      true,
      5353,
      53,
      48,
    ]);
    const sctp = eth(
      0x0800,
      ipv4(132, '10.0.0.1', '10.0.0.2', Buffer.concat([u16(36412), u16(2905), u32(0xdeadbeef), u32(0)])),
    );
    const s = decode(1, sctp.subarray(0, 34 + 8), sctp.length);
    expect([s.status, s.srcPort, s.dstPort, s.sctpVtag]).toEqual([STATUS_TRUNCATED, 36412, 2905, 0xdeadbeef]);
    // ICMP echo: type, code and id in 6 bytes; an ICMPv6 MLD report cut after 2 bytes keeps its type.
    const echo = eth(0x0800, ipv4(1, '10.0.0.1', '10.0.0.2', icmp(8, 0, Buffer.concat([u16(77), u16(3)]))));
    const e = decode(1, echo.subarray(0, 34 + 6), echo.length);
    expect([e.status, e.icmpType, e.icmpCode, e.icmpId, e.icmpSeq]).toEqual([STATUS_TRUNCATED, 8, 0, 77, -1]);
    const mld = eth(
      0x86dd,
      ipv6(
        0,
        'fe80::1',
        'ff02::16',
        Buffer.concat([hex('3a00 0502 0000 0100'), icmp(143, 0, Buffer.alloc(24))]),
      ),
    );
    const r = decode(1, mld.subarray(0, 64), mld.length);
    expect([r.status, r.reason, r.protocol, r.icmpType, r.icmpCode]).toEqual([
      STATUS_TRUNCATED,
      'ICMPv6 header',
      58,
      143,
      0,
    ]);
    expect(decode(1, mld.subarray(0, 63), mld.length).icmpCode).toBe(-1);
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop, routing, fragment and destination-options headers', () => {
    const t = tcp(5555, 80, 42, 0, TCP_SYN, 1000);
    const chain = Buffer.concat([
      Buffer.from([43, 0]),
      Buffer.alloc(6), // hop-by-hop -> routing
      Buffer.from([44, 0]),
      Buffer.alloc(6), // routing -> fragment
      Buffer.from([60, 0]),
      u16(0),
      u32(0xcafe), // fragment (offset 0) -> destination options
      Buffer.from([6, 0]),
      Buffer.alloc(6), // destination options -> TCP
      t,
    ]);
    const p = decode(229, ipv6(0, '2001:db8::1', '2001:db8::2', chain, 33));
    expect(p.status).toBe(STATUS_OK);
    expect(ip(p)).toEqual(['2001:db8::1', '2001:db8::2']);
    expect([p.protocol, p.srcPort, p.dstPort, p.tcpSeq, p.ttl, p.flowLabel, p.ipId, p.isFragment]).toEqual([
      6,
      5555,
      80,
      42,
      33,
      0x12345,
      0xcafe,
      true,
    ]);
  });
});

describe('ICMP', () => {
  it('reads echo id and sequence', () => {
    const p = decode(
      101,
      ipv4(
        1,
        '10.0.0.1',
        '10.0.0.2',
        Buffer.concat([hex('0800 0000'), u16(0x4242), u16(7), Buffer.alloc(56)]),
      ),
    );
    expect([p.icmpType, p.icmpCode, p.icmpId, p.icmpSeq, p.payloadLength]).toEqual([8, 0, 0x4242, 7, 56]);
  });

  it('ties an ICMP port unreachable to the UDP flow it quotes', () => {
    const quoted = ipv4(17, '10.233.66.94', '10.233.9.10', udp(41000, 53, Buffer.alloc(30)), { id: 999 });
    const p = decode(
      101,
      ipv4(1, '10.233.9.10', '10.233.66.94', Buffer.concat([hex('0303 0000 00000000'), quoted])),
    );
    expect(p.hasEmbedded).toBe(true);
    const e = p.embedded;
    expect([
      formatAddress(e.src, 4),
      formatAddress(e.dst, 4),
      e.protocol,
      e.srcPort,
      e.dstPort,
      e.ipId,
    ]).toEqual(['10.233.66.94', '10.233.9.10', 17, 41000, 53, 999]);
  });

  it('hashes a quoted UDP payload, which NAT leaves alone, to tell errors apart', () => {
    const error = (sport: number, payload: Buffer) =>
      decode(
        101,
        ipv4(
          1,
          '10.233.9.10',
          '10.233.66.94',
          Buffer.concat([
            hex('0303 0000 00000000'),
            ipv4(17, '10.233.66.94', '10.233.9.10', udp(sport, 53, payload)),
          ]),
        ),
      ).embedded.payloadHash;
    const query = Buffer.from('a DNS query with its id');
    expect(error(41000, query)).not.toBe(0);
    // The same datagram quoted after NAT rewrote its port: the same hash; another datagram: not.
    expect(error(5000, query)).toBe(error(41000, query));
    expect(error(41000, Buffer.from('another DNS query, id 2'))).not.toBe(error(41000, query));
  });

  it('ties an ICMPv6 time exceeded to the TCP segment it quotes', () => {
    const quoted = ipv6(6, 'fd00::1', 'fd00::2', tcp(33000, 443, 123456, 0, TCP_SYN, 100));
    const p = decode(
      229,
      ipv6(58, 'fd00::ff', 'fd00::1', Buffer.concat([hex('0300 0000 00000000'), quoted.subarray(0, 48)])),
    );
    expect([
      p.icmpType,
      p.hasEmbedded,
      p.embedded.hasTransport,
      p.embedded.srcPort,
      p.embedded.tcpSeq,
    ]).toEqual([3, true, true, 33000, 123456]);
    expect(formatAddress(p.embedded.dst, 6)).toBe('fd00::2');
  });

  it('reads SCTP ports and verification tag', () => {
    const p = decode(
      101,
      ipv4(
        132,
        '10.0.0.1',
        '10.0.0.2',
        Buffer.concat([u16(36412), u16(38412), u32(0xdeadbeef), u32(0), Buffer.alloc(16)]),
      ),
    );
    expect([p.srcPort, p.dstPort, p.sctpVtag, p.payloadLength]).toEqual([36412, 38412, 0xdeadbeef, 16]);
  });

  it('notes which SCTP chunk types a packet bundles, and stops at a malformed chunk length', () => {
    const chunk = (type: number, body: number) => {
      const c = Buffer.alloc(4 + body + ((4 - (body % 4)) % 4));
      c[0] = type;
      c.writeUInt16BE(4 + body, 2);
      return c;
    };
    const sctp = (...chunks: Buffer[]) =>
      decode(
        101,
        ipv4(132, '10.0.0.1', '10.0.0.2', Buffer.concat([u16(1), u16(2), u32(7), u32(0), ...chunks])),
      );
    // SACK (3) bundled with DATA (0, 5 bytes padded to 8) and a type past 31.
    expect(sctp(chunk(3, 12), chunk(0, 17), chunk(64, 0)).sctpChunks).toBe(
      ((1 << 3) | SCTP_DATA | (1 << 31)) >>> 0,
    );
    expect(sctp(chunk(14, 0)).sctpChunks).toBe(SCTP_SHUTDOWN_COMPLETE);
    // A chunk (type 9) claiming length 0 ends the walk (no loop on it): the ABORT after it is
    // not read.
    expect(sctp(chunk(1, 16), Buffer.from([9, 0, 0, 0]), chunk(6, 0)).sctpChunks).toBe(SCTP_INIT | (1 << 9));
  });
});

describe('tunnels: the inner packet is decoded, the outer headers stay attached', () => {
  const inner = ipv4(6, '10.233.64.94', '10.233.65.111', tcp(40770, 80, 1897734862, 0, TCP_SYN, 64860), {
    id: 23039,
  });

  it('VXLAN on 4789 and 8472', () => {
    for (const port of [4789, 8472]) {
      const frame = eth(
        0x0800,
        ipv4(
          17,
          '192.168.56.11',
          '192.168.56.12',
          udp(43311, port, Buffer.concat([hex('08000000 00000100'), eth(0x0800, inner)])),
        ),
      );
      const p = decode(1, frame);
      expect([p.status, p.encapCount, p.ipId, p.dstPort, ...ip(p)]).toEqual([
        STATUS_OK,
        1,
        23039,
        80,
        '10.233.64.94',
        '10.233.65.111',
      ]);
      const o = p.encaps[0];
      expect([o.kind, o.vni, o.srcPort, o.dstPort, o.protocol, formatAddress(o.src, 4)]).toEqual([
        ENCAP_VXLAN,
        1,
        43311,
        port,
        17,
        '192.168.56.11',
      ]);
    }
  });

  it('Geneve with options, carrying Ethernet or IPv6 directly', () => {
    const opts = Buffer.alloc(8, 0);
    const geneveEth = Buffer.concat([
      Buffer.from([2, 0]),
      u16(0x6558),
      u32(0xabcdef << 8),
      opts,
      eth(0x0800, inner),
    ]);
    const p = decode(101, ipv4(17, '172.16.0.1', '172.16.0.2', udp(5000, 6081, geneveEth)));
    expect([p.encaps[0].kind, p.encaps[0].vni, p.dstPort]).toEqual([ENCAP_GENEVE, 0xabcdef, 80]);
    const six = ipv6(17, 'fd00::a', 'fd00::b', udp(1, 2, Buffer.alloc(4)));
    const geneve6 = Buffer.concat([Buffer.from([0, 0]), u16(0x86dd), u32(5 << 8), six]);
    const q = decode(101, ipv4(17, '172.16.0.1', '172.16.0.2', udp(5000, 6081, geneve6)));
    expect([q.ipVersion, q.encaps[0].vni, ...ip(q)]).toEqual([6, 5, 'fd00::a', 'fd00::b']);
  });

  it('GRE with a key, GRE with Ethernet, IP-in-IP and IPv6-in-IPv4', () => {
    const gre = decode(
      101,
      ipv4(47, '1.1.1.1', '2.2.2.2', Buffer.concat([u16(0x2000), u16(0x0800), u32(99), inner])),
    );
    expect([gre.encaps[0].kind, gre.encaps[0].vni, gre.encaps[0].protocol, gre.dstPort]).toEqual([
      ENCAP_GRE,
      99,
      47,
      80,
    ]);
    const teb = decode(
      101,
      ipv4(47, '1.1.1.1', '2.2.2.2', Buffer.concat([u16(0), u16(0x6558), eth(0x0800, inner)])),
    );
    expect([teb.encaps[0].vni, teb.ipId]).toEqual([-1, 23039]);
    const ipip = decode(101, ipv4(4, '1.1.1.1', '2.2.2.2', inner));
    expect([ipip.encaps[0].kind, ...ip(ipip)]).toEqual([ENCAP_IPIP, '10.233.64.94', '10.233.65.111']);
    const sixin4 = decode(
      101,
      ipv4(41, '1.1.1.1', '2.2.2.2', ipv6(17, '2001:db8::1', '2001:db8::2', udp(1, 2, Buffer.alloc(0)))),
    );
    expect([sixin4.encaps[0].kind, sixin4.ipVersion, formatAddress(sixin4.encaps[0].src, 4)]).toEqual([
      ENCAP_IPIP,
      6,
      '1.1.1.1',
    ]);
  });

  it('stops at a nesting depth of MAX_ENCAP_DEPTH, and a reused record forgets the last packet', () => {
    let nested = inner;
    for (let i = 0; i <= MAX_ENCAP_DEPTH; i++) nested = ipv4(4, '1.1.1.1', '2.2.2.2', nested);
    const out = new DecodedPacket();
    decode(101, nested, nested.length, out);
    expect([out.status, out.reason, out.encapCount]).toEqual([
      STATUS_MALFORMED,
      'tunnels nested too deep',
      MAX_ENCAP_DEPTH,
    ]);
    decode(101, ipv4(17, '10.0.0.1', '10.0.0.2', udp(1, 2, Buffer.alloc(0))), undefined, out);
    expect([out.status, out.reason, out.encapCount, out.protocol, out.tcpSeq, out.hasEmbedded]).toEqual([
      STATUS_OK,
      null,
      0,
      17,
      0,
      false,
    ]);
  });

  it('notes the encapsulations it does not decode, where decoding stops', () => {
    const gre = (flags: number, protocol: number, rest: Buffer) =>
      Buffer.concat([u16(flags), u16(protocol), rest]);
    const over = (proto: number, body: Buffer) =>
      eth(0x0800, ipv4(proto, '192.168.1.1', '192.168.1.2', body));
    const mplsLabel = hex('00064140'); // label 100, bottom of stack, TTL 64
    const gtp = (type: number) =>
      Buffer.concat([Buffer.from([0x30, type]), u16(inner.length), u32(0x1234), inner]);
    const cases: [string, Buffer, number][] = [
      ['GTP-U', over(17, udp(2152, 2152, gtp(0xff))), UNDECODED_GTPU],
      [
        'ERSPAN II',
        over(47, gre(0x1000, 0x88be, Buffer.concat([u32(7), Buffer.alloc(8), eth(0x0800, inner)]))),
        UNDECODED_ERSPAN,
      ],
      [
        'ERSPAN III',
        over(47, gre(0x1000, 0x22eb, Buffer.concat([u32(7), Buffer.alloc(12), eth(0x0800, inner)]))),
        UNDECODED_ERSPAN,
      ],
      ['MPLS', eth(0x8847, Buffer.concat([mplsLabel, inner])), UNDECODED_MPLS],
      ['MPLS in GRE', over(47, gre(0, 0x8847, Buffer.concat([mplsLabel, inner]))), UNDECODED_MPLS],
      ['MPLS in UDP', over(17, udp(49152, 6635, Buffer.concat([mplsLabel, inner]))), UNDECODED_MPLS],
      [
        'PPP in GRE (PPTP)',
        over(
          47,
          gre(0x3001, 0x880b, Buffer.concat([u16(inner.length + 4), u16(1), u32(1), hex('ff030021'), inner])),
        ),
        UNDECODED_PPP_GRE,
      ],
      ['GRE over UDP', over(17, udp(49152, 4754, gre(0, 0x0800, inner))), UNDECODED_GRE_UDP],
      ['VN-Tag', eth(0x8926, Buffer.concat([hex('80010000'), u16(0x0800), inner])), UNDECODED_VNTAG],
      // Decoded, or not an encapsulation.
      ['GTP-U echo request', over(17, udp(2152, 2152, gtp(1))), 0],
      ['DNS', over(17, udp(40000, 53, Buffer.alloc(30))), 0],
      ['GRE', over(47, gre(0, 0x0800, inner)), 0],
    ];
    const stats = new DecodeStats();
    for (const [name, frame, undecoded] of cases) {
      const p = decode(1, frame);
      stats.add(p);
      expect([p.status, p.undecoded, UNDECODED_NAMES[p.undecoded]], name).toEqual([
        STATUS_OK,
        undecoded,
        UNDECODED_NAMES[undecoded],
      ]);
    }
    expect(Object.fromEntries(stats.undecoded)).toEqual({
      'GTP-U': 1,
      ERSPAN: 2,
      MPLS: 3,
      'PPP in GRE': 1,
      'GRE over UDP': 1,
      'VN-Tag': 1,
    });
    // The packet is reported as the header that carries the encapsulation.
    const gtpu = decode(1, cases[0][1]);
    expect([gtpu.protocol, gtpu.dstPort, gtpu.encapCount, ...ip(gtpu)]).toEqual([
      17,
      2152,
      0,
      '192.168.1.1',
      '192.168.1.2',
    ]);
    expect(decode(1, cases[3][1]).ipVersion).toBe(0);
  });
});
