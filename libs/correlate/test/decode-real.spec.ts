// Issue 19: decoding mismatches against tshark found on public captures from other projects,
// each reproduced here on a synthetic capture read back through the real reader and decoder.
import { createHash } from 'node:crypto';
import { communityId, parseAddress, readDecodable } from '#decode';
import { describe, expect, it } from 'vitest';
import { epb, idb, pcapHeader, pcapRecord, shb } from '../../capture/test/build.js';
import {
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
  vxlanHeader,
} from '../../decode/test/frames.js';
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
const client = (id: string): CapturePoint => ({ id, role: 'client', node: 'node-1' });
const backend = (id: string): CapturePoint => ({ id, role: 'backend', node: 'node-2' });

/**
 * An IP datagram as it leaves its sender: whole, or (with `mtu`, the most IP payload per
 * packet, a multiple of 8) in fragments; IPv6 fragments carry a fragment header.
 */
function datagram(
  protocol: number,
  src: string,
  dst: string,
  body: Buffer,
  id: number,
  mtu = Infinity,
): Buffer[] {
  const v6 = src.includes(':');
  const ip = (payload: Buffer, offset: number, more: boolean) =>
    v6
      ? eth(0x86dd, ipv6(44, src, dst, Buffer.concat([ipv6Fragment(protocol, offset, more, id), payload])))
      : eth(0x0800, ipv4(protocol, src, dst, payload, { id, frag: (more ? 0x2000 : 0) | (offset / 8) }));
  if (body.length <= mtu)
    return [
      v6 ? eth(0x86dd, ipv6(protocol, src, dst, body)) : eth(0x0800, ipv4(protocol, src, dst, body, { id })),
    ];
  const out: Buffer[] = [];
  for (let o = 0; o < body.length; o += mtu)
    out.push(ip(body.subarray(o, o + mtu), o, o + mtu < body.length));
  return out;
}

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

