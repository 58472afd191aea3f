// What a flow says about itself where the packets alone decide it: Community IDs as the spec's
// vectors and libs/decode give them, separate ICMPv6 errors kept apart, the client of a flow whose
// opening was not captured, and a LoadBalancer address as the Service's front.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { communityId as decodeCommunityId, decodeFile, SCTP_COOKIE_ECHO, SCTP_INIT_ACK } from '#decode';
import { describe, expect, it } from 'vitest';
import { communityIdVectors } from '../../decode/test/shared.js';
import { communityId } from '../src/community-id.js';
import { decodedSource } from '../src/decode-adapter.js';
import { packetAt, tcpSegment } from './helpers/packets.js';
import { correlate, type AddressLookup, type CorrelatePacket } from '../src/index.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/community-id/', import.meta.url));

const pkt = packetAt;

async function corpusFlows(file: string) {
  const packets = await decodeFile([readFileSync(`${CORPUS}${file}`)]);
  return correlate([{ point: { id: file, role: 'client' }, packets: decodedSource(packets) }]).flows;
}

describe('Community ID', () => {
  it('matches every vector of the spec', () => {
    const vectors = communityIdVectors('baseline_deflt.json');
    expect(vectors.length).toBeGreaterThan(20);
    for (const v of vectors)
      expect(communityId(v.proto, v.saddr, v.sport, v.daddr, v.dport), JSON.stringify(v)).toBe(v.communityid);
  });

  it('gives flows without ports and non-echo ICMP flows the packets own', async () => {
    // RSVP (protocol 46) has no ports; neighbour solicitation and advertisement pair as 135/136:
    // the values are the spec's (baseline_deflt.json) for these captures' flows.
    const rsvp = (await corpusFlows('rsvp.pcap')).find(
      (f) => f.client === '10.1.12.1' && f.service === '10.1.12.2',
    )!;
    expect(rsvp.communityIds.client).toBe('1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=');
    const nd = (await corpusFlows('icmp6.pcap')).find(
      (f) => f.client === 'fe80::200:86ff:fe05:80da' && f.service === 'fe80::260:97ff:fe07:69ea',
    )!;
    expect(nd.communityIds.client).toBe('1:dGHyGvjMfljg6Bppwm3bg0LO8TY=');
  });
});

describe('ICMPv6 errors about UDP', () => {
  it('keeps errors about different datagrams apart (IPv6 quotes have no IP ID)', async () => {
    // traceroute6 in the spec's corpus: six port unreachables quoting UDP ports 33441 to 33446.
    const errors = (await corpusFlows('icmp6.pcap')).filter((f) => f.protocol === 'udp');
    expect(errors.map((f) => f.service.split(':').at(-1)).sort()).toEqual([
      '33441',
      '33442',
      '33443',
      '33444',
      '33445',
      '33446',
    ]);
    for (const f of errors) {
      expect(f.state).toBe('ICMP_ERROR');
      expect(f.translations).toEqual([]);
    }
  });

  it('does not join two queries of one capture through their errors', () => {
    // Two DNS queries to a Service without endpoints, each refused; only the client's capture,
    // which has no interface index: identical errors 200 ms apart are two packets.
    const client = 'fd00:66::94';
    const vip = 'fd00:96::a';
    const packets: CorrelatePacket[] = [];
    for (let i = 0; i < 2; i++) {
      const t = i * 200e6;
      const port = 40001 + i;
      const query = { ipVersion: 6, ipId: 0, protocol: 17, payloadLength: 30, payloadHash: 100 + i };
      packets.push(pkt(t, { ...query, src: client, dst: vip, srcPort: port, dstPort: 53 }));
      packets.push(
        pkt(t + 50e3, {
          ipVersion: 6,
          ipId: 0,
          protocol: 58,
          src: vip,
          dst: client,
          icmpType: 1,
          icmpCode: 4,
          embeddedProtocol: 17,
          embeddedSrc: client,
          embeddedDst: vip,
          embeddedSrcPort: port,
          embeddedDstPort: 53,
          embeddedSeq: -1,
        }),
      );
    }
    const r = correlate([{ point: { id: 'c', role: 'client' }, packets: () => packets }]);
    expect(r.flows.map((f) => [f.client, f.state, f.translations.length])).toEqual([
      [`[${client}]:40001`, 'ICMP_ERROR', 0],
      [`[${client}]:40002`, 'ICMP_ERROR', 0],
    ]);
  });
});

