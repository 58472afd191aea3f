import {
  ConflictException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Config } from '#config';
import { CapturesRepository, type Capture } from '#persistence';
import { CONFIG, MetricsStore, UploadStorage, UploadTooLargeError } from '#platform';
import type { Caller } from '../auth/auth.guard.js';
import { receiveUpload } from '../uploads/upload-body.js';
import { parseCapturePoint } from './capture-point.js';
import { sniffCapture } from './capture-sniff.js';

@Injectable()
export class CapturesService {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly captures: CapturesRepository,
    private readonly storage: UploadStorage,
    private readonly metrics: MetricsStore,
  ) {}

  /** Streams the body to storage; identical bytes already in the project return the existing capture. */
  async upload(caller: Caller, req: Request): Promise<{ capture: Capture; created: boolean }> {
    const incoming = await receiveUpload(req, this.storage, this.config.maxUploadBytes).catch((error) => {
      if (error instanceof UploadTooLargeError)
        throw new HttpException(
          { code: 'PAYLOAD_TOO_LARGE', message: `${error.message}; nothing was stored` },
          HttpStatus.PAYLOAD_TOO_LARGE,
        );
      throw error;
    });
    const { upload } = incoming;
    try {
      const fileName = incoming.fileName ?? `${upload.sha256.slice(0, 12)}.pcap`;
      const point = parseCapturePoint(incoming.fields, fileName);
      const existing = await this.captures.findBySha256(caller.projectId, upload.sha256);
      if (existing) {
        await this.storage.discard(upload);
        return { capture: existing, created: false };
      }
      const sniffed = await sniffCapture(upload, fileName);
      const extension = `.${sniffed.format}${sniffed.compressed ? '.gz' : ''}`;
      const storagePath = await this.storage.commit(upload, caller.projectId, extension);
      await this.metrics.add('upload_bytes_total|capture', upload.size).catch(() => undefined);
      return await this.captures.create({
        projectId: caller.projectId,
        ...point,
        fileName,
        sha256: upload.sha256,
        sizeBytes: upload.size,
        ...sniffed,
        storagePath,
      });
    } finally {
      await this.storage.discard(upload);
    }
  }

  async get(caller: Caller, id: string): Promise<Capture> {
    const capture = await this.captures.find(caller.projectId, id);
    if (!capture)
      throw new NotFoundException({ code: 'NOT_FOUND', message: `no capture ${id} in this project` });
    return capture;
  }

  list(caller: Caller): Promise<Capture[]> {
    return this.captures.list(caller.projectId);
  }

  async delete(caller: Caller, id: string): Promise<void> {
    await this.get(caller, id);
    const live = await this.captures.liveAnalyses(id);
    if (live.length)
      throw new ConflictException({
        code: 'CONFLICT',
        message: `capture ${id} is used by running analysis ${live.map((a) => a.analysisId).join(', ')}; delete it when they finish`,
      });
    const deleted = await this.captures.delete(caller.projectId, id);
    // Content-addressed: the file is per project and sha256, and the row was its only owner.
    if (deleted) await this.storage.remove(deleted.storagePath);
  }

  open(capture: Capture) {
    return this.storage.open(capture.storagePath);
  }
}
