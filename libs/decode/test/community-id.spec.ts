import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityId, communityIdOf, decodeFile, formatAddress, parseAddress } from '../src/index.js';
import { communityIdVectors as load, sharedPath, type CommunityIdVector as Vector } from './shared.js';

const dir = sharedPath('corpus/community-id');
const tuple = (v: Vector) => ({
  protocol: v.proto,
  src: v.saddr,
  dst: v.daddr,
  srcPort: v.sport,
  dstPort: v.dport,
});

describe('Community ID v1', () => {
  const files = readdirSync(dir).filter((f) => /^baseline_.*\.json$/.test(f));

  it('finds the three baseline files', () => {
    expect(files.sort()).toEqual(['baseline_deflt.json', 'baseline_nob64.json', 'baseline_seed1.json']);
  });

  it('passes every vector: default, seed 1, and hex output', () => {
    const settings: Record<string, [number, boolean]> = {
      'baseline_deflt.json': [0, true],
      'baseline_seed1.json': [1, true],
      'baseline_nob64.json': [0, false],
    };
    let count = 0;
    for (const f of files) {
      const [seed, base64] = settings[f];
      for (const v of load(f)) {
        expect(communityId(tuple(v), seed, base64), `${f} ${JSON.stringify(v)}`).toBe(v.communityid);
        count++;
      }
    }
    expect(count).toBe(69);
  });

  it('gives decoded packets of the vectors’ own captures the IDs of their tuples', async () => {
    const byTuple = new Map(
      load('baseline_deflt.json').map((v) => [
        `${v.proto} ${v.saddr} ${v.sport} ${v.daddr} ${v.dport}`,
        v.communityid,
      ]),
    );
    let matched = 0;
    for (const f of readdirSync(dir).filter((n) => /\.pcap(\.gz)?$/.test(n))) {
      for (const p of await decodeFile(`${dir}/${f}`)) {
        if (!p.ipVersion) continue;
        const icmp = p.protocol === 1 || p.protocol === 58;
        const key = `${p.protocol} ${formatAddress(p.src, p.ipVersion)} ${icmp ? p.icmpType : p.srcPort} ${formatAddress(p.dst, p.ipVersion)} ${icmp ? p.icmpCode : p.dstPort}`;
        const expected = byTuple.get(key);
        if (expected === undefined) continue;
        expect(communityIdOf(p), `${f} #${p.number + 1}`).toBe(expected);
        matched++;
      }
    }
    expect(matched).toBeGreaterThan(50);
  });

  it('round-trips addresses through parse and format', () => {
    for (const v of load('baseline_deflt.json')) {
      for (const a of [v.saddr, v.daddr]) {
        const bytes = parseAddress(a)!;
        expect(formatAddress(bytes, bytes.length === 4 ? 4 : 6)).toBe(a);
      }
    }
    expect(parseAddress('::ffff:10.1.2.3')).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 1, 2, 3]),
    );
    expect(parseAddress('1::2::3')).toBeNull();
    expect(parseAddress('300.1.1.1')).toBeNull();
  });
});
