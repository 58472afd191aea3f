// A large gzip-compressed capture made by replaying a fixture's connections with a new client
// address per replay: long enough work for a worker to be killed in the middle of, cheap on disk.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

const SLL2_HEADER = 20;

/** Replays a classic-pcap LINUX_SLL2 capture `replays` times, each one period later. */
export async function writeReplayedCapture(source: string, target: string, replays: number): Promise<number> {
  const file = readFileSync(source);
  if (file.readUInt32LE(0) !== 0xa1b2c3d4 || file.readUInt32LE(20) !== 276)
    throw new Error(`${source}: expected a little-endian microsecond pcap of LINUX_SLL2`);
  const records: Buffer[] = [];
  for (let offset = 24; offset + 16 <= file.length;) {
    const caplen = file.readUInt32LE(offset + 8);
    records.push(file.subarray(offset, offset + 16 + caplen));
    offset += 16 + caplen;
  }
  const first = records[0].readUInt32LE(0);
  const period = records.at(-1)!.readUInt32LE(0) - first + 2;
  const chunks: Buffer[] = [file.subarray(0, 24)];
  for (let k = 0; k < replays; k++) {
    for (const record of records) {
      const copy = Buffer.from(record);
      copy.writeUInt32LE(first + k * period + (record.readUInt32LE(0) - first), 0);
      rewriteClient(copy.subarray(16), k);
      chunks.push(copy);
    }
  }
  await writeFile(target, gzipSync(Buffer.concat(chunks), { level: 1 }));
  return records.length * replays;
}

/** The client side (the end that is not port 80) gets 10.128.k.k per replay. */
function rewriteClient(packet: Buffer, k: number): void {
  if (packet.readUInt16BE(0) !== 0x0800) return;
  const ip = SLL2_HEADER;
  if (packet[ip + 9] !== 6) return;
  const transport = ip + (packet[ip] & 0x0f) * 4;
  const requestDirection = packet.readUInt16BE(transport + 2) === 80;
  const at = ip + (requestDirection ? 12 : 16);
  packet[at] = 10;
  packet[at + 1] = 128 + ((k >> 16) & 63);
  packet[at + 2] = (k >> 8) & 255;
  packet[at + 3] = k & 255;
}
