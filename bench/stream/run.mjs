// bench/stream: whether `natlens analyze` runs in bounded memory, and how fast it is next to
// tshark and tcpdump reading the same captures, in the same run. Run after `npm run build`:
//
//   node bench/stream/run.mjs [connections...] [--no-reference] [--keep]
//
// (default connections: 25000 100000 250000). For each N, ../shared/bench/gen_nat.py writes
// bench/out/gen-<N>/{client,node,backend}.pcap and truth.json (reused when all four exist): N
// TCP connections from client pods to a ClusterIP, DNATed by kube-proxy round robin to three
// backends, 10 packets each, seen at the client, twice on the node (before and after DNAT) and at
// the backend: 40 packets per connection. Then it measures
//   natlens    `natlens analyze` over the three captures, --format json --out <dir>/report.json,
//              under /usr/bin/time -v: wall clock and peak RSS of the whole CLI process
//   tshark     `tshark -r F -q -z conv,tcp` over each capture in turn (wall clock, output discarded)
//   tcpdump    `tcpdump -nn -r F` over each capture in turn (wall clock, output discarded)
// and prints natlens' wall clock as a ratio of each reference's (below 1: natlens is faster).
// --no-reference skips tshark and tcpdump; a reference that is not installed is skipped.
//
// The report is checked against truth.json without loading it whole (at 250000 connections it is
// about 1 GB, more than V8's longest string): the "flows" array holds one flow per line, so it is
// read line by line and every flow line parsed on its own; each flow whose client is in the truth
// must name the truth's backend. The rest of the document (small) is parsed once, with each run of
// flow lines replaced by a placeholder, so the whole report is known to be valid JSON and every
// flow counted to sit in "flows" (a pretty-printed report, with no flow on a line of its own, is
// parsed whole while under 256 MB, and the check says so). The report is deleted afterwards
// unless --keep.
//
// Bounded memory: peak RSS should not grow with N; the summary prints max/min peak RSS over the N
// values and whether it is within 15 %. It exits non-zero if natlens fails (an exit code other
// than 0, or 1 = findings of severity error), the report is not valid JSON, or a backend is wrong
// or missing; not when RSS is not flat.
//
//   node bench/stream/run.mjs --check REPORT.json TRUTH.json
//
// only checks an existing report against a truth file.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const shared = join(root, '..', 'shared');
const generator = join(shared, 'bench', 'gen_nat.py');
const CAPTURES = ['client', 'node', 'backend'];
const DEFAULT_CONNECTIONS = [25_000, 100_000, 250_000];
/** The rest of the report (all but the flow lines) is parsed as one string up to this length. */
const SKELETON_MAX_CHARS = 256 << 20;
/** Stands in for a run of flow lines in the rest of the report; no report key looks like it. */
const RUN_KEY = '\u0000bench-stream-run';

