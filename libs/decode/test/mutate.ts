import { gzipSync } from 'node:zlib';

/** mulberry32: a tiny seeded PRNG, so every mutated input can be regenerated from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Values that hit length and offset checks: zero, all ones, just over limits, sign bits.
const INTERESTING = [
  0, 1, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x40000, 0x40001, 0x1000000, 12, 16, 28,
];

/**
 * One hostile variant of `files[i]`: bit flips, truncation, splicing two files, interesting
 * 32-bit values (often in the headers), inserted or repeated bytes, and sometimes gzip around it.
 */
export function mutate(files: readonly Uint8Array[], rand: () => number): Buffer {
  const pick = (n: number) => Math.floor(rand() * n);
  const src = files[pick(files.length)];
  let buf = Buffer.from(src);
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    // Headers matter most: half the positions fall in the first 64 bytes.
    const pos = () =>
      buf.length === 0 ? 0 : rand() < 0.5 ? pick(Math.min(64, buf.length)) : pick(buf.length);
    switch (pick(7)) {
      case 0:
        for (let k = 1 + pick(8); k > 0 && buf.length; k--) buf[pos()] ^= 1 << pick(8);
        break;
      case 1:
        buf = buf.subarray(0, pick(buf.length + 1));
        break;
      case 2: {
        const other = files[pick(files.length)];
        buf = Buffer.concat([buf.subarray(0, pos()), other.subarray(pick(other.length + 1))]);
        break;
      }
      case 3: {
        const p = pos();
        if (p + 4 <= buf.length) {
          const v = INTERESTING[pick(INTERESTING.length)];
          if (rand() < 0.5) buf.writeUInt32LE(v >>> 0, p);
          else buf.writeUInt32BE(v >>> 0, p);
        }
        break;
      }
      case 4: {
        const p = pos();
        const junk = Buffer.from(Array.from({ length: 1 + pick(32) }, () => pick(256)));
        buf = Buffer.concat([buf.subarray(0, p), junk, buf.subarray(p)]);
        break;
      }
      case 5: {
        const p = pos();
        const len = pick(256);
        buf = Buffer.concat([buf.subarray(0, p + len), buf.subarray(p, p + len), buf.subarray(p + len)]);
        break;
      }
      case 6:
        buf[pos()] = pick(256);
        break;
    }
  }
  if (rand() < 0.05) {
    buf = gzipSync(buf);
    if (rand() < 0.5 && buf.length > 20) buf[10 + pick(buf.length - 10)] ^= 0xff;
  }
  return buf;
}

/** The input cut into chunks of 1..max bytes, as a network upload might deliver it. */
export function* chunks(buf: Uint8Array, rand: () => number, max = 4096): Generator<Uint8Array> {
  for (let o = 0; o < buf.length;) {
    const n = 1 + Math.floor(rand() * max);
    yield buf.subarray(o, o + n);
    o += n;
  }
}
