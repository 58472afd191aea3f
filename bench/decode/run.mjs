// bench/decode: how fast libs/capture + libs/decode read and decode a large capture, against
// pcap-parser, tcpdump and tshark. Run after `npm run build`:
//
//   node bench/decode/run.mjs [packets=1000000] [--big]
//
// It writes bench/out/decode-<n>.pcap (mixed TCP/UDP, IPv4/IPv6, 802.1Q, VXLAN; ~100-byte
// packets, ~1000 flows; classic microsecond pcap so that pcap-parser can read it too), runs every reader in
// its own child process (so each peak RSS is its own), and prints packets/s and ratios. --big
// also builds a ~1 GB file and reports read+decode peak RSS on it.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(root, 'dist', 'libs');

// ---------------------------------------------------------------------------------------------
// Child modes: one reader per process.
const [mode, file] = process.argv.slice(2);
const begin = () => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });
// Each child reads the file twice in one process and reports both passes: the first pays for
// compiling the hot loop (a fixed cost, large on a file this small), the second is the rate a
// long capture runs at.
if (mode === '--child-read' || mode === '--child-decode') {
  const { readCaptureFile } = await import(join(dist, 'capture/src/index.js'));
  const { decodeRecordAt, DecodedPacket } = await import(join(dist, 'decode/src/index.js'));
  const p = new DecodedPacket();
  const decode = mode === '--child-decode';
  const passes = [];
  for (let pass = 0; pass < 2; pass++) {
    let packets = 0;
    let sink = 0;
    const started = begin();
    for await (const batch of readCaptureFile(file)) {
      if (decode) {
        for (let i = 0; i < batch.count; i++) {
          decodeRecordAt(batch, i, p);
          sink += p.dstPort + p.payloadHash + p.tcpSeq;
        }
      } else {
        for (let i = 0; i < batch.count; i++) sink += batch.caplen[i];
      }
      packets += batch.count;
    }
    passes.push(measure(packets, started, sink));
  }
  console.log(JSON.stringify(passes));
} else if (mode === '--child-pcap-parser') {
  const pcapParser = createRequire(import.meta.url)('pcap-parser');
  const passes = [];
  const pass = () =>
    new Promise((resolve) => {
      let packets = 0;
      const started = begin();
      const parser = pcapParser.parse(createReadStream(file, { highWaterMark: 1 << 20 }));
      parser.on('packet', () => packets++);
      parser.on('end', () => resolve(measure(packets, started, 0)));
    });
  passes.push(await pass(), await pass());
  console.log(JSON.stringify(passes));
} else {
  await main();
}

function measure(packets, started, sink) {
  const wall = Number(process.hrtime.bigint() - started.wall) / 1e9;
  // CPU time of this process: on a shared machine, wall time measures the neighbours too.
  const cpu = process.cpuUsage(started.cpu);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  return { packets, seconds, wall, maxRssMb, sink: sink % 1000 };
}

