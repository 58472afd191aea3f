// `natlens analyze`: the whole analysis offline, in process, from the same libraries the worker runs:
// captures + snapshots -> correlate -> diagnose -> the report (txt, md, or DESIGN.md's JSON form).
// The report is written flow by flow as the analysis finishes them (libs/report's ReportWriter).
// Exit codes: 0 done, 1 findings of severity error (so scripts can gate on it), 2 bad usage or input,
// 3 an internal error (main.ts).
import { setFlagsFromString } from 'node:v8';
import {
  hasErrors,
  orderedReportFlow,
  ReportWriter,
  REPORT_FORMATS,
  type ReportDocument,
  type ReportFormat,
} from '#report';
import { analyzeInputs } from '../analyze/analyze-inputs.js';
import { CAPTURE_OPTIONS, CAPTURE_USAGE, inputArgs, parseOptions } from '../analyze/args.js';
import { manifestInputs } from '../capture/manifest-inputs.js';
import { Progress } from '../analyze/progress.js';
import { FileOut } from '../analyze/text-out.js';
import { UsageError } from '../usage-error.js';

const USAGE = `usage: natlens analyze ${CAPTURE_USAGE} [--manifest DIR] [--format txt|md|json] [--out FILE]`;

const HELP = `${USAGE}

Pairs every packet across the capture points, infers each NAT translation, names addresses from the
snapshots, diagnoses what went wrong and prints the report. Nothing leaves this machine.

  --client FILE                the client's capture (pcap, pcapng, optionally gzipped)
  --node FILE                  a node's capture (tcpdump -i any); repeatable
  --backend FILE               a backend pod's capture; repeatable
  --capture role:label:FILE    any capture point: role client|node|backend|other; a node capture's
                               label is its node name (--capture node:k8s-compute-01:node1.pcap)
  --snapshot FILE|DIR          kubectl JSON, iptables-save, nft, ipvsadm, ip addr/route/neigh, conntrack,
                               the kube-proxy ConfigMap; directories are read recursively
  --manifest DIR               what \`natlens capture\` wrote: DIR/manifest.json's captures with their
                               role, label, node and pod, and the snapshots in DIR/snapshot
  --format txt|md|json         report form (default txt); json is the stable contract of the API
  --out FILE                   write the report there instead of stdout

Exit codes: 0 done, 1 findings of severity error, 2 bad usage or unreadable input, 3 internal error.`;

/**
 * The old generation may grow to 1.5x what survived the last full collection (V8 picks up to 4x):
 * finished flows die in the old generation, and this keeps their garbage from tripling the peak
 * memory of a long analysis, at no measurable cost in time.
 */
const HEAP_GROWING_PERCENT = 50;

export async function run(argv: string[]): Promise<number> {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const { values, tokens } = parseOptions(
    argv,
    {
      ...CAPTURE_OPTIONS,
      manifest: { type: 'string' },
      format: { type: 'string', default: 'txt' },
      out: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const format = values.format as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const inputs = values.manifest
    ? await manifestInputs(values.manifest, tokens, values, USAGE)
    : inputArgs(tokens, values, USAGE);

  const progress = new Progress();
  const out = new FileOut(values.out ?? null);
  const writer = new ReportWriter(format, out);
  let doc: Pick<ReportDocument, 'findings'> | null = null;
  try {
    await analyzeInputs(inputs, progress, {
      // Each flow goes to the report as it finishes: nothing holds them all.
      flow: (f) => writer.flow(orderedReportFlow(f)),
      finish: async (result) => {
        progress.update('writing the report', null);
        const seen = new Map(result.correlation.captures.map((c) => [c.capture, c]));
        doc = writer.end(
          {
            id: 'offline',
            status: 'SUCCEEDED',
            name: `offline analysis of ${result.points.map((p) => p.label).join(', ')}`,
            captures: result.points.map((p) => ({
              ...p,
              packets: seen.get(p.id)?.packets ?? 0,
              undecoded: seen.get(p.id)?.undecoded ?? null,
              unsupportedLinkTypes: seen.get(p.id)?.unsupportedLinkTypes ?? null,
            })),
          },
          result.correlation.clockOffsets,
          result.findings,
        );
        progress.clear();
        await out.close();
      },
    });
    return doc && hasErrors(doc) ? 1 : 0;
  } catch (error) {
    await out.abandon();
    throw error;
  } finally {
    progress.clear();
  }
}
