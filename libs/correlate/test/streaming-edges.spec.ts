// The streaming engine where its shortcuts could change the answer: flows retired while the
// pairing window still holds their packets, a port reused while the old connection is live, the
// clock estimate from a single late bracket, and ICMP errors sent the request's way.
import { describe, expect, it } from 'vitest';
import { correlate, type CorrelatePacket } from '../src/index.js';
import { emptyPacket } from '../src/decode-adapter.js';

const T0 = 1_795_759_897;

/** A packet `t` ns after T0; UDP over IPv4 unless `fields` say otherwise. */
function pkt(t: number, fields: Partial<CorrelatePacket>): CorrelatePacket {
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

function udp(
  t: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  id: number,
  ifIndex = -1,
) {
  return pkt(t, {
    src,
    srcPort,
    dst,
    dstPort,
    ipId: id,
    payloadHash: id * 7919,
    ifIndex,
    pktType: ifIndex >= 0 ? 0 : -1,
  });
}

function capture(id: string, role: 'client' | 'node' | 'backend', node: string, packets: CorrelatePacket[]) {
  return { point: { id, role, node }, packets: () => packets };
}

describe('clock offsets from brackets found while reading', () => {
  it('uses a bracket that arrives after a flow without one was retired', () => {
    // The backend's clock is 5 ms ahead; one exchange seen at both brackets it tightly.
    const SKEW = 5_000_000;
    const run = (early: boolean) => {
      const client: CorrelatePacket[] = [];
      if (early)
        client.push(
          udp(0, '10.0.0.1', 1111, '10.0.0.9', 53, 1),
          udp(1e6, '10.0.0.9', 53, '10.0.0.1', 1111, 2),
        );
      const T = 20e9;
      client.push(
        udp(T, '10.0.0.1', 5000, '10.0.0.2', 53, 100),
        udp(T + 500e3, '10.0.0.2', 53, '10.0.0.1', 5000, 200),
      );
      const backend = [
        udp(T + 200e3 + SKEW, '10.0.0.1', 5000, '10.0.0.2', 53, 100),
        udp(T + 300e3 + SKEW, '10.0.0.2', 53, '10.0.0.1', 5000, 200),
      ];
      const r = correlate([capture('c', 'client', 'n1', client), capture('b', 'backend', 'n2', backend)]);
      return r.clockOffsets.find((o) => o.capture === 'b')!;
    };
    for (const early of [false, true]) {
      const b = run(early);
      // The bracket: [200 µs - 0, 300 µs - 500 µs] around the skew, i.e. 5 ms ± 200 µs.
      expect(Number(b.offsetNs), `early flow: ${early}`).toBe(SKEW);
      expect(Number(b.spreadNs)).toBe(200_000);
    }
  });
});