// ---------------------------------------------------------------------------------------------
// Orchestration.
async function main() {
  const args = process.argv.slice(2);
  const count = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const big = args.includes('--big');
  if (!existsSync(join(dist, 'decode/src/index.js'))) throw new Error('run `npm run build` first');
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  const path = join(root, 'bench', 'out', `decode-${count}.pcap`);
  const mix = await generate(path, count);
  const size = statSync(path).size;
  console.log(`capture: ${path}`);
  console.log(`  ${count.toLocaleString('en')} packets, ${(size / 1e6).toFixed(1)} MB, mix: ${mix}`);
  console.log(
    `  node ${process.version}, ${spawnSync('nproc').stdout?.toString().trim() ?? '?'} CPUs, one core used by each reader\n`,
  );

  const rows = [];
  const child = (flag) => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), flag, path], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  const fastest = (runs) => runs.sort((a, b) => a.seconds - b.seconds)[0];
  // Warm the page cache so every reader starts equal.
  spawnSync('cat', [path], { stdio: ['ignore', 'ignore', 'ignore'] });
  for (const [name, flag] of [
    ['natlens read only', '--child-read'],
    ['natlens read + decode', '--child-decode'],
    ['pcap-parser 0.2.1', '--child-pcap-parser'],
  ]) {
    // Best of three processes (the machine is shared); first and second pass kept apart.
    const runs = [child(flag), child(flag), child(flag)];
    const cold = fastest(runs.map((r) => r[0]));
    const warm = fastest(runs.map((r) => r[1]));
    if (warm.packets !== count) throw new Error(`${name} read ${warm.packets} packets, expected ${count}`);
    rows.push({ name, seconds: warm.seconds, wall: warm.wall, cold: cold.seconds, rss: warm.maxRssMb });
  }
  for (const [name, cmd, argv] of [
    ['tcpdump -nn -r FILE', 'tcpdump', ['-nn', '-r', path]],
    ['tshark -T fields -e frame.number', 'tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number']],
  ]) {
    if (spawnSync('which', [cmd]).status !== 0) {
      rows.push({ name, missing: true });
      continue;
    }
    // GNU time: user + system CPU seconds, wall seconds, peak RSS in KB.
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e %M', cmd, ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const [user, sys, wall, rssKb] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
    rows.push({ name, seconds: user + sys, wall, rss: rssKb / 1024 });
  }

  const decode = rows[1];
  const load = (await import('node:os')).loadavg()[0].toFixed(1);
  console.log(
    `load average during the run: ${load}. packets/s: per CPU-second of the reader, second pass over the\n` +
      'file in the same process (JIT warm); "1st pass" is the first one, compiling included. tcpdump and\n' +
      'tshark: one run, CPU and peak RSS from GNU time.\n',
  );
  console.log(
    'reader                             packets/s   CPU s  wall s  1st pass  peak RSS  natlens read+decode is',
  );
  for (const r of rows) {
    if (r.missing) {
      console.log(`${r.name.padEnd(34)} (not installed)`);
      continue;
    }
    const rate = count / r.seconds;
    const ratio =
      r === decode
        ? ''
        : `${(r.seconds / decode.seconds).toFixed(2)}x ${r.seconds > decode.seconds ? 'faster' : 'the speed'}`;
    console.log(
      `${r.name.padEnd(33)} ${(rate / 1e6).toFixed(2).padStart(6)} M/s ${r.seconds.toFixed(2).padStart(6)} ${r.wall.toFixed(2).padStart(6)} ${r.cold === undefined ? '        ' : `${(count / r.cold / 1e6).toFixed(2).padStart(4)} M/s`} ${r.rss.toFixed(0).padStart(6)} MB  ${ratio}`,
    );
  }
  const rate = count / decode.seconds;
  console.log(
    `\ntarget read + decode >= 5 M packets/s on one core: ${rate >= 5e6 ? 'met' : 'NOT met'} (${(rate / 1e6).toFixed(2)} M/s)`,
  );

  if (big) {
    const bigPath = join(root, 'bench', 'out', 'decode-1gb.pcap');
    const n = Math.ceil(1e9 / (size / count));
    if (!existsSync(bigPath) || statSync(bigPath).size < 1e9) await generate(bigPath, n);
    const r = child_big(bigPath)[0];
    console.log(
      `1 GB file (${(statSync(bigPath).size / 1e9).toFixed(2)} GB, ${r.packets.toLocaleString('en')} packets): read + decode ${(r.packets / r.seconds / 1e6).toFixed(2)} M/s per CPU-second (${r.wall.toFixed(1)} s wall), peak RSS ${r.maxRssMb.toFixed(0)} MB (target < 150 MB: ${r.maxRssMb < 150 ? 'met' : 'NOT met'})`,
    );
  }

  // One pass over ~8 M packets: warm-up is a small part of it.
  function child_big(p) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child-decode', p], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  }
}

// ---------------------------------------------------------------------------------------------
// A deterministic synthetic capture.
async function generate(path, count) {
  const out = createWriteStream(path, { highWaterMark: 4 << 20 });
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  out.write(header);
  let seed = 12345;
  const rand = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const kinds = { tcp4: 0, tcp6: 0, udp4: 0, udp6: 0, 'vlan-tcp4': 0, 'vxlan-tcp4': 0 };
  let chunk = Buffer.alloc(8 << 20);
  let at = 0;
  let sec = 1_795_759_897;
  let usec = 0;
  for (let i = 0; i < count; i++) {
    const r = rand(100);
    const kind =
      r < 40
        ? 'tcp4'
        : r < 60
          ? 'tcp6'
          : r < 80
            ? 'udp4'
            : r < 85
              ? 'udp6'
              : r < 95
                ? 'vlan-tcp4'
                : 'vxlan-tcp4';
    kinds[kind]++;
    const payload = rand(5) === 0 ? 0 : 20 + rand(60);
    const frame = build(kind, payload, i, rand);
    if (at + 16 + frame.length > chunk.length) {
      await write(out, chunk.subarray(0, at));
      chunk = Buffer.alloc(8 << 20);
      at = 0;
    }
    usec += 1 + rand(50);
    if (usec >= 1_000_000) {
      sec++;
      usec -= 1_000_000;
    }
    chunk.writeUInt32LE(sec, at);
    chunk.writeUInt32LE(usec, at + 4);
    chunk.writeUInt32LE(frame.length, at + 8);
    chunk.writeUInt32LE(frame.length, at + 12);
    frame.copy(chunk, at + 16);
    at += 16 + frame.length;
  }
  await write(out, chunk.subarray(0, at));
  await new Promise((resolve) => out.end(resolve));
  return Object.entries(kinds)
    .map(([k, v]) => `${k} ${((100 * v) / count).toFixed(0)}%`)
    .join(', ');
}

