// One flow's packets from every capture, ready for the pcapng writer: the frames correlate recorded as
// the flow's sightings are read back from each file, put on the reference clock (clock offsets
// removed) and in time order, each capture point (and link type) on its own interface, and every
// sighting a translation produced annotated with it (`DNAT 10.233.9.232:80 -> 10.233.65.212:80`).
import { CaptureRecord } from '#capture';
import type { Flow, Perspective, SightingRecord, Translation } from '#correlate';
import { describeTranslation, type PcapngInterface, type PcapngPacket } from '#report';
import { readDecodable } from '#decode';
import { captureError } from './capture-files.js';
import type { ResolvedCapture } from './capture-points.js';

export interface FlowPackets {
  interfaces: PcapngInterface[];
  packets: PcapngPacket[];
}

/** The translation whose `after` side this sighting is, if any (NONE translations change nothing). */
function translationOf(flow: Flow, p: Perspective, s: SightingRecord): Translation | undefined {
  return flow.translations.find(
    (t) =>
      t.kind !== 'NONE' &&
      t.capture === p.capture &&
      t.after.src === p.src &&
      t.after.dst === p.dst &&
      (t.interfaces.after === null || s.interface === null || t.interfaces.after === s.interface),
  );
}

export async function flowPackets(
  flow: Flow,
  captures: ResolvedCapture[],
  offsets: Map<string, bigint>,
  warn: (message: string) => void,
): Promise<FlowPackets> {
  const interfaces: PcapngInterface[] = [];
  const interfaceIds = new Map<string, number>();
  const packets: (PcapngPacket & { order: number })[] = [];
  for (const [order, { arg, point }] of captures.entries()) {
    const wanted = new Map<number, string | null>();
    for (const p of flow.perspectives) {
      if (p.capture !== point.id) continue;
      for (const s of p.sightings) {
        if (s.frame < 0) continue;
        const t = translationOf(flow, p, s);
        wanted.set(s.frame, t ? describeTranslation(t) : (wanted.get(s.frame) ?? null));
      }
    }
    if (!wanted.size) continue;
    const offset = offsets.get(point.id) ?? 0n;
    const rec = new CaptureRecord();
    try {
      for await (const batch of readDecodable(arg.file)) {
        for (let i = 0; i < batch.count && wanted.size; i++) {
          batch.record(i, rec);
          if (!wanted.has(rec.number)) continue;
          const linktype = rec.interface.linktype;
          const key = `${point.id}\u0000${linktype}`;
          let id = interfaceIds.get(key);
          if (id === undefined) {
            id = interfaces.length;
            interfaceIds.set(key, id);
            const taken = interfaces.some((x) => x.name === point.label);
            interfaces.push({
              linktype,
              name: taken ? `${point.label} (linktype ${linktype})` : (point.label ?? point.id),
              description: `${point.role} capture ${arg.file}${point.node ? ` on ${point.node}` : ''}`,
            });
          }
          packets.push({
            interfaceId: id,
            timestampNs: rec.timestampNs() - offset,
            data: rec.bytes().slice(),
            origlen: rec.origlen,
            comment: wanted.get(rec.number),
            order,
          });
          wanted.delete(rec.number);
        }
        if (!wanted.size) break;
      }
    } catch (error) {
      if (!captureError(error, warn)) throw error;
    }
  }
  // Stable: packets at the same corrected time keep capture order, then file order.
  packets.sort((a, b) =>
    a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : a.order - b.order,
  );
  return { interfaces, packets };
}
