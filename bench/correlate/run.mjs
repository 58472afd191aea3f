// bench/correlate: how fast libs/correlate pairs packets across captures, next to how fast
// libs/capture + libs/decode read them, in the same run. Run after `npm run build`:
//
//   node bench/correlate/run.mjs [packets=3000000]
//
// It replays the multi-node fixture (client, node-k8s-compute-01, node-k8s-compute-02-skewed:
// ClusterIP DNAT, VXLAN overlay, a 1.734 s clock skew) with a new client address, IP IDs and
// TCP sequence numbers per replay, 20 ms apart, until the three captures hold `packets` between
// them; every replayed connection is seen at every capture point, as in the fixture. Each
// measurement runs in its own child process (CPU time, peak RSS of its own):
//   decode     read + decode every packet (libs/capture + libs/decode)
//   adapt      the same + the adapter to correlate's packet view
//   correlate  correlateAsync over the three files (bootstrap prefix + merge + pairing + flows)
// and correlation alone is `correlate - adapt`.
//
//   node bench/correlate/run.mjs [packets] --instructions
//
// also counts each child's instructions under valgrind (cachegrind, no cache simulation; V8
// with --single-threaded so the collector and compiler run on the counted thread): about 50x
// slower, but repeatable to about 1% where CPU time on a shared VM swings by a third, so it
// is the measure to compare two versions by (use about 1,000,000 packets).
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAPTURES, OUT, replayPath } from './captures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(root, 'dist', 'libs');
const fixture = join(root, '..', 'shared', 'fixtures', 'multi-node', 'multinode-vxlan');
const CLIENT = [10, 233, 64, 94];
const REPLAY_PERIOD_NS = 20_000_000;
/** A whole second before the fixture's first packet. */
const FIXTURE_ORIGIN_SEC = 1_795_760_360;

const [mode, ...files] = process.argv.slice(2);
const begin = () => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });

if (mode === '--child-decode' || mode === '--child-adapt') {
  const { readCaptureFile, CaptureRecord } = await import(join(dist, 'capture/src/index.js'));
  const { decodePacket, DecodedPacket } = await import(join(dist, 'decode/src/index.js'));
  const { DecodeAdapter } = await import(join(dist, 'correlate/src/index.js'));
  const rec = new CaptureRecord();
  const p = new DecodedPacket();
  let packets = 0;
  let sink = 0;
  const started = begin();
  for (const file of files) {
    const adapter = new DecodeAdapter();
    for await (const batch of readCaptureFile(file)) {
      for (let i = 0; i < batch.count; i++) {
        decodePacket(batch.record(i, rec), p);
        if (mode === '--child-adapt') sink += adapter.adapt(p).src.length;
        else sink += p.dstPort + p.payloadHash;
      }
      packets += batch.count;
    }
  }
  report({ packets, sink: sink % 1000 }, started);
} else if (mode === '--child-correlate') {
  const { correlateAsync, fileSource } = await import(join(dist, 'correlate/src/index.js'));
  const started = begin();
  // Flows are handed over as they finish, as the worker persists them: memory stays bounded.
  let translations = 0;
  const result = await correlateAsync(
    files.map((file, i) => ({ point: { id: CAPTURES[i].file, ...CAPTURES[i] }, packets: fileSource(file) })),
    { onFlow: (flow) => (translations += flow.translations.length) },
  );
  const packets = result.captures.reduce((n, c) => n + c.packets, 0);
  report(
    {
      packets,
      flows: result.flowCount,
      translations,
      hops: result.hops,
      ambiguous: result.ambiguousPairings,
      conflicts: result.conflicts,
      offsets: result.clockOffsets.map((o) => `${o.capture}: ${o.offsetNs} ± ${o.spreadNs} ns`),
    },
    started,
  );
} else {
  await main();
}

