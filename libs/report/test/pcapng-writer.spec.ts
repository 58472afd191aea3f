// The pcapng writer's output read back by libs/capture's reader: interfaces, timestamps to the
// nanosecond, lengths and bytes survive; comments are where the pcapng draft puts them.
import { describe, expect, it } from 'vitest';
import { CaptureRecord, readCapture } from '#capture';
import { pcapngBlocks } from '../src/index.js';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL2 = 276;

describe('pcapngBlocks', () => {
  it('writes a file libs/capture reads back exactly', async () => {
    const frames = [
      Uint8Array.from({ length: 61 }, (_, i) => i),
      Uint8Array.from({ length: 20 }, (_, i) => 255 - i),
    ];
    const blocks = [
      ...pcapngBlocks(
        [
          { linktype: LINKTYPE_LINUX_SLL2, name: 'node', description: 'node capture node.pcap' },
          { linktype: LINKTYPE_ETHERNET, name: 'client' },
        ],
        [
          { interfaceId: 1, timestampNs: 1795759897412153001n, data: frames[0], origlen: 74 },
          {
            interfaceId: 0,
            timestampNs: 1795759897412224999n,
            data: frames[1],
            comment: 'DNAT 10.233.9.232:80 -> 10.233.65.212:80',
            flags: 2,
          },
        ],
      ),
    ];
    for (const b of blocks) expect(b.length % 4).toBe(0);
    const rec = new CaptureRecord();
    const read: {
      iface: string | null;
      linktype: number;
      ts: bigint;
      caplen: number;
      origlen: number;
      bytes: number[];
    }[] = [];
    for await (const batch of readCapture(blocks, { name: 'written.pcapng' })) {
      for (let i = 0; i < batch.count; i++) {
        batch.record(i, rec);
        read.push({
          iface: rec.interface.name,
          linktype: rec.interface.linktype,
          ts: rec.timestampNs(),
          caplen: rec.caplen,
          origlen: rec.origlen,
          bytes: [...rec.bytes()],
        });
      }
    }
    expect(read).toEqual([
      {
        iface: 'client',
        linktype: 1,
        ts: 1795759897412153001n,
        caplen: 61,
        origlen: 74,
        bytes: [...frames[0]],
      },
      {
        iface: 'node',
        linktype: 276,
        ts: 1795759897412224999n,
        caplen: 20,
        origlen: 20,
        bytes: [...frames[1]],
      },
    ]);
    const file = Buffer.concat(blocks);
    const comment = file.indexOf('DNAT 10.233.9.232:80 -> 10.233.65.212:80');
    expect(comment).toBeGreaterThan(0);
    expect(file.readUInt16LE(comment - 4)).toBe(1); // opt_comment
    expect(file.readUInt16LE(comment - 2)).toBe(40);
  });
});
