// What a flow says about itself where the packets alone decide it: here, separate ICMPv6 errors
// kept apart.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeFile } from '#decode';
import { describe, expect, it } from 'vitest';
import { decodedSource, emptyPacket } from '../src/decode-adapter.js';
import { correlate, type CorrelatePacket } from '../src/index.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/community-id/', import.meta.url));

function pkt(t: number, fields: Partial<CorrelatePacket>): CorrelatePacket {
  return {
    ...emptyPacket(),
    tsSec: 1_795_759_897,
    tsNsec: t,
    ipVersion: 4,
    ipId: 1,
    ipLength: 60,
    ...fields,
  };
}

async function corpusFlows(file: string) {
  const packets = await decodeFile([readFileSync(`${CORPUS}${file}`)]);
  return correlate([{ point: { id: file, role: 'client' }, packets: decodedSource(packets) }]).flows;
}

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