function report(fields, started) {
  const cpu = process.cpuUsage(started.cpu);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const wall = Number(process.hrtime.bigint() - started.wall) / 1e9;
  console.log(JSON.stringify({ ...fields, seconds, wall, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function main() {
  const target = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3_000_000);
  if (!existsSync(join(dist, 'correlate/src/index.js'))) throw new Error('run `npm run build` first');
  mkdirSync(OUT, { recursive: true });
  const templates = await Promise.all(CAPTURES.map((c) => readTemplate(join(fixture, c.file))));
  const perReplay = templates.reduce((n, t) => n + t.length, 0);
  const replays = Math.ceil(target / perReplay);
  const paths = [];
  for (let i = 0; i < CAPTURES.length; i++) {
    const path = replayPath(replays, CAPTURES[i]);
    if (!existsSync(path)) await writeReplays(path, templates[i], replays);
    paths.push(path);
  }
  const counts = templates.map((t) => t.length * replays);
  const total = counts.reduce((a, b) => a + b, 0);
  console.log(
    `captures (${replays} replays of the multinode-vxlan fixture, ${REPLAY_PERIOD_NS / 1e6} ms apart):`,
  );
  paths.forEach((p, i) => console.log(`  ${p}: ${counts[i].toLocaleString('en')} packets`));
  console.log(`  total ${total.toLocaleString('en')} packets; node ${process.version}\n`);

  const run = (m) => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), m, ...paths], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`${m} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  };
  const decode = run('--child-decode');
  const adapt = run('--child-adapt');
  const correlate = run('--child-correlate');
  const rate = (packets, seconds) => `${(packets / seconds / 1e6).toFixed(2)} M packets/s`;
  const only = correlate.seconds - adapt.seconds;
  const line = (name, r, extra = '') =>
    console.log(
      `${name.padEnd(28)} ${r.seconds.toFixed(2).padStart(6)} s CPU  ${rate(total, r.seconds).padStart(18)}  peak RSS ${r.maxRssMb.toFixed(0).padStart(4)} MB${extra}`,
    );
  line('decode (capture + decode)', decode);
  line('decode + adapt', adapt);
  line('correlate (whole pipeline)', correlate);
  console.log(
    `${'correlation alone'.padEnd(28)} ${only.toFixed(2).padStart(6)} s CPU  ${rate(total, only).padStart(18)}`,
  );
  console.log(
    `\nratios: correlation alone / decode = ${(decode.seconds / only).toFixed(2)}x the rate` +
      ` (costs ${((only / decode.seconds) * 100).toFixed(0)}% of decoding);` +
      ` whole pipeline = ${(decode.seconds / correlate.seconds).toFixed(2)}x the decode rate`,
  );
  console.log(
    `result: ${correlate.flows.toLocaleString('en')} flows, ${correlate.translations.toLocaleString('en')} translations, ` +
      `${correlate.hops.toLocaleString('en')} hops, ` +
      `${correlate.ambiguous} ambiguous, ${correlate.conflicts} conflicts; ${correlate.offsets.join('; ')}`,
  );
  if (process.argv.includes('--instructions')) countInstructions(paths);
}

/** Each child's instruction count (cachegrind's I refs), in billions. */
function countInstructions(paths) {
  const count = (mode) => {
    const r = spawnSync(
      'valgrind',
      [
        '--tool=cachegrind',
        '--cache-sim=no',
        '--cachegrind-out-file=/dev/null',
        process.execPath,
        '--single-threaded',
        fileURLToPath(import.meta.url),
        mode,
        ...paths,
      ],
      { encoding: 'utf8' },
    );
    const refs = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? '');
    if (r.error || r.status !== 0 || !refs)
      throw new Error(`valgrind ${mode} failed (is valgrind installed?): ${r.error ?? r.stderr.slice(-500)}`);
    return Number(refs[1].replaceAll(',', '')) / 1e9;
  };
  const decode = count('--child-decode');
  const adapt = count('--child-adapt');
  const correlate = count('--child-correlate');
  const g = (x) => `${x.toFixed(2)} G`;
  console.log(
    `\ninstructions: decode ${g(decode)}, decode + adapt ${g(adapt)}, correlate ${g(correlate)}; ` +
      `correlation alone ${g(correlate - adapt)} = ${((correlate - adapt) / decode).toFixed(2)}x decoding`,
  );
}

/** The fixture's records: timestamp (ns) and bytes. */
async function readTemplate(path) {
  const { readCaptureFile, CaptureRecord } = await import(join(dist, 'capture/src/index.js'));
  const rec = new CaptureRecord();
  const records = [];
  for await (const batch of readCaptureFile(path)) {
    for (let i = 0; i < batch.count; i++) {
      batch.record(i, rec);
      // Relative to a common origin, so the captures keep their alignment and node 02 its skew.
      records.push({ t: (rec.tsSec - FIXTURE_ORIGIN_SEC) * 1e9 + rec.tsNsec, bytes: rec.bytes().slice() });
    }
  }
  return records;
}

/** Writes `replays` copies of the template interleaved in time, each with its own identity. */
async function writeReplays(path, template, replays) {
  const n = template.length * replays;
  const times = new Float64Array(n);
  const order = new Uint32Array(n);
  for (let k = 0; k < replays; k++)
    for (let i = 0; i < template.length; i++)
      times[k * template.length + i] = template[i].t + k * REPLAY_PERIOD_NS;
  for (let j = 0; j < n; j++) order[j] = j;
  order.sort((a, b) => times[a] - times[b] || a - b);
  const stream = createWriteStream(path);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b23c4d, 0); // nanosecond pcap
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(276, 20); // LINUX_SLL2
  stream.write(header);
  const base = 1_800_000_000;
  let chunk = [];
  for (const j of order) {
    const k = Math.floor(j / template.length);
    const r = template[j % template.length];
    const bytes = Buffer.from(r.bytes);
    rewrite(bytes, k);
    const t = times[j];
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(base + Math.floor(t / 1e9), 0);
    rec.writeUInt32LE(Math.round(t % 1e9), 4);
    rec.writeUInt32LE(bytes.length, 8);
    rec.writeUInt32LE(bytes.length, 12);
    chunk.push(rec, bytes);
    if (chunk.length >= 8192) {
      if (!stream.write(Buffer.concat(chunk))) await new Promise((ok) => stream.once('drain', ok));
      chunk = [];
    }
  }
  stream.write(Buffer.concat(chunk));
  await new Promise((ok) => stream.end(ok));
}

/** Replay k: another client address, IP IDs and sequence numbers; VXLAN inner packets too. */
function rewrite(b, k) {
  if (b.readUInt16BE(0) !== 0x0800) return; // SLL2 protocol: IPv4 only (ARP stays as is)
  rewriteIp(b, 20, k);
  const ihl = (b[20] & 15) * 4;
  if (b[29] === 17 && b.length > 20 + ihl + 8 + 8 + 14 + 20 && b.readUInt16BE(20 + ihl + 2) === 8472)
    rewriteIp(b, 20 + ihl + 8 + 8 + 14, k);
}

function rewriteIp(b, o, k) {
  const client = [10, 200 + ((k >> 16) & 31), (k >> 8) & 255, k & 255];
  for (const at of [o + 12, o + 16])
    if (CLIENT.every((v, i) => b[at + i] === v)) client.forEach((v, i) => (b[at + i] = v));
  b.writeUInt16BE((b.readUInt16BE(o + 4) + k) & 0xffff, o + 4);
  const ihl = (b[o] & 15) * 4;
  if (b[o + 9] === 6 && b.length >= o + ihl + 12) {
    const delta = Math.imul(k, 2654435761) >>> 0;
    b.writeUInt32BE((b.readUInt32BE(o + ihl + 4) + delta) >>> 0, o + ihl + 4);
    b.writeUInt32BE((b.readUInt32BE(o + ihl + 8) + delta) >>> 0, o + ihl + 8);
  }
}
