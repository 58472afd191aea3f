import { createReadStream, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CaptureFormatError,
  CaptureRecord,
  readCapture,
  readCaptureFile,
  type CaptureSource,
  type RecordBatch,
} from '../src/index.js';
import { block, epb, idb, option, pcapHeader, pcapRecord, shb } from './build.js';
import { sharedPath } from './shared.js';

interface Flat {
  ts: bigint;
  caplen: number;
  origlen: number;
  fileOffset: number;
  iface: number;
  linktype: number;
  flags: number;
  bytes: string;
}

async function collect(batches: AsyncIterable<RecordBatch>): Promise<Flat[]> {
  const out: Flat[] = [];
  const rec = new CaptureRecord();
  for await (const b of batches) {
    for (let i = 0; i < b.count; i++) {
      b.record(i, rec);
      expect(rec.number).toBe(out.length);
      out.push({
        ts: rec.timestampNs(),
        caplen: rec.caplen,
        origlen: rec.origlen,
        fileOffset: rec.fileOffset,
        iface: rec.interface.index,
        linktype: rec.interface.linktype,
        flags: rec.flags,
        bytes: Buffer.from(rec.bytes()).toString('hex'),
      });
    }
  }
  return out;
}

async function failure(
  source: CaptureSource,
  options = {},
): Promise<{ error: CaptureFormatError; records: Flat[] }> {
  const records: Flat[] = [];
  try {
    const rec = new CaptureRecord();
    for await (const b of readCapture(source, { name: 'test.pcap', ...options })) {
      for (let i = 0; i < b.count; i++)
        records.push({ ...b.record(i, rec), ts: rec.timestampNs() } as unknown as Flat);
    }
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureFormatError);
    return { error: error as CaptureFormatError, records };
  }
  throw new Error('expected a CaptureFormatError');
}

/** Splits a buffer into chunks of pseudo-random sizes 1..max (seeded). */
function* chunked(buf: Uint8Array, max: number, seed = 1): Generator<Uint8Array> {
  let s = seed;
  for (let o = 0; o < buf.length;) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const n = 1 + (s % max);
    yield buf.subarray(o, o + n);
    o += n;
  }
}

const clusterip = (f: string) => sharedPath('fixtures/single-node/clusterip', f);

describe('readCapture on the fixtures', () => {
  it('reads pcap (us), pcap (ns), LINUX_SLL pcap and pcapng with the packets and times tcpdump printed', async () => {
    const usec = await collect(readCaptureFile(clusterip('node.pcap')));
    const nano = await collect(readCaptureFile(clusterip('node-nano.pcap')));
    const sll1 = await collect(readCaptureFile(clusterip('node-sll1.pcap')));
    const ng = await collect(readCaptureFile(clusterip('node.pcapng')));
    // tcpdump -r printed one line per packet for each file.
    for (const [list, txt] of [
      [usec, 'node.pcap.txt'],
      [nano, 'node-nano.pcap.txt'],
      [sll1, 'node-sll1.pcap.txt'],
      [ng, 'node.pcapng.txt'],
    ] as const) {
      const lines = readFileSync(clusterip(txt), 'utf8').trimEnd().split('\n');
      expect(list.length).toBe(lines.length);
      // tcpdump's HH:MM:SS.uuuuuu (UTC) equals our timestamp truncated to the microsecond.
      list.forEach((r, i) => {
        const d = new Date(Number(r.ts / 1_000_000n));
        const us = String((r.ts / 1000n) % 1_000_000n).padStart(6, '0');
        expect(lines[i].slice(0, 15)).toBe(`${d.toISOString().slice(11, 19)}.${us}`);
      });
    }
    expect(usec[0].linktype).toBe(276);
    expect(sll1[0].linktype).toBe(113);
    expect(ng[0].linktype).toBe(113);
    // dumpcap wrote node.pcapng in parallel: its own timestamps, still with nanosecond digits.
    expect(ng.some((r) => r.ts % 1000n !== 0n)).toBe(true);
    expect(usec.every((r) => r.ts % 1000n === 0n)).toBe(true);
    expect(nano.some((r) => r.ts % 1000n !== 0n)).toBe(true);
  });

  it('gives the pcapng interface its name and resolution', async () => {
    for await (const b of readCaptureFile(clusterip('node.pcapng'))) {
      expect(b.interfaces[0]).toMatchObject({ index: 0, name: 'any', linktype: 113, if_tsresol: 9 });
      break;
    }
  });

  it('reads gzip-compressed captures transparently', async () => {
    const plain = readFileSync(clusterip('node.pcapng'));
    const gz = gzipSync(plain);
    expect(await collect(readCapture([gz]))).toEqual(await collect(readCapture([plain])));
    // Concatenated gzip members (gzip a; gzip b; cat) are one stream.
    const pcap = readFileSync(clusterip('node.pcap'));
    const two = Buffer.concat([gzipSync(pcap.subarray(0, 1000)), gzipSync(pcap.subarray(1000))]);
    expect(await collect(readCapture(chunked(two, 700)))).toEqual(await collect(readCapture([pcap])));
  });

  it('gives the same records whatever the chunking of the input', async () => {
    for (const f of ['node.pcap', 'node.pcapng']) {
      const buf = readFileSync(clusterip(f));
      const whole = await collect(readCapture([buf]));
      expect(await collect(readCapture(chunked(buf, 3)))).toEqual(whole);
      expect(await collect(readCapture(chunked(buf, 5000, 7)))).toEqual(whole);
      expect(await collect(readCapture(createReadStream(clusterip(f), { highWaterMark: 97 })))).toEqual(
        whole,
      );
    }
  });
});

