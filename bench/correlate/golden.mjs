// bench/correlate/golden.mjs: a fingerprint of correlate's whole output over the benchmark's
// captures, to show that a speed change changed nothing else. Run after `npm run build` and
// `node bench/correlate/run.mjs N` (which writes the captures):
//
//   node bench/correlate/golden.mjs [replays=547] [out.jsonl]
//
// Prints the SHA-1 of every flow as JSON (sorted) followed by the result's summary, the line
// count and the CPU time; compare the hash before and after a change (547 replays is the
// 1 M-packet set, 1640 the 3 M one). With `out.jsonl` the text is written too, to diff.
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAPTURES, replayPath } from './captures.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { correlateAsync, fileSource } = await import(join(root, 'dist/libs/correlate/src/index.js'));
const [replays = '547', out] = process.argv.slice(2);
const path = (c) => replayPath(replays, c);
if (!existsSync(path(CAPTURES[0])))
  throw new Error(`no ${path(CAPTURES[0])}: run bench/correlate/run.mjs with as many packets first`);

const lines = [];
const started = process.cpuUsage();
const { flows: _flows, ...summary } = await correlateAsync(
  CAPTURES.map((c) => ({ point: { id: c.file, ...c }, packets: fileSource(path(c)) })),
  { onFlow: (flow) => lines.push(JSON.stringify(flow)) },
);
const cpu = process.cpuUsage(started);
lines.sort();
lines.push(JSON.stringify(summary));
const text = lines.join('\n');
if (out) writeFileSync(out, text);
const sha1 = createHash('sha1').update(text).digest('hex');
console.log(`${sha1}  ${lines.length} lines  ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
