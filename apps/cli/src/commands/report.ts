// `natlens report ID [--format txt|md|json]`: the server's report of one analysis.
import { parseArgs } from 'node:util';
import { server } from '../client/server.js';
import { UsageError } from '../usage-error.js';

const USAGE = 'usage: natlens report ANALYSIS_ID [--format txt|md|json]';

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'txt' } },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(USAGE);
  const id = encodeURIComponent(parsed.positionals[0]);
  const res = await server().request(
    'GET',
    `/v1/analyses/${id}/report?format=${encodeURIComponent(parsed.values.format!)}`,
  );
  process.stdout.write(await res.text());
  return 0;
}
