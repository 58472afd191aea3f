import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/** The upload was larger than MAX_UPLOAD_BYTES; nothing was kept. */
export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload exceeds MAX_UPLOAD_BYTES (${limit} bytes)`);
    this.name = 'UploadTooLargeError';
  }
}

export interface ReceivedUpload {
  tempPath: string;
  sha256: string;
  size: number;
  /** The first bytes, for sniffing the format without reopening the file. */
  head: Buffer;
}

const HEAD_BYTES = 64;

/**
 * Where uploaded captures live: a local directory (STORAGE_DIR), content-addressed by
 * project and sha256. Uploads stream to a temporary file while hashed, so nothing is held
 * in memory, and move into place only once accepted; anything else removes the temp file.
 */
export class UploadStorage {
  readonly root: string;

  constructor(storageDir: string) {
    this.root = resolve(storageDir);
  }

  async receive(body: Readable, maxBytes: number): Promise<ReceivedUpload> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tempPath = join(tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new UploadTooLargeError(maxBytes));
        if (head.length < HEAD_BYTES)
          head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(tempPath));
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return { tempPath, sha256: hash.digest('hex'), size, head };
  }

  /** Moves an accepted upload to its permanent, content-addressed path (relative to the root). */
  async commit(upload: ReceivedUpload, projectId: string, extension: string): Promise<string> {
    const relative = join(projectId, `${upload.sha256}${extension}`);
    await mkdir(join(this.root, projectId), { recursive: true });
    await rename(upload.tempPath, join(this.root, relative));
    return relative;
  }

  async discard(upload: ReceivedUpload): Promise<void> {
    await rm(upload.tempPath, { force: true });
  }

  path(relative: string): string {
    const full = resolve(this.root, relative);
    if (!full.startsWith(`${this.root}/`)) throw new Error(`storage path ${relative} escapes STORAGE_DIR`);
    return full;
  }

  open(relative: string): ReadStream {
    return createReadStream(this.path(relative));
  }

  async size(relative: string): Promise<number> {
    return (await stat(this.path(relative))).size;
  }

  async remove(relative: string): Promise<void> {
    await rm(this.path(relative), { force: true });
  }
}
