// `natlens analyze`: the whole analysis offline, in process, from the same libraries the worker runs:
// captures + snapshots -> correlate -> diagnose -> the report (txt, md, or DESIGN.md's JSON form).
// Exit codes: 0 done, 1 findings of severity error (so scripts can gate on it), 2 bad usage or input.
import { writeFile } from 'node:fs/promises';
import { diagnose } from '#diagnose';
import { buildReport, hasErrors, renderReport, REPORT_FORMATS, type ReportFormat } from '#report';
import { CAPTURE_OPTIONS, CAPTURE_USAGE, inputArgs, parseOptions } from '../analyze/args.js';
import { correlateInputs } from '../analyze/correlate-inputs.js';
import { Progress } from '../analyze/progress.js';
import { UsageError } from '../usage-error.js';
import { reason } from '../analyze/errno.js';

const USAGE = `usage: natlens analyze ${CAPTURE_USAGE} [--format txt|md|json] [--out FILE]`;

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
  --format txt|md|json         report form (default txt); json is the stable contract of the API
  --out FILE                   write the report there instead of stdout

Exit codes: 0 done, 1 findings of severity error, 2 bad usage or unreadable input.`;

export async function run(argv: string[]): Promise<number> {
  const { values, tokens } = parseOptions(
    argv,
    { ...CAPTURE_OPTIONS, format: { type: 'string', default: 'txt' }, out: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const format = values.format as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const inputs = inputArgs(tokens, values, USAGE);

  const progress = new Progress();
  try {
    const { captures, addressBook, dataplane, correlation } = await correlateInputs(inputs, progress);
    progress.update('diagnosing', null);
    const points = captures.map((c) => c.point);
    const findings = diagnose({ correlation, addressBook, dataplane, captures: points });
    progress.update('writing the report', null);
    const packets = new Map(correlation.captures.map((c) => [c.capture, c.packets]));
    const doc = buildReport({
      analysis: {
        id: 'offline',
        status: 'SUCCEEDED',
        name: `offline analysis of ${points.map((p) => p.label).join(', ')}`,
        captures: points.map((p) => ({ ...p, packets: packets.get(p.id) ?? 0 })),
      },
      correlation,
      findings,
    });
    const text = renderReport(doc, format);
    progress.clear();
    if (values.out) {
      await writeFile(values.out, text).catch((error: unknown) => {
        throw new UsageError(`${values.out}: cannot write the report (${reason(error)})`);
      });
    } else {
      process.stdout.write(text);
    }
    return hasErrors(doc) ? 1 : 0;
  } finally {
    progress.clear();
  }
}
