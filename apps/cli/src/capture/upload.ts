// `natlens capture --upload`: every capture and snapshot of DIR to NATLENS_URL, then an analysis
// of all of them.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { server } from '../client/server.js';
import { SNAPSHOT_DIR, type Manifest } from './manifest.js';

export async function uploadManifest(
  dir: string,
  manifest: Manifest,
  log: (message: string) => void,
): Promise<{ id: string; report: string }> {
  const api = server();
  const send = async (
    route: 'captures' | 'snapshots',
    path: string,
    name: string,
    fields: Record<string, string | null>,
  ) => {
    const query = new URLSearchParams({ name });
    for (const [k, v] of Object.entries(fields)) if (v) query.set(k, v);
    const size = (await stat(path)).size;
    const res = await api.request('POST', `/v1/${route}?${query}`, {
      body: Readable.toWeb(createReadStream(path)) as unknown as RequestInit['body'],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    return ((await res.json()) as { id: string }).id;
  };
  const captures: string[] = [];
  for (const c of manifest.captures) {
    if (c.status !== 'captured') continue;
    captures.push(
      await send('captures', join(dir, c.file), c.file, {
        role: c.role,
        label: c.label,
        node: c.node,
        pod: c.pod,
      }),
    );
    log(`uploaded ${c.file}`);
  }
  const snapshots: string[] = [];
  for (const s of manifest.snapshots) {
    snapshots.push(
      await send('snapshots', join(dir, SNAPSHOT_DIR, s.file), s.file.replace(/\//g, '-'), { node: s.node }),
    );
  }
  log(`uploaded ${snapshots.length} snapshot(s)`);
  const analysis = await api.json<{ id: string }>('POST', '/v1/analyses', {
    captures,
    snapshots,
    name: `capture ${manifest.namespace}/${manifest.service} from ${manifest.client} at ${manifest.startedAt}`,
  });
  return { id: analysis.id, report: `${api.url}/v1/analyses/${analysis.id}/report?format=txt` };
}
