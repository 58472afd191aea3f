// The CLI's side of the REST API: NATLENS_URL and NATLENS_TOKEN, JSON errors turned into one
// line naming the status and the server's message.
import { UsageError } from '../usage-error.js';

export interface Server {
  url: string;
  request(
    method: string,
    path: string,
    init?: { body?: RequestInit['body']; headers?: Record<string, string> },
  ): Promise<Response>;
  json<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export class ServerError extends Error {
  override name = 'ServerError';
}

export function server(env: NodeJS.ProcessEnv = process.env): Server {
  const url = (env.NATLENS_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const token = env.NATLENS_TOKEN;
  if (!token)
    throw new UsageError(
      'set NATLENS_TOKEN to an API key (natlens keys create --project NAME on the server)',
    );
  const request: Server['request'] = async (method, path, init = {}) => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        body: init.body,
        headers: { authorization: `Bearer ${token}`, ...init.headers },
        // Streamed bodies (uploads) need half duplex in Node's fetch; harmless for the others.
        duplex: 'half',
      } as RequestInit);
    } catch (error) {
      throw new ServerError(
        `cannot reach ${url} (${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}); set NATLENS_URL`,
      );
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw new ServerError(`${method} ${path}: ${res.status} ${body?.error?.message ?? res.statusText}`);
    }
    return res;
  };
  return {
    url,
    request,
    async json<T>(method: string, path: string, body?: unknown) {
      const res = await request(method, path, {
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      });
      return (await res.json()) as T;
    },
  };
}