describe('classic pcap', () => {
  const frame = Buffer.from('00112233445566778899aabb0800', 'hex');

  it('reads both byte orders and both resolutions exactly', async () => {
    for (const le of [true, false]) {
      for (const nano of [true, false]) {
        const file = Buffer.concat([
          pcapHeader({ le, nano }),
          pcapRecord(1_700_000_000, nano ? 123_456_789 : 123_456, frame, le, 1514),
          pcapRecord(4_294_967_295, nano ? 999_999_999 : 999_999, frame, le),
        ]);
        const recs = await collect(readCapture([file]));
        expect(recs.map((r) => r.ts)).toEqual([
          nano ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n,
          nano ? 4_294_967_295_999_999_999n : 4_294_967_295_999_999_000n,
        ]);
        expect(recs[0]).toMatchObject({ caplen: 14, origlen: 1514, fileOffset: 24, linktype: 1 });
        expect(recs[1].fileOffset).toBe(24 + 16 + 14);
      }
    }
  });

  it('carries an out-of-range ts_usec into the seconds, like the sum libpcap would print', async () => {
    const recs = await collect(
      readCapture([Buffer.concat([pcapHeader(), pcapRecord(10, 2_500_000, frame)])]),
    );
    expect(recs[0].ts).toBe(12_500_000_000n);
  });

  it('keeps only snaplen bytes of an oversized record, as libpcap does', async () => {
    const data = Buffer.alloc(100, 7);
    const recs = await collect(
      readCapture([
        Buffer.concat([pcapHeader({ snaplen: 60 }), pcapRecord(1, 0, data), pcapRecord(2, 0, frame)]),
      ]),
    );
    expect(recs.map((r) => r.caplen)).toEqual([60, 14]);
    expect(recs[1].ts).toBe(2_000_000_000n);
  });
});

