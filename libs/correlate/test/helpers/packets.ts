// Correlate's packet view built by hand, for tests of what the captures lack.
import { emptyPacket } from '../../src/decode-adapter.js';
import type { CorrelatePacket } from '../../src/types.js';

const T0 = 1_795_759_897;

/** A packet `t` ns after T0; UDP over IPv4 unless `fields` say otherwise. */
export function packetAt(t: number, fields: Partial<CorrelatePacket>): CorrelatePacket {
  const sec = Math.floor(t / 1e9);
  return {
    ...emptyPacket(),
    tsSec: T0 + sec,
    tsNsec: t - sec * 1e9,
    ipVersion: 4,
    protocol: 17,
    ipId: 1,
    ipLength: 60,
    payloadLength: 30,
    ...fields,
  };
}

/** A TCP segment `t` ns after T0 (a payload's hash is its sequence number). */
export function tcpSegment(
  t: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  flags: number,
  seq: number,
  ack: number,
  ipId: number,
  len = 0,
): CorrelatePacket {
  return packetAt(t, {
    protocol: 6,
    src,
    srcPort,
    dst,
    dstPort,
    tcpFlags: flags,
    seq,
    ack,
    window: 100,
    ipId,
    ipLength: 52 + len,
    payloadLength: len,
    payloadHash: len ? seq : 0,
  });
}