function write(out, buf) {
  return out.write(buf) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve));
}

function build(kind, payloadLen, i, rand) {
  const payload = Buffer.alloc(payloadLen, i & 0xff);
  // About a thousand concurrent flows: a fresh flow per packet would make tcpdump's
  // relative-sequence table degrade quadratically and misrepresent it.
  const sport = 1024 + ((rand(1000) * 37) % 60000);
  const l4 = (tcp) => {
    if (tcp) {
      const h = Buffer.alloc(32);
      h.writeUInt16BE(sport, 0);
      h.writeUInt16BE(80, 2);
      h.writeUInt32BE((i * 7919) >>> 0, 4);
      h.writeUInt32BE((i * 104729) >>> 0, 8);
      h[12] = 8 << 4;
      h[13] = 0x18;
      h.writeUInt16BE(501, 14);
      h.set([1, 1, 8, 10], 20); // nop, nop, timestamps
      h.writeUInt32BE(i, 24);
      h.writeUInt32BE(Math.max(0, i - 1), 28);
      return Buffer.concat([h, payload]);
    }
    const h = Buffer.alloc(8);
    h.writeUInt16BE(sport, 0);
    h.writeUInt16BE(53, 2);
    h.writeUInt16BE(8 + payload.length, 4);
    return Buffer.concat([h, payload]);
  };
  const ip4 = (proto, body, src = 0x0ae94200 | (i & 0xff), dst = 0x0ae90901) => {
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h.writeUInt16BE(20 + body.length, 2);
    h.writeUInt16BE(i & 0xffff, 4);
    h[6] = 0x40;
    h[8] = 64;
    h[9] = proto;
    h.writeUInt32BE(src >>> 0, 12);
    h.writeUInt32BE(dst >>> 0, 16);
    return Buffer.concat([h, body]);
  };
  const ip6 = (proto, body) => {
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000 | (i & 0xfffff), 0);
    h.writeUInt16BE(body.length, 4);
    h[6] = proto;
    h[7] = 64;
    h.writeUInt32BE(0xfd000000, 8);
    h.writeUInt32BE(i, 20);
    h.writeUInt32BE(0xfd000000, 24);
    h[39] = 1;
    return Buffer.concat([h, body]);
  };
  const eth = (type, body) => {
    const h = Buffer.alloc(14);
    h.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
    h.writeUInt16BE(type, 12);
    return Buffer.concat([h, body]);
  };
  switch (kind) {
    case 'tcp4':
      return eth(0x0800, ip4(6, l4(true)));
    case 'tcp6':
      return eth(0x86dd, ip6(6, l4(true)));
    case 'udp4':
      return eth(0x0800, ip4(17, l4(false)));
    case 'udp6':
      return eth(0x86dd, ip6(17, l4(false)));
    case 'vlan-tcp4':
      return eth(0x8100, Buffer.concat([Buffer.from([0, 100, 8, 0]), ip4(6, l4(true))]));
    default: {
      const inner = eth(0x0800, ip4(6, l4(true)));
      const vx = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 1, 0]), inner]);
      const udp = Buffer.alloc(8);
      udp.writeUInt16BE(40000 + (i & 0xfff), 0);
      udp.writeUInt16BE(4789, 2);
      udp.writeUInt16BE(8 + vx.length, 4);
      return eth(0x0800, ip4(17, Buffer.concat([udp, vx]), 0xc0a8380b, 0xc0a8380c));
    }
  }
}
