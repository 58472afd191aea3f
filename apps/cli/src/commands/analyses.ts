// `natlens analyses`: the project's analyses on the server, newest first.
import { server } from '../client/server.js';

interface AnalysisRow {
  id: string;
  name: string | null;
  status: string;
  stage: string | null;
  progress: number;
  createdAt: string;
  counts: { flows?: number; findings?: number } | null;
}

export async function run(): Promise<number> {
  const { analyses } = await server().json<{ analyses: AnalysisRow[] }>('GET', '/v1/analyses');
  for (const a of analyses)
    process.stdout.write(
      [
        a.id,
        a.status.padEnd(9),
        a.status === 'RUNNING' ? `${a.stage ?? ''} ${a.progress}%`.padEnd(14) : ''.padEnd(14),
        `${a.counts?.flows ?? '-'} flows`.padEnd(10),
        `${a.counts?.findings ?? '-'} findings`.padEnd(12),
        a.createdAt,
        a.name ?? '',
      ].join('  ') + '\n',
    );
  return 0;
}
