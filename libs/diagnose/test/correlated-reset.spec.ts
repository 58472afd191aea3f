// diagnose over what correlate really produces (not hand-made flows): a connection the backend
// resets after answering is a mid-stream reset, not a refused connection.
import { correlate, type CorrelatePacket } from '#correlate';
import { describe, expect, it } from 'vitest';
import { tcpSegment } from '../../correlate/test/helpers/packets.js';
import { diagnose } from '../src/index.js';

const CLIENT = ['10.0.1.5', 40000] as const;
const VIP = ['10.96.0.10', 80] as const;
const POD = ['10.0.2.7', 8080] as const;

/** One TCP segment as seen at a capture: `toVip` before the node's DNAT, else after it. */
function segment(
  t: number,
  request: boolean,
  toVip: boolean,
  flags: number,
  seq: number,
  ack: number,
  len = 0,
) {
  const server = toVip ? VIP : POD;
  const [src, srcPort] = request ? CLIENT : server;
  const [dst, dstPort] = request ? server : CLIENT;
  return tcpSegment(t, src, srcPort, dst, dstPort, flags, seq, ack, (seq + flags) % 65536, len);
}

describe('a connection the backend resets after answering', () => {
  it('is a mid-stream reset', () => {
    const exchange: [boolean, number, number, number, number][] = [
      [true, 0x02, 100, 0, 0],
      [false, 0x12, 900, 101, 0],
      [true, 0x10, 101, 901, 0],
      [true, 0x18, 101, 901, 50],
      [false, 0x18, 901, 151, 100],
      [true, 0x10, 151, 1001, 0],
      [false, 0x14, 1001, 151, 0],
    ];
    const client: CorrelatePacket[] = [];
    const backend: CorrelatePacket[] = [];
    exchange.forEach(([request, flags, seq, ack, len], i) => {
      const t = i * 1_000_000;
      client.push(segment(request ? t : t + 30_000, request, true, flags, seq, ack, len));
      backend.push(segment(request ? t + 30_000 : t, request, false, flags, seq, ack, len));
    });
    const captures = [
      { id: 'client', role: 'client' as const, node: 'n1' },
      { id: 'backend', role: 'backend' as const, node: 'n1' },
    ];
    const correlation = correlate([
      { point: captures[0], packets: () => client },
      { point: captures[1], packets: () => backend },
    ]);
    const [flow] = correlation.flows;
    expect([flow.state, flow.resetBy, flow.backend]).toEqual(['RESET', 'backend', '10.0.2.7:8080']);
    const codes = diagnose({ correlation, addressBook: null, dataplane: null, captures }).map((f) => f.code);
    expect(codes).toContain('RESET_MID_STREAM');
    expect(codes).not.toContain('RESET_BY_BACKEND');
  });
});
