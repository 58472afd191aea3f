import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_LINKTYPES } from '../src/index.js';
import { chunks, mutate, prng } from './mutate.js';
import { sharedPath } from './shared.js';
import { walk } from './walk.js';

const tcpdumpDir = sharedPath('corpus/tcpdump-tests');
const captures = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng|pcap\.gz)$/.test(f))
    .map((f) => `${dir}/${f}`);
const fixtures = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? fixtures(`${dir}/${e.name}`)
      : /\.(pcap|pcapng)$/.test(e.name)
        ? [`${dir}/${e.name}`]
        : [],
  );

const corpus = captures(tcpdumpDir);

function decodable(pcap: Buffer): boolean {
  const le = pcap.readUInt32LE(0) === 0xa1b2c3d4 || pcap.readUInt32LE(0) === 0xa1b23c4d;
  return SUPPORTED_LINKTYPES.has((le ? pcap.readUInt32LE(20) : pcap.readUInt32BE(20)) & 0x03ffffff);
}

describe('hostile input', () => {
  it('reads every tcpdump test capture to the end or rejects it with a typed error, within 2 s each', async () => {
    expect(corpus.length).toBe(830);
    const all = [
      ...corpus,
      ...captures(sharedPath('corpus/community-id')),
      ...fixtures(sharedPath('fixtures')),
    ];
    const problems: string[] = [];
    const codes = new Map<string, number>();
    let decoded = 0;
    for (const file of all) {
      const started = performance.now();
      const buf = readFileSync(file);
      const r = await walk(() => [buf], file);
      const ms = performance.now() - started;
      if (ms > 2000) problems.push(`${file}: ${ms.toFixed(0)} ms`);
      problems.push(...r.problems.map((p) => `${file}: ${p}`));
      const code = r.error?.code ?? 'read to the end';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      decoded += r.decoded;
    }
    expect(problems).toEqual([]);
    // Most files read whole; the rest are deliberately broken or use link types we do not decode.
    expect(codes.get('read to the end')).toBeGreaterThan(700);
    expect(decoded).toBeGreaterThan(5000);
  });

  it('survives 10,000 seeded mutations of corpus files (flip, truncate, splice, interesting values, gzip)', async () => {
    // Small files whose link type we decode, so mutations reach the decoder, not only the reader.
    const small = corpus
      .filter((f) => statSync(f).size <= 16 * 1024)
      .map((f) => readFileSync(f))
      .filter((b) => b.length < 24 || b.readUInt32BE(0) === 0x0a0d0d0a || decodable(b));
    const rand = prng(20261127);
    const problems: string[] = [];
    let errors = 0;
    let packets = 0;
    let damaged = 0;
    for (let i = 0; i < 10_000; i++) {
      const input = mutate(small, rand);
      const started = performance.now();
      // Every other input arrives in small chunks, so records straddle reads at hostile offsets.
      const seed = Math.floor(rand() * 2 ** 32);
      const r = await walk(
        () => (i % 2 ? chunks(input, prng(seed)) : [input]),
        `mutant-${i}`,
        i % 2 ? 1 : undefined,
      );
      if (performance.now() - started > 2000) problems.push(`mutant ${i}: slow`);
      problems.push(...r.problems.map((p) => `mutant ${i}: ${p}`));
      if (r.error) errors++;
      packets += r.decoded;
      damaged += r.statuses[1] + r.statuses[2];
    }
    expect(problems).toEqual([]);
    // The mutations must actually bite, and still leave plenty to decode.
    expect(errors).toBeGreaterThan(1000);
    expect(packets).toBeGreaterThan(15_000);
    expect(damaged).toBeGreaterThan(500);
  });
});
