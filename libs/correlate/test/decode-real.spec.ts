// Issue 19: decoding mismatches against tshark found on public captures from other projects,
// each reproduced here on a synthetic capture read back through the real reader and decoder.
import { createHash } from 'node:crypto';
import { parseAddress, readDecodable } from '#decode';
import { describe, expect, it } from 'vitest';
import { pcapHeader, pcapRecord } from '../../capture/test/build.js';
import { eth, icmp, ipv6, u16 } from '../../decode/test/frames.js';
import { batchSource, type CapturePoint, correlateAsync, type CorrelationResult } from '../src/index.js';

const T0 = 1_795_759_897;

interface Frame {
  /** Microseconds after T0. */
  us: number;
  bytes: Buffer;
}

/** A classic pcap (Ethernet) of `frames`, each cut to `snaplen` bytes as tcpdump -s would. */
function pcap(frames: Frame[], snaplen = 262144, linktype = 1): Buffer {
  return Buffer.concat([
    pcapHeader({ snaplen, linktype }),
    ...frames.map((f) =>
      pcapRecord(T0 + Math.floor(f.us / 1e6), f.us % 1e6, f.bytes.subarray(0, snaplen), true, f.bytes.length),
    ),
  ]);
}

/** Correlates captures given as file bytes, as `natlens analyze` would read them. */
function correlateFiles(files: { point: CapturePoint; bytes: Buffer }[]): Promise<CorrelationResult> {
  return correlateAsync(
    files.map(({ point, bytes }) => ({
      point,
      packets: batchSource(() => readDecodable([bytes], { name: point.id })),
    })),
  );
}

const node = (id: string): CapturePoint => ({ id, role: 'node', node: 'node-1' });

/** Community ID v1 hashing addresses and protocol only (no transport header to take ports from). */
function communityIdWithoutPorts(protocol: number, a: string, b: string): string {
  const [x, y] = [Buffer.from(parseAddress(a)!), Buffer.from(parseAddress(b)!)];
  const [lo, hi] = Buffer.compare(x, y) <= 0 ? [x, y] : [y, x];
  const input = Buffer.concat([u16(0), lo, hi, Buffer.from([protocol, 0])]);
  return `1:${createHash('sha1').update(input).digest('base64')}`;
}

describe('1. an ICMPv6 header cut by the snaplen', () => {
  // MLDv2 reports: IPv6, a hop-by-hop header with the router alert, then ICMPv6 type 143.
  const hopByHop = Buffer.from([58, 0, 5, 2, 0, 0, 1, 0]);
  const report = (us: number) => ({
    us,
    bytes: eth(
      0x86dd,
      ipv6(0, 'fe80::1', 'ff02::16', Buffer.concat([hopByHop, icmp(143, 0, Buffer.alloc(24, 0x11))])),
    ),
  });

  it('keeps 2 bytes of the MLD reports (-s 64): a flow with a Community ID, no exception', async () => {
    const result = await correlateFiles([
      { point: node('mld.pcap'), bytes: pcap([report(0), report(400_000)], 64) },
    ]);
    expect(result.flows).toHaveLength(1);
    const flow = result.flows[0];
    expect([flow.protocol, flow.client, flow.service, flow.state]).toEqual([
      'icmpv6',
      'fe80::1',
      'ff02::16',
      'UNANSWERED',
    ]);
    expect(flow.request.packets).toBe(2);
    expect(flow.communityIds.client).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
  });

  it('keeps none of the ICMPv6 header (-s 62): the Community ID hashes no ports', async () => {
    const result = await correlateFiles([
      { point: node('mld.pcap'), bytes: pcap([report(0), report(400_000)], 62) },
    ]);
    expect(result.flows).toHaveLength(1);
    expect(result.flows[0].communityIds.client).toBe(communityIdWithoutPorts(58, 'fe80::1', 'ff02::16'));
  });
});
