// The api as the browser reaches it: the key lives in sessionStorage (never in a URL), GraphQL at
// POST /graphql and the REST routes for uploads and the pcapng export, all with the Bearer header.

const KEY = 'natlens.apiKey';
const SHARE = 'natlens.share';

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function signIn(key) {
  sessionStorage.removeItem(SHARE);
  sessionStorage.setItem(KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SHARE);
}

/**
 * A share link (`/analyses/<id>?share=<token>`): read-only, one analysis, sent as
 * `Authorization: Share <token>`. While it is held it takes the place of a key.
 */
export function share() {
  try {
    return JSON.parse(sessionStorage.getItem(SHARE) ?? 'null');
  } catch {
    return null;
  }
}

export function useShare(analysisId, token) {
  sessionStorage.setItem(SHARE, JSON.stringify({ analysisId, token }));
}

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra = {}, key) {
  const link = key ? null : share();
  return { authorization: link ? `Share ${link.token}` : `Bearer ${key ?? apiKey()}`, ...extra };
}

async function failure(res) {
  let message = `HTTP ${res.status}`;
  let code;
  try {
    const body = await res.json();
    message = body.error?.message ?? body.errors?.[0]?.message ?? message;
    code = body.error?.code ?? body.errors?.[0]?.extensions?.code;
  } catch {
    // not JSON: keep the status
  }
  return new ApiError(message, res.status, code);
}

/** One GraphQL operation; throws ApiError on HTTP or GraphQL errors. `key` overrides the stored one. */
export async function gql(query, variables = {}, key) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }, key),
    body: JSON.stringify({ query, variables }),
  });
  if (!res.ok && res.status !== 400) throw await failure(res);
  const body = await res.json();
  if (body.errors?.length) {
    const e = body.errors[0];
    const code = e.extensions?.code;
    const unauthenticated = code === 'UNAUTHENTICATED' || /API key|share link/i.test(e.message);
    throw new ApiError(e.message, unauthenticated ? 401 : res.status, code);
  }
  return body.data;
}

/** POST a file to /v1/captures or /v1/snapshots as multipart with its fields; the new object. */
export async function upload(route, file, fields) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v) form.set(k, v);
  form.set('file', file, file.name);
  const res = await fetch(`/v1/${route}`, { method: 'POST', headers: headers(), body: form });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** GET a file with the key and save it under `name` through a Blob URL. */
export async function download(path, name) {
  const res = await fetch(path, { headers: headers() });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
