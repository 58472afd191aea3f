// The capture session: every capture point started at once, traffic only once all of them listen,
// all stopped together, then each node's state, then DIR/manifest.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kubeProxyMode, planFromList, type ClusterPlan, type KubeList, type PodRef } from './cluster.js';
import { kubectlGet, type KubectlOptions } from './kubectl.js';
import { MANIFEST, SNAPSHOT_DIR, type Manifest, type ManifestSnapshot } from './manifest.js';
import { snapshotNode } from './node-snapshots.js';
import { human, type Progress } from './progress.js';
import { RemoteCapture } from './remote-capture.js';

export interface SessionOptions {
  kubectl: KubectlOptions;
  namespace: string;
  client: string;
  service: string;
  durationMs: number;
  run: string | null;
  graceMs: number;
  startTimeoutMs: number;
  backends: number | null;
  filter: string;
  out: string;
}

/** Node captures leave out the kubelet's and the API server's streams (the capture's own bytes). */
const NODE_EXCLUDE = 'not (tcp port 10250 or tcp port 6443)';

export class CaptureSession {
  captures: RemoteCapture[] = [];
  private runChild: ChildProcess | null = null;
  private stopEarly: () => void = () => {};
  private stopping = false;
  private interrupted = false;

  constructor(
    private readonly o: SessionOptions,
    private readonly progress: Progress,
  ) {}

  /** First Ctrl-C: stop capturing now and keep what was captured. */
  interrupt(): void {
    if (this.stopping || this.interrupted) return;
    this.interrupted = true;
    this.progress.log('stopping (Ctrl-C again to abandon everything)');
    this.stopEarly();
    if (this.runChild?.pid) signalGroup(this.runChild.pid, 'SIGTERM');
  }

  /** Second Ctrl-C, or natlens exiting: kill whatever still runs. */
  killAll(): void {
    for (const c of this.captures) if (c.running) c.kill();
    if (this.runChild?.pid && this.runChild.exitCode === null) signalGroup(this.runChild.pid, 'SIGKILL');
  }

