import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError, CaptureRecord, MAXIMUM_SNAPLEN, readCapture } from '../src/index.js';
import { sharedPath } from './shared.js';

// pcap-parser (CommonJS, no types) is the differential oracle for classic microsecond pcap.
interface PcapParserPacket {
  header: {
    timestampSeconds: number;
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  };
  data: Buffer;
}
interface PcapParserEmitter {
  on(event: 'globalHeader', fn: (h: { majorVersion: number; snapshotLength: number }) => void): this;
  on(event: 'packet', fn: (p: PcapParserPacket) => void): this;
  on(event: 'end' | 'error', fn: (e?: Error) => void): this;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as {
  parse(input: Readable): PcapParserEmitter;
};

interface Oracle {
  header: { majorVersion: number; snapshotLength: number } | null;
  packets: PcapParserPacket[];
}

function oracle(buf: Buffer): Promise<Oracle> {
  return new Promise((resolve) => {
    const result: Oracle = { header: null, packets: [] };
    const parser = pcapParser.parse(Readable.from([buf]));
    parser.on('globalHeader', (h) => (result.header = h));
    parser.on('packet', (p) => result.packets.push(p));
    parser.on('error', () => undefined);
    parser.on('end', () => resolve(result));
  });
}

const dir = sharedPath('corpus/tcpdump-tests');
const classic = readdirSync(dir)
  .filter((f) => f.endsWith('.pcap'))
  .filter((f) => {
    const magic = readFileSync(`${dir}/${f}`).subarray(0, 4).toString('hex');
    return magic === 'a1b2c3d4' || magic === 'd4c3b2a1'; // what pcap-parser reads
  });

describe('differential: our classic pcap reader against pcap-parser', () => {
  it(`agrees on timestamps, captured and original lengths and bytes for ${classic.length} corpus files`, async () => {
    expect(classic.length).toBeGreaterThan(700);
    let compared = 0;
    for (const f of classic) {
      const buf = readFileSync(`${dir}/${f}`);
      const expected = await oracle(buf);
      const ours: { ts: bigint; caplen: number; origlen: number; bytes: Buffer }[] = [];
      let error: CaptureFormatError | null = null;
      try {
        const rec = new CaptureRecord();
        for await (const batch of readCapture([buf], { name: f })) {
          for (let i = 0; i < batch.count; i++) {
            batch.record(i, rec);
            ours.push({
              ts: rec.timestampNs(),
              caplen: rec.caplen,
              origlen: rec.origlen,
              bytes: Buffer.from(rec.bytes()),
            });
          }
        }
      } catch (e) {
        if (!(e instanceof CaptureFormatError)) throw e;
        error = e;
      }
      if (error?.code === 'UNSUPPORTED_VERSION') {
        // pcap-parser accepts any major version when the minor is 4; libpcap (and we) want 2.x.
        expect(expected.header?.majorVersion, f).not.toBe(2);
        continue;
      }
      const snaplen = expected.header!.snapshotLength;
      const effective = snaplen === 0 || snaplen > MAXIMUM_SNAPLEN ? MAXIMUM_SNAPLEN : snaplen;
      expect(ours.length, f).toBe(expected.packets.length);
      expected.packets.forEach((p, i) => {
        const h = p.header;
        const caplen = Math.min(h.capturedLength, effective);
        const ts = BigInt(h.timestampSeconds) * 1_000_000_000n + BigInt(h.timestampMicroseconds) * 1000n;
        expect(ours[i].ts, `${f} #${i + 1}`).toBe(ts);
        expect(ours[i].origlen, `${f} #${i + 1}`).toBe(h.originalLength);
        expect(ours[i].caplen, `${f} #${i + 1}`).toBe(caplen);
        expect(ours[i].bytes.equals(p.data.subarray(0, caplen)), `${f} #${i + 1}`).toBe(true);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(9_000);
  });
});
