// Issue 19: decoding mismatches against tshark found on public captures from other projects,
// each reproduced here on a synthetic capture read back through the real reader and decoder.
import { createHash } from 'node:crypto';
import { communityId, parseAddress, readDecodable } from '#decode';
import { describe, expect, it } from 'vitest';
import { pcapHeader, pcapRecord } from '../../capture/test/build.js';
import { eth, icmp, ipv4, ipv6, tcp, u16, udp, vxlanHeader } from '../../decode/test/frames.js';
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
    // The 2 bytes hold the type and code (3): a one-way message, hashed with them as ports.
    expect(flow.communityIds.client).toBe(
      communityId({ protocol: 58, src: 'fe80::1', dst: 'ff02::16', srcPort: 143, dstPort: 0 }),
    );
  });

  it('keeps none of the ICMPv6 header (-s 62): the Community ID hashes no ports', async () => {
    const result = await correlateFiles([
      { point: node('mld.pcap'), bytes: pcap([report(0), report(400_000)], 62) },
    ]);
    expect(result.flows).toHaveLength(1);
    expect(result.flows[0].communityIds.client).toBe(communityIdWithoutPorts(58, 'fe80::1', 'ff02::16'));
  });
});

describe('3. a TCP header cut by the snaplen inside VXLAN', () => {
  const [client, server] = ['10.244.1.5', '10.244.2.7'];
  const [node1, node2] = ['192.168.56.11', '192.168.56.12'];
  /** Three connections from client ports 46000-46002 to server:8080, tunnelled node to node. */
  function connections(): Frame[] {
    const frames: Frame[] = [];
    for (let i = 0; i < 3; i++) {
      const port = 46000 + i;
      const [isn, irs] = [1000 * (i + 1), 5000 * (i + 1)];
      const seg = (k: number, fromClient: boolean, flags: number, seq: number, ack: number) => {
        const inner = fromClient
          ? ipv4(6, client, server, tcp(port, 8080, seq, ack, flags, 501), { id: 100 * i + k })
          : ipv4(6, server, client, tcp(8080, port, seq, ack, flags, 501), { id: 100 * i + k });
        const outer = Buffer.concat([vxlanHeader(1), eth(0x0800, inner)]);
        const [a, b] = fromClient ? [node1, node2] : [node2, node1];
        frames.push({
          us: i * 20_000 + k * 100,
          bytes: eth(0x0800, ipv4(17, a, b, udp(50000 + i, 4789, outer))),
        });
      };
      seg(0, true, 0x02, isn, 0);
      seg(1, false, 0x12, irs, isn + 1);
      seg(2, true, 0x10, isn + 1, irs + 1);
      seg(3, true, 0x11, isn + 1, irs + 1);
      seg(4, false, 0x11, irs + 1, isn + 2);
      seg(5, true, 0x10, isn + 2, irs + 2);
    }
    return frames;
  }

  it('keeps the ports with -s 96 (12 bytes of TCP): one flow per connection, both directions', async () => {
    const result = await correlateFiles([{ point: node('node.pcap'), bytes: pcap(connections(), 96) }]);
    expect(result.flows.map((f) => `${f.client} > ${f.service}`)).toEqual([
      '10.244.1.5:46000 > 10.244.2.7:8080',
      '10.244.1.5:46001 > 10.244.2.7:8080',
      '10.244.1.5:46002 > 10.244.2.7:8080',
    ]);
    for (const flow of result.flows) {
      expect([flow.request.packets, flow.reply.packets]).toEqual([4, 2]);
      // The flags were not captured: an answered connection, its handshake and close unseen.
      expect(flow.state).toBe('ESTABLISHED');
      expect(flow.perspectives[0].outer).toMatchObject({ tunnel: 'vxlan', src: node1, dst: node2, vni: 1 });
    }
  });

  it('reads the flags too where the snaplen leaves them (-s 98): the connections closed', async () => {
    const result = await correlateFiles([{ point: node('node.pcap'), bytes: pcap(connections(), 98) }]);
    expect(result.flows.map((f) => [f.client, f.state])).toEqual([
      ['10.244.1.5:46000', 'CLOSED'],
      ['10.244.1.5:46001', 'CLOSED'],
      ['10.244.1.5:46002', 'CLOSED'],
    ]);
  });
});
