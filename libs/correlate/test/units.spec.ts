// The small pieces on their own: fingerprint, clock-offset brackets, Community ID, time text.
import { communityId as decodeCommunityId } from '#decode';
import { describe, expect, it } from 'vitest';
import {
  addInterval,
  estimatePair,
  INTERVALS_KEPT,
  resolveDomains,
  type OffsetInterval,
} from '../src/clock-offset.js';
import { communityId } from '../src/community-id.js';
import { emptyPacket } from '../src/decode-adapter.js';
import { fingerprint, fingerprintHigh } from '../src/fingerprint.js';
import { absolute } from '../src/flow.js';

describe('fingerprint', () => {
  const fp = (change: Record<string, unknown>) => {
    const p = {
      ...emptyPacket(),
      ipVersion: 4,
      protocol: 6,
      src: '10.0.0.1',
      dst: '10.96.0.1',
      srcPort: 40000,
    };
    Object.assign(
      p,
      { dstPort: 80, ipId: 77, seq: 1000, ack: 0, tcpFlags: 2, window: 64240, tsVal: 5 },
      change,
    );
    return `${fingerprint(p)}/${fingerprintHigh}`;
  };

  it('ignores what NAT rewrites and keeps what it does not', () => {
    const base = fp({});
    expect(fp({ dst: '10.244.1.5', dstPort: 8080, src: '10.0.0.9', srcPort: 1 })).toBe(base);
    for (const change of [
      { seq: 1001 },
      { ack: 1 },
      { ipId: 78 },
      { tcpFlags: 18 },
      { window: 1 },
      { tsVal: 6 },
    ])
      expect(fp(change), JSON.stringify(change)).not.toBe(base);
  });
});

describe('fingerprint of an ICMPv6 error about UDP', () => {
  const fp = (change: Record<string, unknown>) => {
    const p = {
      ...emptyPacket(),
      ipVersion: 6,
      protocol: 58,
      src: 'fd00:96::a',
      dst: 'fd00:66::94',
      icmpType: 1,
      icmpCode: 4,
      embeddedProtocol: 17,
      embeddedSrc: 'fd00:66::94',
      embeddedDst: 'fd00:96::a',
      embeddedSrcPort: 40001,
      embeddedDstPort: 53,
      embeddedSeq: -1,
      embeddedIpLength: 78,
      embeddedPayloadHash: 0x1234,
    };
    Object.assign(p, change);
    return `${fingerprint(p)}/${fingerprintHigh}`;
  };

  it('tells apart errors about different datagrams, not the same one after NAT', () => {
    // IPv6 has no IP ID: the quoted datagram's payload and length are what differ.
    const base = fp({});
    expect(fp({ embeddedSrc: 'fd00:10::1', embeddedDstPort: 8053, src: 'fd00:244::5' })).toBe(base);
    expect(fp({ embeddedPayloadHash: 0x1235 })).not.toBe(base);
    expect(fp({ embeddedIpLength: 79 })).not.toBe(base);
  });
});

describe('clock offsets', () => {
  it('takes the point most intervals share and the intersection of those', () => {
    const intervals: OffsetInterval[] = [
      { lo: 990, hi: 1030 },
      { lo: 995, hi: 1010 },
      { lo: 1000, hi: 1020 },
      { lo: 5000, hi: 5100 }, // a wrong pairing
    ];
    expect(estimatePair(intervals)).toEqual({ offset: 1005, spread: 5, intervals: 3 });
  });

  it('chains domains from the reference and orients pairs', () => {
    const pairs = new Map<number, OffsetInterval[]>();
    // Domain 2 is 2 s ahead of domain 0; domain 1 is 0.5 s behind domain 2 (pair stored as 1-2).
    addInterval(pairs, 0, 2, 2e9 + 10, 2e9 - 10);
    addInterval(pairs, 2, 1, -0.5e9 + 4, -0.5e9 - 4);
    const r = resolveDomains(3, 0, pairs);
    expect(r.offset).toEqual([0, 1.5e9, 2e9]);
    expect(r.spread).toEqual([0, 14, 10]);
  });
});

describe('clock offset brackets over a long capture', () => {
  it('keeps a bounded number per domain pair and still finds the offset', () => {
    // Exchanges whose brackets contain the true offset (1000 ns) with random transit both ways,
    // and one in ten a wrong pairing's bracket anywhere: more than twice what is kept.
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pairs = new Map<number, OffsetInterval[]>();
    const all: OffsetInterval[] = [];
    for (let i = 0; i < 2 * INTERVALS_KEPT + 50_000; i++) {
      const wrong = i % 10 === 9;
      const start = random() * 1e7;
      const request = wrong ? start : 1050 + random() * 1e6;
      const reply = wrong ? start + random() * 1e5 : 950 - random() * 1e6;
      addInterval(pairs, 0, 1, request, reply);
      all.push({ lo: Math.min(request, reply), hi: Math.max(request, reply) });
    }
    const kept = pairs.get(1)!;
    expect(kept.length).toBeLessThan(2 * INTERVALS_KEPT);
    const bounded = estimatePair(kept)!;
    const whole = estimatePair(all)!;
    expect(Math.abs(bounded.offset - 1000)).toBeLessThanOrEqual(bounded.spread);
    expect(Math.abs(whole.offset - 1000)).toBeLessThanOrEqual(whole.spread);
    // The narrow brackets decide the bound: keeping only those loosens it little.
    expect(bounded.spread).toBeLessThan(2 * whole.spread);
  });
});

describe('Community ID', () => {
  it('matches libs/decode for both directions, IPv6 and ICMP', () => {
    const cases = [
      [6, '10.233.66.94', 33146, '10.233.9.232', 80],
      [6, '10.233.9.232', 80, '10.233.66.94', 33146],
      [17, 'fd00:10::5', 53, 'fd00::1', 4000],
      [1, '10.0.0.1', 8, '10.0.0.2', 0],
    ] as const;
    for (const [protocol, src, srcPort, dst, dstPort] of cases)
      expect(communityId(protocol, src, srcPort, dst, dstPort)).toBe(
        decodeCommunityId({ protocol, src, dst, srcPort, dstPort }),
      );
  });
});

describe('nanosecond text', () => {
  it('is exact far from the base second and before it', () => {
    expect(absolute(1_795_759_897, 412_153_000)).toBe('1795759897412153000');
    expect(absolute(1_795_759_897, 3_600e9 + 7)).toBe('1795763497000000007');
    expect(absolute(1_795_759_897, -1)).toBe('1795759896999999999');
  });
});