describe('2. fragmented datagrams', () => {
  describe.each([
    { ip: 'IPv4', pod: '10.244.1.5', vip: '10.96.0.10', dns: '10.244.2.9' },
    { ip: 'IPv6 (fragment headers)', pod: 'fd00:10::5', vip: 'fd00:96::a', dns: 'fd00:244::9' },
  ])('$ip: a DNS answer (EDNS) in fragments', ({ pod, vip, dns }) => {
    // The query goes to the Service, DNATed to the CoreDNS pod; its 1400-byte answer leaves the
    // pod in two fragments, reverse-NATed on the way, at the client pod as at CoreDNS's.
    const query = udp(40000, 53, Buffer.alloc(40, 1));
    const answer = udp(53, 40000, Buffer.alloc(1400, 2));
    const captures = () => [
      {
        point: client('client.pcap'),
        bytes: pcap([
          { us: 0, bytes: datagram(17, pod, vip, query, 101)[0] },
          ...datagram(17, vip, pod, answer, 202, 1200).map((bytes, i) => ({ us: 900 + i * 10, bytes })),
        ]),
      },
      {
        point: backend('coredns.pcap'),
        bytes: pcap([
          { us: 100, bytes: datagram(17, pod, dns, query, 101)[0] },
          ...datagram(17, dns, pod, answer, 202, 1200).map((bytes, i) => ({ us: 800 + i * 10, bytes })),
        ]),
      },
    ];

    it('closes its exchange: one flow, answered, both fragments in it at each capture point', async () => {
      const result = await correlateFiles(captures());
      expect(result.flows).toHaveLength(1);
      const flow = result.flows[0];
      const ep = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
      expect([flow.client, flow.service, flow.backend, flow.state]).toEqual([
        ep(pod, 40000),
        ep(vip, 53),
        ep(dns, 53),
        'ANSWERED',
      ]);
      expect(flow.reply.packets).toBe(2);
      const replies = flow.perspectives.filter((p) => p.direction === 'reply');
      expect(replies.map((p) => [p.capture, p.packets, p.unpaired])).toEqual([
        ['client.pcap', 2, 0],
        ['coredns.pcap', 2, 0],
      ]);
      expect(flow.translations.map((t) => `${t.direction} ${t.kind} ${t.packets}`)).toEqual([
        'request DNAT 1',
        'reply SNAT 2',
      ]);
      expect(result.captures.map((c) => [c.capture, c.packets, c.ignored])).toEqual([
        ['client.pcap', 3, 0],
        ['coredns.pcap', 3, 0],
      ]);
    });
  });

  it('attaches later fragments by source, destination, protocol and IP ID, not to another datagram', async () => {
    // Two answers interleaved: each later fragment joins the flow of its own first fragment.
    const [pod, vip] = ['10.244.1.5', '10.96.0.10'];
    const a = datagram(17, vip, pod, udp(53, 40001, Buffer.alloc(1400, 3)), 301, 1200);
    const b = datagram(17, vip, pod, udp(53, 40002, Buffer.alloc(1400, 4)), 302, 1200);
    const orphan = datagram(17, vip, pod, udp(53, 40003, Buffer.alloc(1400, 5)), 303, 1200)[1];
    const frames = [
      { us: 0, bytes: datagram(17, pod, vip, udp(40001, 53, Buffer.alloc(40, 1)), 11)[0] },
      { us: 10, bytes: datagram(17, pod, vip, udp(40002, 53, Buffer.alloc(40, 2)), 12)[0] },
      { us: 500, bytes: a[0] },
      { us: 510, bytes: b[0] },
      { us: 520, bytes: b[1] },
      { us: 530, bytes: a[1] },
      // Its first fragment never showed here: nothing to attach it to.
      { us: 540, bytes: orphan },
    ];
    const result = await correlateFiles([{ point: client('client.pcap'), bytes: pcap(frames) }]);
    expect(result.flows.map((f) => [f.client, f.state, f.reply.packets, f.reply.bytes])).toEqual([
      ['10.244.1.5:40001', 'ANSWERED', 2, 1428 + 20],
      ['10.244.1.5:40002', 'ANSWERED', 2, 1428 + 20],
    ]);
    expect(result.captures[0].ignored).toBe(1);
  });

  it('keeps a SYN whose options go on in the second fragment: the connection and its SYNs', async () => {
    // A SYN with 20 bytes of options through a link that carries 24 bytes of IP payload per
    // packet, sent twice and never answered.
    const [pod, vip] = ['10.244.1.5', '10.96.0.80'];
    const options = Buffer.from('020405b4 0402 080a 00000001 00000000 01 030307'.replace(/\s/g, ''), 'hex');
    const syn = tcp(46000, 443, 7777, 0, 0x02, 64240, options);
    const frames = [
      ...datagram(6, pod, vip, syn, 21, 24).map((bytes, i) => ({ us: i * 10, bytes })),
      ...datagram(6, pod, vip, syn, 22, 24).map((bytes, i) => ({ us: 1_000_000 + i * 10, bytes })),
    ];
    const result = await correlateFiles([{ point: client('client.pcap'), bytes: pcap(frames) }]);
    expect(result.flows).toHaveLength(1);
    const flow = result.flows[0];
    expect([flow.client, flow.service, flow.state]).toEqual([
      '10.244.1.5:46000',
      '10.96.0.80:443',
      'UNANSWERED',
    ]);
    expect(flow.perspectives.map((p) => [p.direction, p.packets, p.syn, p.retransmissions])).toEqual([
      ['request', 4, 2, 1],
    ]);
  });
});

describe('4. a tunnel id per direction', () => {
  it('keeps a connection whose two directions use different VNIs in one flow', async () => {
    // Cilium puts the sender's security identity in the VNI: 0x1234 one way, 0x5678 the other.
    const [pod, server] = ['10.0.1.5', '10.0.2.7'];
    const [node1, node2] = ['192.168.56.11', '192.168.56.12'];
    const frames: Frame[] = [];
    const seg = (k: number, fromClient: boolean, flags: number, seq: number, ack: number) => {
      const inner = fromClient
        ? ipv4(6, pod, server, tcp(46000, 8080, seq, ack, flags, 501), { id: k })
        : ipv4(6, server, pod, tcp(8080, 46000, seq, ack, flags, 501), { id: 50 + k });
      const tunnelled = Buffer.concat([vxlanHeader(fromClient ? 0x1234 : 0x5678), eth(0x0800, inner)]);
      const [a, b] = fromClient ? [node1, node2] : [node2, node1];
      frames.push({ us: k * 100, bytes: eth(0x0800, ipv4(17, a, b, udp(50000, 8472, tunnelled))) });
    };
    seg(0, true, 0x02, 1000, 0);
    seg(1, false, 0x12, 5000, 1001);
    seg(2, true, 0x10, 1001, 5001);
    seg(3, true, 0x11, 1001, 5001);
    seg(4, false, 0x11, 5001, 1002);
    seg(5, true, 0x10, 1002, 5002);
    const result = await correlateFiles([{ point: node('node-1.pcap'), bytes: pcap(frames) }]);
    expect(result.flows).toHaveLength(1);
    const flow = result.flows[0];
    expect([flow.client, flow.service, flow.state]).toEqual(['10.0.1.5:46000', '10.0.2.7:8080', 'CLOSED']);
    expect([flow.request.packets, flow.reply.packets]).toEqual([4, 2]);
    // Each direction's outer header as it travelled, its own VNI included.
    expect(flow.perspectives.map((p) => [p.direction, p.outer])).toEqual([
      ['request', { tunnel: 'vxlan', src: node1, dst: node2, vni: 0x1234 }],
      ['reply', { tunnel: 'vxlan', src: node2, dst: node1, vni: 0x5678 }],
    ]);
  });
});

