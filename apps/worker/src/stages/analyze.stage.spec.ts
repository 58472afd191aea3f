// The analyze stage hands the runner each stored capture with the packet count its decode job
// found, so a long correlation shows progress instead of sitting at the stage's start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAnalysis } from '#analysis';
import type { Capture } from '#persistence';
import { pcapFile, type SyntheticPacket } from '../../../../libs/correlate/test/helpers/pcap-writer.js';
import { storedCaptures } from './analyze.stage.js';

const dir = mkdtempSync(join(tmpdir(), 'natlens-stored-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 5,000 DNS-like exchanges from one pod, 1 ms apart: 10,000 packets. */
function exchanges(): SyntheticPacket[] {
  const packets: SyntheticPacket[] = [];
  const t0 = 1_795_759_897_000_000_000n;
  for (let i = 0; i < 5_000; i++) {
    const t = t0 + BigInt(i) * 1_000_000n;
    const sport = 20_000 + (i % 30_000);
    const query = { src: '10.244.0.5', sport, dst: '10.96.0.10', dport: 53 };
    packets.push({
      t,
      ifIndex: 2,
      pktType: 4,
      protocol: 'udp',
      ipId: i,
      payload: new Uint8Array(30),
      ...query,
    });
    packets.push({
      t: t + 200_000n,
      ifIndex: 2,
      pktType: 0,
      protocol: 'udp',
      ipId: i,
      payload: new Uint8Array(60),
      src: query.dst,
      sport: query.dport,
      dst: query.src,
      dport: query.sport,
    });
  }
  return packets;
}

describe('analyze stage: stored captures as the runner input', () => {
  writeFileSync(join(dir, 'client.pcap'), pcapFile(exchanges()));
  const storage = { path: (relative: string) => join(dir, relative) };
  const capture = {
    id: 'c1',
    role: 'client',
    label: 'client',
    fileName: 'client.pcap',
    node: null,
    podName: null,
    podNamespace: null,
    storagePath: 'client.pcap',
    sizeBytes: 1n,
  } as unknown as Capture;

  async function progressOf(packets: number | null): Promise<number[]> {
    const seen: number[] = [];
    const decoded =
      packets === null ? [] : [{ captureId: 'c1', packets, truncated: 0, malformed: 0, linkTypes: [] }];
    const result = await runAnalysis({
      captures: storedCaptures([{ ...capture, packetCount: null }], decoded, storage),
      snapshots: [],
      sink: { flow: () => undefined, finish: () => undefined },
      options: { onProgress: (stage, fraction) => stage === 'correlating' && seen.push(fraction ?? -1) },
    });
    expect(result.correlation.captures[0].packets).toBe(10_000);
    expect(result.flowCount).toBe(5_000);
    return seen;
  }

  it('reports correlation progress from the packet count the decode job found', async () => {
    const seen = await progressOf(10_000);
    const partial = seen.filter((f) => f > 0 && f < 1);
    expect(partial.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.at(-1)).toBe(1);
  });

  it('falls back to bytes read when no count is known', async () => {
    const seen = await progressOf(null);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});
