// `natlens upload FILE --role node [--node NAME] [--pod NS/NAME] [--label TEXT]`: streams a capture
// (or, with --snapshot, a snapshot) to the server and prints its id.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { server } from '../client/server.js';
import { UsageError } from '../usage-error.js';

const USAGE =
  'usage: natlens upload FILE [--role client|node|backend|other] [--node NAME] [--pod NS/NAME] [--label TEXT]\n' +
  '       natlens upload FILE --snapshot [--node NAME] [--kind KIND]';

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        node: { type: 'string' },
        pod: { type: 'string' },
        label: { type: 'string' },
        kind: { type: 'string' },
        snapshot: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const file = positionals[0];
  const size = await stat(file).then(
    (s) => s.size,
    (error: NodeJS.ErrnoException) => {
      throw new UsageError(`${file}: cannot read (${error.code === 'ENOENT' ? 'no such file' : error.code})`);
    },
  );
  const query = new URLSearchParams({ name: basename(file) });
  for (const key of ['role', 'node', 'pod', 'label', 'kind'] as const)
    if (values[key]) query.set(key, values[key]!);
  const route = values.snapshot ? 'snapshots' : 'captures';
  const res = await server().request('POST', `/v1/${route}?${query}`, {
    body: Readable.toWeb(createReadStream(file)) as unknown as RequestInit['body'],
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
  });
  const body = (await res.json()) as { id: string; kind?: string; packetCount?: number | null };
  process.stderr.write(
    `${res.status === 200 ? 'already uploaded' : 'uploaded'} ${file} as ${route.slice(0, -1)} ${body.id}` +
      `${body.kind ? ` (${body.kind})` : ''}\n`,
  );
  process.stdout.write(`${body.id}\n`);
  return 0;
}