describe('5. a pcapng declaring an interface of a link type natlens does not decode', () => {
  // 126 interfaces, number 7 of them 802.3br (LINKTYPE 274), the packets on Ethernet ones.
  const interfaces = Array.from({ length: 126 }, (_, i) => idb(i === 7 ? 274 : 1));
  const exchange = (i: number) => [
    eth(0x0800, ipv4(17, '10.0.0.1', '10.0.0.2', udp(40000 + i, 53, Buffer.alloc(30, i)), { id: 2 * i })),
    eth(0x0800, ipv4(17, '10.0.0.2', '10.0.0.1', udp(53, 40000 + i, Buffer.alloc(90, i)), { id: 2 * i + 1 })),
  ];
  const file = (ifaceOf: (k: number) => number) =>
    Buffer.concat([
      shb(),
      ...interfaces,
      ...Array.from({ length: 9 }, (_, i) => exchange(i))
        .flat()
        .map((bytes, k) => epb(ifaceOf(k), BigInt(T0) * 1_000_000n + BigInt(k * 1000), bytes)),
    ]);

  it('reads every packet when none uses it', async () => {
    const result = await correlateFiles([{ point: node('mixed.pcapng'), bytes: file(() => 3) }]);
    expect(result.captures.map((c) => [c.packets, c.ignored])).toEqual([[18, 0]]);
    expect(result.flows.map((f) => f.state)).toEqual(new Array(9).fill('ANSWERED'));
    expect(result.captures[0].unsupportedLinkTypes).toBeUndefined();
    expect(result.captures[0].undecoded).toBeUndefined();
  });

  it('fails only the packets on it, counted by link type', async () => {
    // The last exchange's answer arrived on the 802.3br interface.
    const result = await correlateFiles([
      { point: node('mixed.pcapng'), bytes: file((k) => (k === 17 ? 7 : 3)) },
    ]);
    expect(result.captures.map((c) => [c.packets, c.ignored, c.unsupportedLinkTypes])).toEqual([
      [18, 1, { 274: 1 }],
    ]);
    expect(result.flows.map((f) => f.state)).toEqual([...new Array(8).fill('ANSWERED'), 'UNANSWERED']);
  });
});

describe('encapsulations natlens does not decode', () => {
  it('are counted per capture by name, the packets correlated as their outer header', async () => {
    // A GTP-U tunnel between two mobile-core nodes (user packets inside), MPLS frames, a VN-Tag.
    const [enb, upf] = ['192.168.10.1', '192.168.10.2'];
    const user = ipv4(6, '10.45.0.2', '93.184.216.34', tcp(40000, 443, 1, 0, 0x02, 64240));
    const gtpu = (k: number, up: boolean) =>
      eth(
        0x0800,
        ipv4(
          17,
          up ? enb : upf,
          up ? upf : enb,
          udp(2152, 2152, Buffer.concat([hex('30ff'), u16(user.length), u32(k), user])),
          {
            id: k,
          },
        ),
      );
    const frames: Frame[] = [
      ...[0, 1, 2].map((k) => ({ us: k * 100, bytes: gtpu(k, k !== 1) })),
      { us: 400, bytes: eth(0x8847, Buffer.concat([hex('00064140'), user])) },
      { us: 500, bytes: eth(0x8847, Buffer.concat([hex('00064140'), user])) },
      { us: 600, bytes: eth(0x8926, Buffer.concat([hex('80010000'), u16(0x0800), user])) },
      { us: 700, bytes: eth(0x0800, ipv4(17, '10.0.0.1', '10.0.0.2', udp(40000, 53, Buffer.alloc(30)))) },
    ];
    const result = await correlateFiles([{ point: node('core.pcap'), bytes: pcap(frames) }]);
    expect(result.captures[0]).toMatchObject({
      packets: 7,
      ignored: 3,
      undecoded: { 'GTP-U': 3, MPLS: 2, 'VN-Tag': 1 },
    });
    // What natlens saw of the GTP-U packets: a UDP exchange between the two nodes.
    expect(result.flows.map((f) => [f.protocol, f.client, f.service])).toEqual([
      ['udp', `${enb}:2152`, `${upf}:2152`],
      ['udp', '10.0.0.1:40000', '10.0.0.2:53'],
    ]);
  });
});