const args = process.argv.slice(2);
if (args[0] === '--check') {
  if (args.length !== 3) usage('--check needs REPORT.json TRUTH.json');
  const check = await checkReport(args[1], loadTruth(args[2]));
  printCheck(check);
  process.exitCode = checkFailed(check) ? 1 : 0;
} else {
  await main();
}

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node bench/stream/run.mjs [connections...] [--no-reference] [--keep]\n` +
      '       node bench/stream/run.mjs --check REPORT.json TRUTH.json\n',
  );
  process.exit(2);
}

async function main() {
  const counts = [];
  let reference = true;
  let keep = false;
  for (const a of args) {
    if (a === '--no-reference') reference = false;
    else if (a === '--keep') keep = true;
    else if (/^\d[\d_]*$/.test(a) && Number(a.replaceAll('_', '')) > 0)
      counts.push(Number(a.replaceAll('_', '')));
    else usage(`unknown argument '${a}'`);
  }
  if (!counts.length) counts.push(...DEFAULT_CONNECTIONS);
  if (!existsSync(join(root, 'dist', 'apps', 'cli', 'src', 'main.js'))) {
    process.stderr.write('bench/stream: run `npm run build` first\n');
    process.exit(2);
  }
  if (!existsSync(generator)) {
    process.stderr.write(`bench/stream: ${generator} is missing\n`);
    process.exit(2);
  }
  if (!existsSync('/usr/bin/time')) {
    process.stderr.write('bench/stream: /usr/bin/time is missing (apt-get install time)\n');
    process.exit(2);
  }
  const tools = reference
    ? { tshark: available('tshark', ['-v']), tcpdump: available('tcpdump', ['--version']) }
    : {};
  for (const [tool, ok] of Object.entries(tools))
    if (!ok) console.log(`${tool} is not installed: no ${tool} ratio`);
  console.log(
    `node ${process.version}; connections ${counts.join(', ')}${reference ? '' : '; no reference tools'}\n`,
  );

  const rows = [];
  for (const n of counts) rows.push(await runOne(n, { tools, keep })); // one after another, never overlapping
  summary(rows);
  if (rows.some((r) => r.failed)) process.exitCode = 1;
}

/** One N: captures, natlens analyze, the check, the references. */
async function runOne(n, { tools, keep }) {
  const dir = join(root, 'bench', 'out', `gen-${n}`);
  const rel = relative(root, dir);
  const files = CAPTURES.map((c) => join(dir, `${c}.pcap`));
  const truthPath = join(dir, 'truth.json');
  const row = { n, failed: false, problems: [] };
  if (![...files, truthPath].every(existsSync)) {
    mkdirSync(dir, { recursive: true });
    process.stdout.write(`N=${n}: generating captures in ${rel} ... `);
    const t0 = process.hrtime.bigint();
    const g = spawnSync('python3', [generator, dir, String(n)], {
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    if (g.error || g.status !== 0) {
      console.log('failed');
      process.stderr.write(`${g.error ?? tail(g.stderr)}\n`);
      return { ...row, failed: true, problems: ['gen_nat.py failed'] };
    }
    console.log(`${seconds(t0).toFixed(1)} s`);
  }
  const truth = loadTruth(truthPath);

  // natlens analyze under /usr/bin/time -v; the report from an earlier run must not be checked.
  const reportPath = join(dir, 'report.json');
  rmSync(reportPath, { force: true });
  const r = spawnSync(
    '/usr/bin/time',
    [
      '-v',
      process.execPath,
      'bin/natlens.js',
      'analyze',
      ...CAPTURES.flatMap((c) => ['--capture', `${c}:${c}:${join(rel, `${c}.pcap`)}`]),
      '--format',
      'json',
      '--out',
      join(rel, 'report.json'),
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 << 20 },
  );
  const timed = parseTime(r.stderr ?? '');
  row.exit = r.status;
  row.wall = timed.wall;
  row.rssMb = timed.rssKb === null ? null : timed.rssKb / 1024;
  if (r.error || (r.status !== 0 && r.status !== 1) || timed.wall === null) {
    row.failed = true;
    row.problems.push(`natlens analyze exited ${r.status ?? r.signal ?? r.error}`);
    process.stderr.write(
      `N=${n}: natlens analyze failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}):\n` +
        `${tail(timed.own)}\n`,
    );
  } else if (!existsSync(reportPath)) {
    row.failed = true;
    row.problems.push('no report written');
  } else {
    row.check = await checkReport(reportPath, truth);
    row.packets = row.check.packets;
    if (checkFailed(row.check)) {
      row.failed = true;
      row.problems.push('report check failed');
    }
  }
  if (!keep) rmSync(reportPath, { force: true });

  if (tools.tshark) row.tshark = timeReference('tshark', files, (f) => ['-r', f, '-q', '-z', 'conv,tcp']);
  if (tools.tcpdump) row.tcpdump = timeReference('tcpdump', files, (f) => ['-nn', '-r', f]);

  printRow(row, tools);
  return row;
}

/** True when `tool` runs at all. */
function available(tool, versionArgs) {
  const r = spawnSync(tool, versionArgs, { stdio: 'ignore' });
  return !r.error;
}

/** Wall clock of `tool` over the files one after another, output discarded; null when it fails. */
function timeReference(tool, files, argsOf) {
  const t0 = process.hrtime.bigint();
  for (const f of files) {
    const r = spawnSync(tool, argsOf(f), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
    if (r.error || r.status !== 0) {
      process.stderr.write(
        `${tool} failed on ${relative(root, f)} (exit ${r.status ?? r.signal}): ` +
          `${r.error?.message ?? tail(String(r.stderr ?? ''), 5)}\n`,
      );
      return { wall: null };
    }
  }
  return { wall: seconds(t0) };
}

function seconds(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** /usr/bin/time -v's report, and what the command itself wrote to stderr before it. */
function parseTime(stderr) {
  const at = stderr.search(
    /(^|\n)(Command exited with non-zero status \d+\n|Command terminated by signal \d+\n)?\tCommand being timed:/,
  );
  const own = at < 0 ? stderr : stderr.slice(0, at);
  const timeText = at < 0 ? '' : stderr.slice(at);
  const wallText = /Elapsed \(wall clock\) time(?: \([^)]*\))?: *([\d:.]+)/.exec(timeText)?.[1];
  const rss = /Maximum resident set size \(kbytes\): *(\d+)/.exec(timeText)?.[1];
  const wall = wallText ? wallText.split(':').reduce((acc, part) => acc * 60 + Number(part), 0) : null;
  return { own, wall: Number.isFinite(wall) ? wall : null, rssKb: rss ? Number(rss) : null };
}

function tail(text, lines = 20) {
  return String(text ?? '')
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .join('\n');
}

function loadTruth(path) {
  return new Map(Object.entries(JSON.parse(readFileSync(path, 'utf8'))));
}

/**
 * Streams the report. A flow line is a line inside the top-level "flows" array that starts with
 * `{"id":` (maybe indented) and ends with `}` or `},`: it is parsed on its own and checked against the
 * truth. Every other line goes through a small streaming scanner (brackets, strings, keys: it knows
 * when the top-level "flows" array is open) into a skeleton, where each run of flow lines becomes
 * `{"<RUN_KEY>":i}`. The skeleton is parsed once at the end: the document is valid JSON exactly when
 * the skeleton is (each flow line was valid on its own). A report with no flow on a line of its own
 * (pretty-printed) still checks when small enough: its skeleton is the whole document.
 */
async function checkReport(path, truth) {
  const stats = { flows: 0, matched: 0, wrong: 0, other: 0 };
  const seen = new Map(); // truth client -> all its flows name the truth's backend
  const wrongExamples = [];
  const problems = [];
  let skeleton = [];
  let skeletonChars = 0;
  let skeletonDropped = false;
  let runs = 0;
  let run = null; // the run of flow lines being read: { comma } of its last line
  let firstChar = null;
  let lastChar = null;
  let lineNo = 0;
  const scan = structureScanner();

  const addSkeleton = (text) => {
    scan.feed(text);
    if (skeletonDropped) return;
    skeletonChars += text.length + 1;
    if (skeletonChars > SKELETON_MAX_CHARS) {
      skeletonDropped = true;
      skeleton = [];
    } else skeleton.push(text);
  };
  const closeRun = () => {
    if (!run) return;
    addSkeleton(`{${JSON.stringify(RUN_KEY)}:${runs - 1}}${run.comma ? ',' : ''}`);
    run = null;
  };
  const checkFlow = (flow) => {
    stats.flows++;
    const client = flow?.client;
    const want = typeof client === 'string' ? truth.get(client) : undefined;
    if (want === undefined) {
      stats.other++;
      return;
    }
    const ok = flow.backend === want;
    if (ok) stats.matched++;
    else {
      stats.wrong++;
      if (wrongExamples.length < 3) wrongExamples.push(`${client} -> ${flow.backend}, want ${want}`);
    }
    seen.set(client, ok && (seen.get(client) ?? true));
  };

  const lines = createInterface({
    input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    lineNo++;
    const start = line.search(/\S/);
    if (start < 0) continue; // blank: neither ends a run nor matters to the JSON
    if (firstChar === null) firstChar = line[start];
    const trimmed = line.trimEnd();
    lastChar = trimmed[trimmed.length - 1];
    let flow;
    let comma = false;
    if (
      line.startsWith('{"id":', start) &&
      (trimmed.endsWith('}') || trimmed.endsWith('},')) &&
      scan.inTopLevelArray('flows')
    ) {
      comma = trimmed.endsWith(',');
      try {
        flow = JSON.parse(trimmed.slice(start, comma ? -1 : undefined));
      } catch {
        flow = undefined; // not a flow after all: the skeleton's parse says what is wrong
      }
    }
    if (flow === undefined || flow === null || typeof flow !== 'object' || Array.isArray(flow)) {
      closeRun();
      addSkeleton(line);
      continue;
    }
    if (!run) {
      run = { comma: false };
      runs++;
    } else if (!run.comma && problems.length < 10) {
      problems.push(`line ${lineNo}: the flow line before it has no trailing comma`);
    }
    run.comma = comma;
    checkFlow(flow);
  }
  closeRun();

  let packets = null;
  let parsedWhole = 0; // flows found as objects in the skeleton (a report not one flow per line)
  if (firstChar !== '{') problems.push(`the report starts with '${firstChar ?? '(nothing)'}', not '{'`);
  if (lastChar !== '}') problems.push(`the report ends with '${lastChar ?? '(nothing)'}', not '}'`);
  if (!skeletonDropped) {
    let doc;
    try {
      doc = JSON.parse(skeleton.join('\n'));
    } catch (error) {
      problems.push(`not valid JSON: ${error.message.replace(/\s+/g, ' ')}`);
    }
    skeleton = [];
    if (doc !== undefined) {
      if (!Array.isArray(doc?.flows)) problems.push('no top-level "flows" array');
      else {
        let placeholders = 0;
        for (const item of doc.flows) {
          if (item && typeof item === 'object' && RUN_KEY in item) placeholders++;
          else {
            parsedWhole++;
            checkFlow(item);
          }
        }
        if (placeholders !== runs) problems.push(`${runs - placeholders} runs of flow lines not in "flows"`);
      }
      const captures = doc?.analysis?.captures;
      if (Array.isArray(captures)) packets = captures.reduce((sum, c) => sum + (Number(c?.packets) || 0), 0);
    }
  } else if (scan.error()) {
    problems.push(`not valid JSON: ${scan.error()}`); // too large to parse: brackets and strings at least
  }

  let right = 0;
  for (const ok of seen.values()) if (ok) right++;
  return {
    ...stats,
    truth: truth.size,
    right,
    wrongConnections: seen.size - right,
    missing: truth.size - seen.size,
    wrongExamples,
    packets,
    valid: problems.length === 0,
    problems,
    form: parsedWhole
      ? `not one flow per line: ${parsedWhole} flows parsed from the whole document`
      : runs
        ? 'one flow per line'
        : 'no flow lines found',
    skeleton: skeletonDropped ? 'too large to parse; brackets checked' : 'parsed',
  };
}

/**
 * A streaming scan of JSON text that tracks brackets outside strings and the key each container
 * sits under: enough to know when the top-level object's "flows" array is open, and to say whether
 * the brackets balance (and no comma trails) when the skeleton is too large to parse. JSON strings
 * cannot span lines.
 */
function structureScanner() {
  const stack = []; // { close: '}' or ']' char code, key: last key read (objects), at: key in the parent }
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastString = null;
  let previous = 0; // the last character outside strings but whitespace (34 for a string)
  let error = null;
  let values = 0;
  return {
    feed(text) {
      if (error) return;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92)
            escaped = true; // backslash
          else if (c === 34) {
            inString = false;
            lastString = text.slice(stringStart, i);
            previous = 34;
          }
          continue;
        }
        if (c === 32 || c === 9 || c === 10 || c === 13) continue;
        if (c === 34) {
          inString = true;
          stringStart = i + 1;
        } else if (c === 58) {
          const top = stack[stack.length - 1]; // ':' after a key
          if (top?.close === 125) top.key = lastString;
        } else if (c === 123 || c === 91) {
          const parent = stack[stack.length - 1];
          if (!parent) values++;
          stack.push({
            close: c === 123 ? 125 : 93,
            key: null,
            at: parent?.close === 125 ? parent.key : null,
          });
        } else if (c === 125 || c === 93) {
          if (previous === 44) error = `a trailing comma before '${String.fromCharCode(c)}'`;
          else if (stack.pop()?.close !== c) error = `unbalanced '${String.fromCharCode(c)}'`;
          if (error) return;
        }
        previous = c;
      }
      if (inString) error = 'a string runs past the end of a line';
    },
    /** Whether the innermost open container is the array `name` of the top-level object. */
    inTopLevelArray(name) {
      return stack.length === 2 && stack[0].close === 125 && stack[1].close === 93 && stack[1].at === name;
    },
    error() {
      if (error) return error;
      if (stack.length) return `${stack.length} brackets never closed`;
      if (values !== 1) return `${values} top-level values`;
      return null;
    },
  };
}

function checkFailed(c) {
  return !c.valid || c.wrong > 0 || c.missing > 0 || c.wrongConnections > 0;
}

function printCheck(c, indent = '') {
  console.log(
    `${indent}report: ${c.flows} flows read, ${c.matched} matched, ${c.wrong} wrong backend, ${c.other} not in the truth; ` +
      `truth ${c.truth} connections: ${c.right} right, ${c.wrongConnections} wrong, ${c.missing} missing; ` +
      `${c.packets ?? '?'} packets; ${c.valid ? 'valid JSON' : 'INVALID'} (${c.form}; skeleton ${c.skeleton})`,
  );
  for (const p of c.problems) console.log(`${indent}  problem: ${p}`);
  for (const w of c.wrongExamples) console.log(`${indent}  wrong backend: ${w}`);
}

function fmt(x, digits = 1) {
  return x === null || x === undefined ? '?' : x.toFixed(digits);
}

/** natlens' wall clock over the reference's. */
function ratio(row, ref) {
  return row.wall && ref?.wall ? row.wall / ref.wall : null;
}

function printRow(row, tools) {
  const parts = [
    `N=${row.n} packets=${row.packets ?? '?'} natlens wall ${fmt(row.wall)} s peak RSS ${fmt(row.rssMb, 0)} MB` +
      (row.exit === 1 ? ' (exit 1: error findings)' : ''),
  ];
  if ('tshark' in tools)
    parts.push(
      tools.tshark
        ? `tshark conv,tcp ${fmt(row.tshark?.wall)} s (ratio ${fmt(ratio(row, row.tshark), 2)})`
        : 'tshark not installed',
    );
  if ('tcpdump' in tools)
    parts.push(
      tools.tcpdump
        ? `tcpdump -nn -r ${fmt(row.tcpdump?.wall)} s (ratio ${fmt(ratio(row, row.tcpdump), 2)})`
        : 'tcpdump not installed',
    );
  parts.push(row.check ? `backends ${row.check.right}/${row.check.truth} right` : 'backends not checked');
  console.log(parts.join(' | '));
  if (row.check) printCheck(row.check, '  ');
  for (const p of row.problems) console.log(`  FAILED: ${p}`);
}

function summary(rows) {
  const header = [
    'N',
    'packets',
    'natlens s',
    'peak RSS MB',
    'exit',
    'tshark s',
    'ratio',
    'tcpdump s',
    'ratio',
    'backends right',
    'result',
  ];
  const table = rows.map((r) => [
    String(r.n),
    String(r.packets ?? '?'),
    fmt(r.wall, 2),
    fmt(r.rssMb, 0),
    String(r.exit ?? '?'),
    r.tshark ? fmt(r.tshark.wall, 2) : '-',
    r.tshark ? fmt(ratio(r, r.tshark), 2) : '-',
    r.tcpdump ? fmt(r.tcpdump.wall, 2) : '-',
    r.tcpdump ? fmt(ratio(r, r.tcpdump), 2) : '-',
    r.check ? `${r.check.right}/${r.check.truth}` : '-',
    r.failed ? 'FAILED' : 'ok',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const print = (cells) => console.log(cells.map((c, i) => c.padStart(widths[i])).join('  '));
  console.log('\nsummary (ratio = natlens wall / reference wall; below 1 natlens is faster)');
  print(header);
  for (const t of table) print(t);
  const rss = rows.filter((r) => r.rssMb !== null && r.rssMb !== undefined);
  if (rss.length) {
    const max = rss.reduce((a, b) => (b.rssMb > a.rssMb ? b : a));
    const min = rss.reduce((a, b) => (b.rssMb < a.rssMb ? b : a));
    const flat = max.rssMb <= 1.15 * min.rssMb;
    console.log(
      `peak RSS flatness: max/min = ${(max.rssMb / min.rssMb).toFixed(2)} ` +
        `(${max.rssMb.toFixed(0)} MB at N=${max.n} / ${min.rssMb.toFixed(0)} MB at N=${min.n}): ` +
        `${flat ? 'within 15 %' : 'NOT within 15 %'}${rss.length < 2 ? ' (one N only)' : ''}`,
    );
  }
}