describe('pcapng', () => {
  const a = Buffer.from('aaaa', 'hex');
  const b = Buffer.from('bbbbbb', 'hex');

  it('handles sections in both byte orders, every if_tsresol kind, if_tsoffset, and skips other blocks', async () => {
    const nrb = block(4, Buffer.from('0100040001020304616200000000', 'hex'));
    const isb = block(5, Buffer.alloc(12));
    const custom = block(0x40000bad, Buffer.from('whatever'));
    const unknown = block(0x12345678, Buffer.alloc(1000, 0xff));
    const spb = block(3, Buffer.concat([Buffer.from([0, 0, 0, 9].reverse()), b]));
    const opb = block(
      2,
      Buffer.concat([
        Buffer.from([1, 0, 0, 0]),
        Buffer.from([0, 0, 0, 0]),
        Buffer.from([5, 0, 0, 0]),
        Buffer.from([2, 0, 0, 0, 2, 0, 0, 0]),
        a,
        Buffer.alloc(2),
      ]),
    );
    const file = Buffer.concat([
      shb(true),
      idb(1, { snaplen: 3, options: [option(2, Buffer.from('eth0')), option(9, Buffer.from([6]))] }),
      idb(276, {
        snaplen: 262144,
        options: [option(9, Buffer.from([0x8a])), option(14, Buffer.from([100, 0, 0, 0, 0, 0, 0, 0]))],
      }),
      nrb,
      epb(0, 1_700_000_000_123_456n, a, { options: [option(2, Buffer.from([1, 0, 0, 0]))] }),
      isb,
      epb(1, (5n << 10n) + 512n, b),
      spb,
      opb,
      custom,
      unknown,
      shb(false),
      idb(229, {
        le: false,
        options: [option(9, Buffer.from([3]), false), option(3, Buffer.from('uplink\0\0'), false)],
      }),
      epb(0, 1_700_000_000_123n, a, { le: false, origlen: 60 }),
    ]);
    for (const source of [[file], chunked(file, 11)]) {
      const recs = await collect(readCapture(source));
      expect(recs.map((r) => [r.ts, r.iface, r.linktype, r.caplen, r.origlen, r.bytes, r.flags])).toEqual([
        [1_700_000_000_123_456_000n, 0, 1, 2, 2, 'aaaa', 1],
        [105_500_000_000n, 1, 276, 3, 3, 'bbbbbb', 0],
        [0n, 0, 1, 3, 9, 'bbbbbb', 0],
        // 5 units of 2^-10 s, plus if_tsoffset 100 s.
        [100_004_882_812n, 1, 276, 2, 2, 'aaaa', 0],
        [1_700_000_000_123_000_000n, 2, 229, 2, 60, 'aaaa', 0],
      ]);
    }
    for await (const batch of readCapture([file])) {
      expect(
        batch.interfaces.map((i) => [i.section, i.id, i.name, i.description, i.if_tsresol, i.if_tsoffset]),
      ).toEqual([
        [0, 0, 'eth0', null, 6, 0],
        [0, 1, null, null, 0x8a, 100],
        [1, 0, null, 'uplink', 3, 0],
      ]);
    }
  });

  it('converts 64-bit nanosecond and picosecond counts exactly', async () => {
    const units = 0xfedcba9876543210n;
    const file = Buffer.concat([
      shb(),
      idb(1, { options: [option(9, Buffer.from([9]))] }),
      idb(1, { options: [option(9, Buffer.from([12]))] }),
      epb(0, units, a),
      epb(1, units, a),
    ]);
    const recs = await collect(readCapture([file]));
    expect(recs[0].ts).toBe(units);
    expect(recs[1].ts).toBe(units / 1000n);
  });
});

