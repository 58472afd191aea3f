import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type RequestHandler } from 'express';
import type { IncomingMessage } from 'node:http';

/** Routes whose bodies are streamed by their own code (uploads) and must reach it untouched. */
const STREAMED = /^\/v1\/(captures|snapshots)\/?(\?|$)/;

/**
 * JSON bodies everywhere but the upload routes: `curl --data-binary @node.pcap` sends
 * application/x-www-form-urlencoded by default, and a parser there would swallow the capture.
 * The raw bytes are kept on `req.rawBody` for signature checks (chat webhooks).
 */
export function useBodyParsers(app: NestExpressApplication): void {
  const keepRaw = (req: IncomingMessage, _res: unknown, buf: Buffer): void => {
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
  };
  const json = express.json({ limit: '1mb', verify: keepRaw });
  const form = express.urlencoded({ limit: '1mb', extended: false, verify: keepRaw });
  const skipUploads =
    (parser: RequestHandler): RequestHandler =>
    (req, res, next) =>
      STREAMED.test(req.originalUrl) ? next() : parser(req, res, next);
  app.use(skipUploads(json));
  app.use(skipUploads(form));
}
