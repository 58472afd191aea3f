// `natlens capture`: one command instead of four terminals. Reads the cluster with kubectl, starts
// tcpdump in the client pod, on every node involved and in the backend pods (kubectl debug), runs
// the traffic once all of them listen, stops them, collects each node's state, writes DIR with a
// manifest, and optionally analyses it here (--analyze) or on the server (--upload).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubectlError } from '../capture/kubectl.js';
import { Progress } from '../capture/progress.js';
import { CaptureSession } from '../capture/session.js';
import { uploadManifest } from '../capture/upload.js';
import { UsageError } from '../usage-error.js';

const USAGE =
  "usage: natlens capture --namespace NS --client POD --service NAME [--duration 30s] [--run 'CMD']\n" +
  '         [--out DIR] [--image IMAGE] [--kubectl PATH] [--backends N] [--filter EXPR] [--analyze | --upload]';

const HELP = `${USAGE}

Captures a Service's traffic at every capture point at once: in the client pod's network namespace,
with tcpdump -i any on every node involved (the client's and the backends'), and in each backend
pod's network namespace, each through \`kubectl debug\` with the pcap streamed back to DIR. Traffic
(--run) starts only once every capture listens; the captures stop a grace period after it ends, or
after --duration. Then each node's iptables-save, nft, ipvsadm, conntrack and ip addr/route/neigh,
and the cluster's pods, services, EndpointSlices and nodes go to DIR/snapshot.

  --namespace NS        the namespace of the client pod and the Service
  --client POD          the pod that sends the traffic
  --service NAME        the Service under test
  --duration 30s        how long to capture when there is no --run (ms, s, m)
  --run 'CMD'           run CMD here (sh -c) once every capture listens; stop 2s after it ends
  --grace 2s            how long to go on capturing after --run ends
  --out DIR             where to write (default natlens-capture-<time>)
  --image IMAGE         the debug image with tcpdump (default nicolaka/netshoot)
  --kubectl PATH        the kubectl to use (default kubectl)
  --backends N          capture only the first N backend pods (default all)
  --filter EXPR         a tcpdump filter for every capture point
  --start-timeout 120s  how long a capture may take to start listening (image pulls)
  --analyze             analyse DIR here: DIR/report.json and the txt report on stdout
  --upload              upload DIR to NATLENS_URL (NATLENS_TOKEN) and start an analysis

Ctrl-C stops every capture and keeps what was captured; a second Ctrl-C abandons them.
Exit codes: 0 done, 1 a capture point failed or the analysis found errors, 2 bad usage, 3 internal error.`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        namespace: { type: 'string', short: 'n' },
        client: { type: 'string' },
        service: { type: 'string' },
        duration: { type: 'string', default: '30s' },
        run: { type: 'string' },
        grace: { type: 'string', default: '2s' },
        out: { type: 'string' },
        image: { type: 'string', default: 'nicolaka/netshoot' },
        kubectl: { type: 'string', default: process.env.NATLENS_KUBECTL ?? 'kubectl' },
        backends: { type: 'string' },
        filter: { type: 'string', default: '' },
        'start-timeout': { type: 'string', default: '120s' },
        analyze: { type: 'boolean', default: false },
        upload: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  for (const name of ['namespace', 'client', 'service'] as const)
    if (!v[name]) throw new UsageError(`--${name} is required\n${USAGE}`);
  if (v.analyze && v.upload) throw new UsageError(`--analyze and --upload exclude each other\n${USAGE}`);
  let backends: number | null = null;
  if (v.backends !== undefined) {
    backends = Number(v.backends);
    if (!Number.isInteger(backends) || backends < 0)
      throw new UsageError(`--backends must be a whole number, not ${v.backends}`);
  }
  const out = v.out ?? `natlens-capture-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await mkdir(out, { recursive: true });

  const progress = new Progress();
  const session = new CaptureSession(
    {
      kubectl: { path: v.kubectl!, image: v.image! },
      namespace: v.namespace!,
      client: v.client!,
      service: v.service!,
      durationMs: duration(v.duration!, '--duration'),
      run: v.run ?? null,
      graceMs: duration(v.grace!, '--grace'),
      startTimeoutMs: duration(v['start-timeout']!, '--start-timeout'),
      backends,
      filter: v.filter!,
      out,
    },
    progress,
  );

  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) return session.interrupt();
    progress.log('abandoning every capture');
    session.killAll();
    process.exit(130);
  };
  const onExit = () => session.killAll();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  let result;
  try {
    result = await session.run();
  } catch (error) {
    // kubectl could not read the cluster: its own words, not an internal error.
    if (!(error instanceof KubectlError)) throw error;
    progress.log(error.message);
    return 1;
  } finally {
    session.killAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
  const { manifest, failed } = result;
  progress.log(`wrote ${join(out, 'manifest.json')}`);
  if (failed) progress.log(`${failed} capture point(s) failed to start (see manifest.json)`);
  if (interrupts) return 130;
  if (!manifest.captures.some((c) => c.status === 'captured')) return 1;

  let code = failed ? 1 : 0;
  if (v.analyze) {
    const analyze = await import('./analyze.js');
    const report = join(out, 'report.json');
    await analyze.run(['--manifest', out, '--format', 'json', '--out', report]);
    progress.log(`wrote ${report}`);
    code = Math.max(code, await analyze.run(['--manifest', out, '--format', 'txt']));
  } else if (v.upload) {
    const { id, report } = await uploadManifest(out, manifest, (m) => progress.log(m));
    progress.log(`analysis ${id} started`);
    process.stdout.write(`${id}\n${report}\n`);
  }
  return code;
}

/** 30s, 2m, 500ms, or seconds. */
function duration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${option} ${text}: expected a duration such as 30s, 2m or 500ms`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}