describe('a flow whose opening was not captured', () => {
  it('takes the receiver of a SYN-ACK as the client', () => {
    const c = '10.233.66.94';
    const s = '10.233.9.232';
    const tcp = (
      t: number,
      src: string,
      sp: number,
      dst: string,
      dp: number,
      flags: number,
      seq: number,
      ack: number,
    ) =>
      pkt(t, {
        protocol: 6,
        src,
        srcPort: sp,
        dst,
        dstPort: dp,
        tcpFlags: flags,
        seq,
        ack,
        window: 100,
        ipId: t,
      });
    const packets = [
      tcp(1000, s, 80, c, 40000, 0x12, 900, 101),
      tcp(2000, c, 40000, s, 80, 0x10, 101, 901),
      tcp(3000, c, 40000, s, 80, 0x18, 101, 901),
      tcp(4000, s, 80, c, 40000, 0x10, 901, 111),
    ];
    packets[2].payloadLength = 10;
    packets[2].payloadHash = 5;
    const [flow] = correlate([{ point: { id: 'c', role: 'client' }, packets: () => packets }]).flows;
    expect([flow.client, flow.service]).toEqual([`${c}:40000`, `${s}:80`]);
    expect(flow.request.packets).toBe(2);
  });

  it('takes the receiver of an echo reply as the client, with the echo Community ID', () => {
    const echo = (t: number, src: string, dst: string, type: number, seq: number) =>
      pkt(t, {
        protocol: 1,
        src,
        dst,
        icmpType: type,
        icmpCode: 0,
        icmpId: 7,
        icmpSeq: seq,
        ipId: seq + type,
      });
    const packets = [
      echo(0, '10.0.0.2', '10.0.0.1', 0, 1),
      echo(1e6, '10.0.0.1', '10.0.0.2', 8, 2),
      echo(1.1e6, '10.0.0.2', '10.0.0.1', 0, 2),
    ];
    const [flow] = correlate([{ point: { id: 'c', role: 'client' }, packets: () => packets }]).flows;
    expect([flow.client, flow.service]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(flow.communityIds.client).toBe(
      decodeCommunityId({ protocol: 1, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 8, dstPort: 0 }),
    );
  });
});

describe('handshakes seen in part', () => {
  const c = '10.0.1.5';
  const s = '10.0.2.7';
  const tcp = (t: number, fromClient: boolean, flags: number, seq: number, ack: number, len = 0) =>
    fromClient
      ? tcpSegment(t, c, 40000, s, 8080, flags, seq, ack, t % 65536, len)
      : tcpSegment(t, s, 8080, c, 40000, flags, seq, ack, t % 65536, len);
  const syn = tcp(1000, true, 0x02, 100, 0);
  const synAck = tcp(2000, false, 0x12, 900, 101);
  const ack = tcp(3000, true, 0x10, 101, 901);
  const request = tcp(4000, true, 0x18, 101, 901, 50);
  const answer = tcp(5000, false, 0x18, 901, 151, 80);

  it('counts SYN-ACKs as the reply direction syn, as tcpdump shows [S.]', () => {
    const [flow] = correlate([
      { point: { id: 'c', role: 'client' }, packets: () => [syn, synAck, ack, request, answer] },
    ]).flows;
    expect(flow.perspectives.map((p) => [p.direction, p.syn])).toEqual([
      ['request', 1],
      ['reply', 1],
    ]);
  });

  it('is established when the point that saw the SYN missed the SYN-ACK', () => {
    // The node saw the SYN but dropped the SYN-ACK; the client's capture began after the SYN.
    const flows = correlate([
      { point: { id: 'c', role: 'client', node: 'n' }, packets: () => [synAck, ack, request, answer] },
      { point: { id: 'n', role: 'node', node: 'n' }, packets: () => [syn, ack, request, answer] },
    ]).flows;
    expect(flows.map((f) => [f.client, f.state])).toEqual([[`${c}:40000`, 'ESTABLISHED']]);
  });

  it('takes the ephemeral port as the client of a TCP connection caught mid-stream', () => {
    // No handshake captured, and the server's data came first (a download, a stream).
    const [flow] = correlate([
      { point: { id: 'c', role: 'client' }, packets: () => [answer, tcp(6000, true, 0x10, 151, 981)] },
    ]).flows;
    expect([flow.client, flow.service]).toEqual([`${c}:40000`, `${s}:8080`]);
  });

  it('takes the receiver of an SCTP INIT ACK as the client when the INIT was missed', () => {
    const sctp = (t: number, fromClient: boolean, chunks: number) =>
      pkt(t, {
        protocol: 132,
        src: fromClient ? c : s,
        srcPort: fromClient ? 40000 : 38412,
        dst: fromClient ? s : c,
        dstPort: fromClient ? 38412 : 40000,
        sctpVtag: fromClient ? 0xaaaa : 0xbbbb,
        sctpChunks: chunks,
        ipId: t % 65536,
      });
    const [flow] = correlate([
      {
        point: { id: 'c', role: 'client' },
        packets: () => [
          sctp(1000, false, SCTP_INIT_ACK),
          sctp(2000, true, SCTP_COOKIE_ECHO),
          sctp(3000, true, 1),
        ],
      },
    ]).flows;
    expect([flow.client, flow.service]).toEqual([`${c}:40000`, `${s}:38412`]);
  });
});

describe('a LoadBalancer address', () => {
  // An external client to a LoadBalancer IP fronting network-test/nginx, DNATed to a pod.
  const client = '192.168.56.1';
  const lb = '192.168.56.200';
  const pod = '10.233.67.86';
  const book: AddressLookup = {
    lookup: (ip) =>
      ip === lb
        ? { kind: 'LoadBalancer', name: 'network-test/nginx', serviceName: 'network-test/nginx:http' }
        : ip === pod
          ? { kind: 'Pod', name: 'network-test/nginx-54c98b4f84-p9w4d' }
          : null,
  };
  const syn = (t: number, dst: string) =>
    pkt(t, { protocol: 6, src: client, dst, srcPort: 40000, dstPort: 80, tcpFlags: 2, seq: 100, ipId: 1 });
  const synAck = (t: number, src: string) =>
    pkt(t, {
      protocol: 6,
      src,
      dst: client,
      srcPort: 80,
      dstPort: 40000,
      tcpFlags: 0x12,
      seq: 900,
      ack: 101,
      ipId: 0,
    });
  const at = (id: string, role: 'client' | 'backend', packets: CorrelatePacket[]) => ({
    point: { id, role, node: 'n' },
    packets: () => packets,
  });

  it('is the Service, not a backend, seen from the client alone', () => {
    const [flow] = correlate([at('c', 'client', [syn(0, lb), synAck(300e3, lb)])], {
      addressBook: book,
    }).flows;
    expect(flow.serviceName).toBe('network-test/nginx:http');
    expect(flow.backend).toBeNull();
  });

  it('names the Service when the backend saw the DNATed packets', () => {
    const [flow] = correlate(
      [
        at('c', 'client', [syn(0, lb), synAck(300e3, lb)]),
        at('b', 'backend', [syn(100e3, pod), synAck(200e3, pod)]),
      ],
      { addressBook: book },
    ).flows;
    expect(flow.serviceName).toBe('network-test/nginx:http');
    expect(flow.backend).toBe(`${pod}:80`);
    expect(flow.backendPod).toBe('network-test/nginx-54c98b4f84-p9w4d');
  });
});
