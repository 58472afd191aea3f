// `natlens export-flow`: one flow as a pcapng file with every sighting of it from every capture point,
// in time order on the reference clock, one interface per capture point, NAT noted on each translated
// packet. Open it in Wireshark to follow the packet through DNAT, SNAT and the overlay.
import { writeFile } from 'node:fs/promises';
import { pcapngBlocks } from '#report';
import { CAPTURE_OPTIONS, CAPTURE_USAGE, inputArgs, parseOptions } from '../analyze/args.js';
import type { Flow } from '#correlate';
import { analyzeInputs } from '../analyze/analyze-inputs.js';
import { flowPackets } from '../analyze/flow-packets.js';
import { Progress } from '../analyze/progress.js';
import { UsageError } from '../usage-error.js';
import { reason } from '../analyze/errno.js';

const USAGE = `usage: natlens export-flow ${CAPTURE_USAGE} --flow ID --out FILE.pcapng`;

const HELP = `${USAGE}

Correlates the captures as \`natlens analyze\` does and writes the flow ID (as the report prints it;
a unique prefix will do) as one pcapng: every packet of it from every capture point, clock offsets
removed, one interface per capture point, and a comment on each packet NAT rewrote.`;

/** Keep every sighting: the export wants all of the flow's packets, not the report's first few. */
const ALL_SIGHTINGS = Number.MAX_SAFE_INTEGER;

export async function run(argv: string[]): Promise<number> {
  const { values, tokens } = parseOptions(
    argv,
    { ...CAPTURE_OPTIONS, flow: { type: 'string' }, out: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.flow) throw new UsageError(`--flow is required\n${USAGE}`);
  if (!values.out) throw new UsageError(`--out is required\n${USAGE}`);
  const inputs = inputArgs(tokens, values, USAGE);

  const progress = new Progress();
  try {
    // Only the flows the id could name are kept (and a few to list when none matches).
    const matches: Flow[] = [];
    const known: Flow[] = [];
    const { captures, result } = await analyzeInputs(
      inputs,
      progress,
      {
        flow: (f) => {
          if (f.id.startsWith(values.flow!)) matches.push(f);
          else if (known.length < 10) known.push(f);
        },
        finish: () => undefined,
      },
      { maxSightingsPerPerspective: ALL_SIGHTINGS },
    );
    const exact = matches.find((f) => f.id === values.flow);
    if (!exact && matches.length !== 1) {
      const listed = [...matches, ...known].slice(0, 10).map((f) => `  ${f.id}  ${f.client} -> ${f.service}`);
      throw new UsageError(
        `${matches.length ? 'ambiguous' : 'no'} flow '${values.flow}' in these captures` +
          (listed.length ? `; flows include:\n${listed.join('\n')}` : ''),
      );
    }
    const flow = exact ?? matches[0];
    const { correlation } = result;
    progress.update('extracting packets', null);
    const offsets = new Map(correlation.clockOffsets.map((o) => [o.capture, BigInt(o.offsetNs)]));
    const { interfaces, packets } = await flowPackets(flow, captures, offsets, (m) => progress.warn(m));
    await writeFile(values.out, pcapngBlocks(interfaces, packets)).catch((error: unknown) => {
      throw new UsageError(`${values.out}: cannot write (${reason(error)})`);
    });
    progress.clear();
    process.stderr.write(
      `natlens: wrote ${packets.length} packets of flow ${flow.id} (${flow.client} -> ${flow.service}) ` +
        `from ${interfaces.length} capture points to ${values.out}\n`,
    );
    return 0;
  } finally {
    progress.clear();
  }
}
