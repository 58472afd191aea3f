// Uploads a file the way `curl -F file=@PATH -F role=…` does, and returns the new object's id.
import { openAsBlob } from 'node:fs';

export async function uploadFile(
  apiUrl: string,
  key: string,
  path: string,
  fields: Record<string, string> = {},
  route: 'captures' | 'snapshots' = 'captures',
): Promise<string> {
  const form = new FormData();
  form.set('file', await openAsBlob(path), path.split('/').pop());
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const res = await fetch(`${apiUrl}/v1/${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`upload ${path}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
