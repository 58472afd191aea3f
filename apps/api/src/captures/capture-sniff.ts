import { HttpException, HttpStatus, UnprocessableEntityException } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { CaptureFormatError, readCapture, sniffFormat } from '#capture';
import type { ReceivedUpload } from '#platform';

export interface SniffedCapture {
  format: 'pcap' | 'pcapng';
  compressed: boolean;
  linkTypes: number[];
}

/**
 * What an uploaded file is, from its first bytes (415 when it is no capture at all) and its
 * first records (422 when it is a capture whose header is broken).
 */
export async function sniffCapture(upload: ReceivedUpload, fileName: string): Promise<SniffedCapture> {
  let head = upload.head;
  const compressed = sniffFormat(head) === 'gzip';
  if (compressed) head = await gunzippedHead(upload.tempPath);
  const format = sniffFormat(head);
  if (format !== 'pcap' && format !== 'pcapng') throw notACapture(head, compressed);

  const linkTypes = new Set<number>();
  try {
    for await (const batch of readCapture(createReadStream(upload.tempPath), { name: fileName })) {
      for (const iface of batch.interfaces) linkTypes.add(iface.linktype);
      break;
    }
  } catch (error) {
    if (error instanceof CaptureFormatError)
      throw new UnprocessableEntityException({ code: error.code, message: error.message });
    throw error;
  }
  return { format, compressed, linkTypes: [...linkTypes] };
}

function notACapture(head: Buffer, compressed: boolean): HttpException {
  const bytes = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = head
    .subarray(0, 16)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return new HttpException(
    {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message:
        `not a capture file: ${compressed ? 'the gzip content ' : ''}starts with ${bytes || 'nothing'}` +
        `${bytes ? ` ("${text}")` : ''}; expected pcap (a1b2c3d4, a1b23c4d), pcapng (0a0d0d0a) or either gzipped ` +
        `(tcpdump -w file.pcap, or dumpcap)`,
    },
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  );
}

async function gunzippedHead(path: string): Promise<Buffer> {
  const gunzip = createReadStream(path, { end: 1 << 16 }).pipe(createGunzip());
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= 64) break;
    }
  } catch {
    // A gzip stream cut at our 64 KiB read limit, or broken: judge by what came out.
  } finally {
    gunzip.destroy();
  }
  return Buffer.concat(chunks).subarray(0, 64);
}
