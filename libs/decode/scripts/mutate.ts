// The long mutation run: `npm run build && node dist/libs/decode/scripts/mutate.js [inputs] [seed]`.
// Same harness as the 10,000-input test, over every corpus file up to 256 KiB; prints the seed of
// any input that breaks a guarantee so it can be replayed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chunks, mutate, prng } from '../test/mutate.js';
import { walk } from '../test/walk.js';

const inputs = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
// dist/libs/decode/scripts -> <repo>/../shared (also correct from the TypeScript source's depth + 1).
const here = fileURLToPath(new URL('.', import.meta.url));
const shared = [`${here}../../../../../shared`, `${here}../../../../shared`].find((d) => {
  try {
    return statSync(`${d}/corpus/tcpdump-tests`).isDirectory();
  } catch {
    return false;
  }
});
if (!shared) throw new Error('cannot find <repo>/../shared/corpus/tcpdump-tests');
const dir = `${shared}/corpus/tcpdump-tests`;
const files = readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)$/.test(f) && statSync(`${dir}/${f}`).size <= 256 * 1024)
  .map((f) => readFileSync(`${dir}/${f}`));

let failures = 0;
let slowest = 0;
const started = performance.now();
for (let i = 0; i < inputs; i++) {
  // One PRNG per input: (seed, i) regenerates exactly this input.
  const input = mutate(files, prng(seed * 1_000_003 + i));
  const t = performance.now();
  try {
    const r = await walk(
      () => (i % 2 ? chunks(input, prng(seed + i)) : [input]),
      `mutant-${i}`,
      i % 2 ? 1 : undefined,
    );
    if (r.problems.length) {
      failures++;
      console.log(`seed ${seed} input ${i}: ${r.problems.slice(0, 3).join('; ')}`);
    }
  } catch (e) {
    failures++;
    console.log(`seed ${seed} input ${i}: untyped exception ${(e as Error).stack}`);
  }
  slowest = Math.max(slowest, performance.now() - t);
  if ((i + 1) % 20_000 === 0)
    console.log(`${i + 1} inputs, ${failures} failures, slowest ${slowest.toFixed(1)} ms`);
}
const secs = (performance.now() - started) / 1000;
console.log(
  `${inputs} inputs (seed ${seed}) in ${secs.toFixed(1)} s: ${failures} failures, slowest input ${slowest.toFixed(1)} ms`,
);
process.exitCode = failures ? 1 : 0;
