import { CaptureFormatError, CaptureRecord, readCapture, type CaptureSource } from '#capture';
import { DecodedPacket, decodePacket, DECODER_FAULT, MAX_ENCAP_DEPTH, readDecodable } from '../src/index.js';

export interface WalkResult {
  records: number;
  decoded: number;
  error: CaptureFormatError | null;
  /** Violations of the decoder's guarantees (empty when all is well). */
  problems: string[];
  statuses: [number, number, number];
}

/**
 * Reads a capture to the end, then again decoding every packet, as a hostile-input harness:
 * file-level failures must be CaptureFormatErrors (anything else is rethrown), and each packet is
 * decoded from a private copy of exactly its bytes, so a read past the packet throws and shows
 * up as DECODER_FAULT instead of silently reading the next record.
 */
export async function walk(
  source: () => CaptureSource,
  name: string,
  minWindow?: number,
): Promise<WalkResult> {
  const result: WalkResult = { records: 0, decoded: 0, error: null, problems: [], statuses: [0, 0, 0] };
  const rec = new CaptureRecord();
  try {
    for await (const batch of readCapture(source(), { name, minWindow })) {
      for (let i = 0; i < batch.count; i++) {
        batch.record(i, rec);
        if (rec.caplen > 262144 || rec.offset + rec.caplen > rec.data.length)
          result.problems.push(`record ${rec.number} out of bounds`);
        result.records++;
      }
    }
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    result.error = e;
  }
  const p = new DecodedPacket();
  const own = new CaptureRecord();
  try {
    for await (const batch of readDecodable(source(), { name, minWindow })) {
      for (let i = 0; i < batch.count; i++) {
        batch.record(i, rec);
        // A real copy (Buffer#slice would share memory), sized exactly like the packet.
        const copy = new Uint8Array(rec.caplen);
        copy.set(rec.data.subarray(rec.offset, rec.offset + rec.caplen));
        Object.assign(own, rec, { data: copy, view: new DataView(copy.buffer), offset: 0 });
        decodePacket(own, p);
        result.decoded++;
        result.statuses[p.status]++;
        check(p, result.problems);
      }
    }
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    if (!result.error && e.code !== 'UNSUPPORTED_LINKTYPE')
      result.problems.push(`decode pass failed alone: ${e.message}`);
  }
  return result;
}

function check(p: DecodedPacket, problems: string[]): void {
  const where = `packet ${p.number}`;
  // Every field keeps its type: an out-of-range typed-array read would leave undefined or NaN.
  for (const o of [p, p.embedded, ...p.encaps] as object[]) {
    for (const [k, value] of Object.entries(o)) {
      if (typeof value === 'number' ? !Number.isFinite(value) : value === undefined)
        problems.push(`${where}: ${k} = ${value}`);
    }
  }
  if (p.reason === DECODER_FAULT) problems.push(`${where}: decoder fault`);
  if (p.status !== 0 && !p.reason) problems.push(`${where}: status without reason`);
  if (p.ipVersion !== 0 && p.ipVersion !== 4 && p.ipVersion !== 6)
    problems.push(`${where}: ipVersion ${p.ipVersion}`);
  if (p.encapCount > MAX_ENCAP_DEPTH) problems.push(`${where}: encapCount ${p.encapCount}`);
  if (p.payloadCaptured < 0 || p.payloadCaptured > p.payloadLength)
    problems.push(`${where}: payloadCaptured ${p.payloadCaptured}`);
  if (p.payloadCaptured > 0 && p.payloadOffset + p.payloadCaptured > p.caplen)
    problems.push(`${where}: payload past caplen`);
}
