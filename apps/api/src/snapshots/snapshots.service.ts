import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { Request } from 'express';
import { readFile } from 'node:fs/promises';
import { parseSnapshot, SnapshotParseError, type ParsedSnapshot, type SnapshotKind } from '#cluster';
import { SnapshotsRepository, type Prisma, type Snapshot } from '#persistence';
import { MetricsStore, UploadStorage, UploadTooLargeError } from '#platform';
import type { Caller } from '../auth/auth.guard.js';
import { receiveUpload } from '../uploads/upload-body.js';

/** Snapshots are text an operator pasted from a command; 32 MiB is far beyond any real one. */
export const MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

@Injectable()
export class SnapshotsService {
  constructor(
    private readonly snapshots: SnapshotsRepository,
    private readonly storage: UploadStorage,
    private readonly metrics: MetricsStore,
  ) {}

  async upload(caller: Caller, req: Request): Promise<{ snapshot: Snapshot; created: boolean }> {
    const incoming = await receiveUpload(req, this.storage, MAX_SNAPSHOT_BYTES).catch((error) => {
      if (error instanceof UploadTooLargeError)
        throw new HttpException(
          { code: 'PAYLOAD_TOO_LARGE', message: `snapshots are limited to ${MAX_SNAPSHOT_BYTES} bytes` },
          HttpStatus.PAYLOAD_TOO_LARGE,
        );
      throw error;
    });
    try {
      const text = (await readFile(incoming.upload.tempPath)).toString('utf8');
      if (!text.trim())
        throw new BadRequestException({ code: 'BAD_REQUEST', message: 'the snapshot is empty' });
      const name = incoming.fileName ?? incoming.fields.name ?? 'snapshot';
      const node = incoming.fields.node?.trim() || undefined;
      let parsed: ParsedSnapshot;
      try {
        parsed = parseSnapshot(text, {
          name,
          node,
          kind: (incoming.fields.kind as SnapshotKind) || undefined,
        });
      } catch (error) {
        if (error instanceof SnapshotParseError)
          throw new UnprocessableEntityException({
            code: 'SNAPSHOT_PARSE_ERROR',
            message: error.message,
            details: error.toJSON(),
          });
        throw error;
      }
      await this.metrics.add('upload_bytes_total|snapshot', incoming.upload.size).catch(() => undefined);
      return await this.snapshots.create({
        projectId: caller.projectId,
        kind: parsed.kind,
        node: node ?? null,
        fileName: name,
        sha256: incoming.upload.sha256,
        sizeBytes: incoming.upload.size,
        raw: text,
        parsed: parsed as unknown as Prisma.InputJsonValue,
        skipped: parsed.skipped as unknown as Prisma.InputJsonValue,
      });
    } finally {
      await this.storage.discard(incoming.upload);
    }
  }

  async get(caller: Caller, id: string): Promise<Snapshot> {
    const snapshot = await this.snapshots.find(caller.projectId, id);
    if (!snapshot)
      throw new NotFoundException({ code: 'NOT_FOUND', message: `no snapshot ${id} in this project` });
    return snapshot;
  }

  list(caller: Caller) {
    return this.snapshots.list(caller.projectId);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!(await this.snapshots.delete(caller.projectId, id)))
      throw new NotFoundException({ code: 'NOT_FOUND', message: `no snapshot ${id} in this project` });
  }
}
