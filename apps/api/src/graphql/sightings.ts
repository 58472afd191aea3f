// A stored flow's sightings (flow.detail.perspectives[].sightings) as one list on the reference clock.
import type { Sighting } from './types.js';

interface StoredPerspective {
  capture: string;
  direction: string;
  src: string;
  dst: string;
  sightings?: Array<{
    timestampNs: string;
    frame: number;
    interface: string | null;
    type: string;
    tcpFlags: number;
  }>;
}

/** Every stored sighting of the flow, in reference-clock order (capture order breaks ties). */
export function flowSightings(detail: unknown, offsets: Map<string, bigint>): Sighting[] {
  const perspectives = ((detail ?? {}) as { perspectives?: StoredPerspective[] }).perspectives ?? [];
  const out: Array<Sighting & { at: bigint; order: number }> = [];
  perspectives.forEach((p, order) => {
    const offset = offsets.get(p.capture) ?? 0n;
    for (const s of p.sightings ?? []) {
      const at = BigInt(s.timestampNs) - offset;
      out.push({
        captureId: p.capture,
        perspective: order,
        timestampNs: s.timestampNs,
        referenceTimestampNs: at.toString(),
        frame: s.frame,
        interface: s.interface,
        type: s.type,
        direction: p.direction,
        src: p.src,
        dst: p.dst,
        tcpFlags: s.tcpFlags,
        at,
        order,
      });
    }
  });
  out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order || a.frame - b.frame));
  return out.map(({ at: _at, order: _order, ...s }) => s);
}