  async run(): Promise<{ manifest: Manifest; failed: number }> {
    const o = this.o;
    const snapDir = join(o.out, SNAPSHOT_DIR);
    await mkdir(snapDir, { recursive: true });
    const startedAt = new Date();
    const warnings: string[] = [];
    const snapshots: ManifestSnapshot[] = [];
    const k = o.kubectl;

    this.progress.log(`reading the cluster with ${k.path}`);
    const listArgs = ['pods,services,endpointslices,nodes', '-A'];
    const list = await kubectlGet<KubeList>(k, listArgs);
    const listFile = 'kubectl-get-pods-services-endpointslices-nodes.json';
    await writeFile(join(snapDir, listFile), `${JSON.stringify(list, null, 2)}\n`);
    snapshots.push({ file: listFile, node: null, command: `kubectl get ${listArgs.join(' ')} -o json` });
    let mode: string | null = null;
    try {
      const cmArgs = ['configmap', 'kube-proxy', '-n', 'kube-system'];
      const cm = await kubectlGet<Parameters<typeof kubeProxyMode>[0]>(k, cmArgs);
      mode = kubeProxyMode(cm);
      await writeFile(join(snapDir, 'kube-proxy-configmap.json'), `${JSON.stringify(cm, null, 2)}\n`);
      snapshots.push({
        file: 'kube-proxy-configmap.json',
        node: null,
        command: `kubectl get ${cmArgs.join(' ')} -o json`,
      });
    } catch (error) {
      warnings.push(`kube-proxy ConfigMap not read: ${(error as Error).message}`);
    }

    const plan = planFromList(list, o.namespace, o.client, o.service);
    const backends = o.backends === null ? plan.backends : plan.backends.slice(0, o.backends);
    if (!plan.backends.length) warnings.push(`service ${o.namespace}/${o.service} has no endpoint pods`);
    const nodes = [
      ...new Set([plan.client.node, ...backends.map((b) => b.node)].filter((n): n is string => !!n)),
    ];
    this.describe(plan, backends, nodes, mode);
    for (const w of warnings) this.progress.log(`warning: ${w}`);

    // Start every capture point at once.
    const limit = (o.run ? 3_600_000 : o.durationMs) / 1000 + o.startTimeoutMs / 1000 + 60;
    const pod = (p: PodRef) => `${p.namespace}/${p.name}`;
    const start = (
      role: 'client' | 'node' | 'backend',
      file: string,
      label: string,
      node: string | null,
      p: PodRef | null,
    ) => {
      const target = p ? { pod: p.name, namespace: p.namespace } : { node: node! };
      const filter =
        role === 'node' ? (o.filter ? `(${o.filter}) and ${NODE_EXCLUDE}` : NODE_EXCLUDE) : o.filter;
      const c = new RemoteCapture(
        { file, role, label, node, pod: p ? pod(p) : null },
        join(o.out, file),
        k,
        target,
        filter,
        limit,
      );
      this.captures.push(c);
      this.progress.log(`starting ${role} capture ${label}${p ? ` in pod ${pod(p)}` : ` on node ${node}`}`);
    };
    start('client', `client-${safe(plan.client.name)}.pcap`, 'client', plan.client.node, plan.client);
    for (const n of nodes) start('node', `node-${safe(n)}.pcap`, n, n, null);
    for (const b of backends)
      start('backend', `backend-${safe(b.name)}.pcap`, `backend ${b.name}`, b.node, b);

    await Promise.all(
      this.captures.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        const ok = await Promise.race([
          c.listening,
          new Promise<null>((resolve) => (timer = setTimeout(resolve, o.startTimeoutMs, null))),
        ]);
        clearTimeout(timer);
        if (ok === null) {
          c.fail(
            `not listening after ${o.startTimeoutMs / 1000}s${c.lastWords() ? `: ${c.lastWords()}` : ''}`,
          );
          await c.stop(2_000);
        }
        if (c.state === 'listening') this.progress.log(`listening: ${c.entry.label}`);
        else this.progress.log(`FAILED to start ${c.entry.label}: ${c.error}`);
      }),
    );
    const live = this.captures.filter((c) => c.state === 'listening');
    if (!live.length) {
      this.progress.log('no capture is listening; no traffic is started');
    } else if (!this.interrupted) {
      this.progress.watch(() => this.captures);
      const early = new Promise<void>((resolve) => (this.stopEarly = resolve));
      if (o.run) {
        this.progress.log(`all ${live.length} captures listening; running: ${o.run}`);
        const runExit = await Promise.race([this.runCommand(o.run), early.then(() => null)]);
        this.progress.log(
          `command ended (exit ${runExit ?? 'interrupted'}); capturing ${o.graceMs / 1000}s more`,
        );
        await waitUnless(o.graceMs, early);
      } else {
        this.progress.log(`all ${live.length} captures listening; capturing for ${o.durationMs / 1000}s`);
        await waitUnless(o.durationMs, early);
      }
    }
    this.stopping = true;
    this.progress.log('stopping the captures');
    await Promise.all(this.captures.map((c) => c.stop()));
    this.progress.unwatch();
    for (const c of this.captures)
      if (c.state === 'stopped')
        this.progress.log(`captured ${c.entry.label}: ${c.entry.file} (${human(c.bytes)})`);

    this.progress.log(`reading the state of ${nodes.length} node(s)`);
    const results = await Promise.all(nodes.map((n) => snapshotNode(k, n, snapDir)));
    for (const r of results) {
      snapshots.push(...r.snapshots);
      warnings.push(...r.warnings);
      for (const w of r.warnings) this.progress.log(`warning: ${w}`);
    }

    const manifest: Manifest = {
      version: 1,
      namespace: o.namespace,
      client: o.client,
      service: o.service,
      kubeProxyMode: mode,
      run: o.run,
      startedAt: startedAt.toISOString(),
      stoppedAt: new Date().toISOString(),
      captures: this.captures.map((c) => c.manifest()),
      snapshots,
      warnings,
    };
    await writeFile(join(o.out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifest, failed: this.captures.filter((c) => c.state === 'failed').length };
  }

  private describe(plan: ClusterPlan, backends: PodRef[], nodes: string[], mode: string | null): void {
    const s = plan.service;
    this.progress.log(
      `service ${s.namespace}/${s.name} ${s.clusterIP ?? ''} ${s.ports.join(',')}` +
        `${mode ? ` (kube-proxy ${mode})` : ''}; client ${plan.client.name} on ${plan.client.node ?? '?'}; ` +
        `backends ${backends.map((b) => `${b.name} on ${b.node ?? '?'}`).join(', ') || 'none'}; nodes ${nodes.join(', ')}`,
    );
  }

  /** `--run CMD` through sh, locally; its output goes to stderr and DIR/run.log. */
  private runCommand(command: string): Promise<number | null> {
    const log = createWriteStream(join(this.o.out, 'run.log'));
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.runChild = child;
    for (const s of [child.stdout, child.stderr]) {
      s.on('data', (chunk: Buffer) => {
        log.write(chunk);
        this.progress.passthrough(chunk);
      });
    }
    return new Promise((resolve) => {
      child.on('error', (error) => {
        this.progress.log(`--run: ${error.message}`);
        log.end(() => resolve(null));
      });
      child.on('close', (code) => log.end(() => resolve(code)));
    });
  }
}

function safe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}

/** ms, or less if `early` settles first; no timer is left behind either way. */
async function waitUnless(ms: number, early: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), early]);
  clearTimeout(timer);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone
  }
}