describe('file-level errors name the file and offset', () => {
  const frame = Buffer.alloc(20, 1);

  it('rejects what is not a capture, and empty or short headers', async () => {
    let { error } = await failure([Buffer.from('GET / HTTP/1.1\r\n')]);
    expect(error).toMatchObject({ code: 'NOT_A_CAPTURE', file: 'test.pcap', offset: 0 });
    expect(error.message).toContain('test.pcap');
    ({ error } = await failure([]));
    expect(error.code).toBe('TRUNCATED_HEADER');
    ({ error } = await failure([pcapHeader().subarray(0, 20)]));
    expect(error.code).toBe('TRUNCATED_HEADER');
    ({ error } = await failure([shb().subarray(0, 20)]));
    expect(error.code).toBe('TRUNCATED_HEADER');
  });

  it('yields every record before a truncated one, then fails at its offset', async () => {
    const whole = Buffer.concat([pcapHeader(), pcapRecord(1, 0, frame), pcapRecord(2, 0, frame)]);
    const { error, records } = await failure([whole.subarray(0, whole.length - 5)]);
    expect(records).toHaveLength(1);
    expect(error).toMatchObject({ code: 'TRUNCATED_RECORD', offset: 24 + 36 });
    expect(error.message).toMatch(/^test\.pcap: byte 60: /);
  });

  it('refuses records above 256 KiB before buffering them', async () => {
    const head = Buffer.alloc(16);
    head.writeUInt32LE(0x7fffffff, 8);
    const { error } = await failure([pcapHeader(), pcapRecord(1, 0, frame), head]);
    expect(error).toMatchObject({ code: 'RECORD_TOO_LONG', offset: 60 });
    const big = Buffer.concat([shb(), idb(1), epb(0, 0n, Buffer.alloc(300_000))]);
    expect((await failure([big])).error.code).toBe('RECORD_TOO_LONG');
    const huge = Buffer.concat([shb(), idb(1), epb(0, 0n, Buffer.alloc(2_000_000))]);
    expect((await failure([huge])).error.code).toBe('BLOCK_TOO_LONG');
  });

  it('skips a huge unknown block without holding it, and fails cleanly when it is cut short', async () => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(0x0bad, 0);
    head.writeUInt32LE(0xfffffff0, 4);
    let pulled = 0;
    function* source(): Generator<Uint8Array> {
      yield Buffer.concat([shb(), idb(1), head]);
      for (let i = 0; i < 64; i++, pulled++) yield Buffer.alloc(1 << 16);
    }
    const { error } = await failure(source());
    expect(error.code).toBe('TRUNCATED_RECORD');
    expect(pulled).toBe(64);
  });

  it('rejects bad block lengths, unknown interfaces and bad byte-order magics', async () => {
    const bad = shb();
    bad.writeUInt32LE(30, 4);
    expect((await failure([bad])).error).toMatchObject({ code: 'BAD_BLOCK_LENGTH', offset: 4 });
    expect((await failure([Buffer.concat([shb(), idb(1), epb(3, 0n, frame)])])).error).toMatchObject({
      code: 'UNKNOWN_INTERFACE',
      offset: 28 + 20 + 8,
    });
    // A packet block too short for its own fixed fields, last in the file.
    for (const type of [2, 3, 6]) {
      const stub = block(type, Buffer.alloc(0));
      stub.writeUInt32LE(0, 8);
      expect((await failure([Buffer.concat([shb(), idb(1), stub])])).error).toMatchObject({
        code: 'BAD_BLOCK_LENGTH',
        offset: 52,
      });
    }
    const bom = shb();
    bom.writeUInt32LE(0xdeadbeef, 8);
    expect((await failure([bom])).error.code).toBe('NOT_A_CAPTURE');
  });

  it('rejects link types the caller cannot decode, at the header that declares them', async () => {
    const { error } = await failure([Buffer.concat([shb(), idb(1), idb(127)])], { linktypes: new Set([1]) });
    expect(error).toMatchObject({ code: 'UNSUPPORTED_LINKTYPE', offset: 48 });
  });

  it('reports a corrupt gzip stream as BAD_GZIP', async () => {
    const gz = gzipSync(readFileSync(clusterip('node.pcap')));
    gz.fill(0x55, 200, 260);
    expect((await failure([gz])).error.code).toBe('BAD_GZIP');
  });
});

describe('streaming', () => {
  it('pulls input only as batches are consumed, and releases the source on early exit', async () => {
    const rec = pcapRecord(1, 0, Buffer.alloc(100));
    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => rec));
    let pulled = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        yield pcapHeader();
        for (;;) {
          pulled++;
          yield chunk;
        }
      } finally {
        closed = true;
      }
    }
    let batches = 0;
    for await (const batch of readCapture(endless())) {
      expect(batch.count).toBeGreaterThan(0);
      if (++batches === 3) break;
    }
    expect(pulled).toBeLessThan(8);
    expect(closed).toBe(true);
  });

  it('reads 512 MiB in memory independent of the size', async () => {
    const rec = pcapRecord(1, 0, Buffer.alloc(112));
    const chunk = Buffer.concat(Array.from({ length: (1 << 20) / rec.length }, () => rec));
    const perChunk = Math.floor(chunk.length / rec.length);
    async function* big(): AsyncGenerator<Uint8Array> {
      yield pcapHeader();
      // Fresh copies, as a file or socket would hand over.
      for (let i = 0; i < 512; i++) yield Buffer.from(chunk);
    }
    const before = process.memoryUsage().rss;
    let records = 0;
    let peak = 0;
    for await (const batch of readCapture(big())) {
      records += batch.count;
      if (records % 100_000 < batch.count) peak = Math.max(peak, process.memoryUsage().rss - before);
    }
    expect(records).toBe(512 * perChunk);
    expect(peak).toBeLessThan(128 * 1024 * 1024);
  });
});
