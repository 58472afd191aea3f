import { BadRequestException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { ReceivedUpload, UploadStorage } from '#platform';

export interface IncomingUpload {
  upload: ReceivedUpload;
  fileName: string | null;
  /** Form fields (multipart) or query parameters (raw body). */
  fields: Record<string, string>;
}

const FIELD_LIMIT = 64 * 1024;

/**
 * Streams an upload to storage, from either a multipart form (`curl -F file=@x -F role=node`)
 * or a raw body (`curl --data-binary @x '...?role=node'`). The file part may come before
 * the other fields (curl sends them in command-line order), so fields are collected
 * until the whole form has been read.
 */
export function receiveUpload(
  req: Request,
  storage: UploadStorage,
  maxBytes: number,
): Promise<IncomingUpload> {
  const query = Object.fromEntries(
    Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  if (!req.is('multipart/form-data')) {
    const header = req.headers['x-file-name'];
    return storage.receive(req, maxBytes).then((upload) => ({
      upload,
      fileName: query.name ?? (typeof header === 'string' ? header : null),
      fields: query,
    }));
  }
  return new Promise<IncomingUpload>((resolve, reject) => {
    let form: busboy.Busboy;
    try {
      form = busboy({ headers: req.headers, limits: { files: 1, fields: 32, fieldSize: FIELD_LIMIT } });
    } catch (error) {
      return reject(new BadRequestException({ code: 'BAD_REQUEST', message: (error as Error).message }));
    }
    const fields: Record<string, string> = { ...query };
    let received: Promise<ReceivedUpload> | null = null;
    let fileName: string | null = null;
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      req.unpipe(form);
      // Whatever was written already is removed once the file promise settles.
      void received?.then((upload) => storage.discard(upload)).catch(() => undefined);
      reject(error);
    };

    form.on('field', (name, value) => (fields[name] = value));
    form.on('file', (name, stream, info) => {
      if (name !== 'file' || received) {
        stream.resume();
        return;
      }
      fileName = info.filename ?? null;
      received = storage.receive(stream, maxBytes);
      received.catch((error) => {
        stream.resume();
        fail(error);
      });
      // A client that goes away mid-upload never ends the file stream; end it with an error.
      req.on('close', () => {
        if (!req.complete) stream.destroy(new Error('client disconnected during upload'));
      });
    });
    form.on('error', (error) => fail(new BadRequestException({ code: 'BAD_REQUEST', message: `${error}` })));
    form.on('close', () => {
      if (failed) return;
      if (!received)
        return fail(
          new BadRequestException({
            code: 'BAD_REQUEST',
            message: 'no file part: send the capture as -F file=@capture.pcap (or as the raw body)',
          }),
        );
      received.then((upload) => resolve({ upload, fileName, fields }), fail);
    });
    req.pipe(form);
  });
}
