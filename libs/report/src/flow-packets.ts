// One flow's packets from every capture, ready for the pcapng writer: the frames correlate recorded as
// the flow's sightings are read back from each file, put on the reference clock (clock offsets
// removed) and in time order, each capture point (and link type) on its own interface, and every
// sighting a translation produced annotated with it (`DNAT 10.233.9.232:80 -> 10.233.65.212:80`).
// Shared by `natlens export-flow` and the API's GET /v1/analyses/:id/flows/:flowId/pcapng.
import { CaptureRecord } from '#capture';
import { decodePacket, DecodedPacket, formatAddress, STATUS_OK } from '#decode';
import { describeTranslation } from './format.js';
import type { PcapngInterface, PcapngPacket } from './pcapng-writer.js';
import type { TranslationInput } from './types.js';

/** What of a flow the export needs: libs/correlate's Flow fits, and so does a stored flow's detail. */
export interface FlowPacketsFlow {
  /** tcp, udp, icmp, icmpv6, sctp: packets beyond the stored sightings are matched on it. */
  protocol?: string;
  perspectives: Array<{
    capture: string;
    src: string;
    dst: string;
    /** Sightings made here (a packet seen on two interfaces counts twice); else `packets`. */
    sightingCount?: number;
    packets?: number;
    /** This capture's clock. */
    firstNs?: string;
    lastNs?: string;
    sightings?: Array<{ frame: number; interface: string | null }>;
  }>;
  translations: Array<
    Pick<TranslationInput, 'kind' | 'before' | 'after' | 'outer'> & {
      capture: string;
      interfaces?: { before: string | null; after: string | null } | null;
    }
  >;
}

/** One capture to read: its capture point, and its records (readCaptureFile / readDecodable batches). */
export interface FlowPacketsCapture {
  point: { id: string; role: string; label?: string | null; node?: string | null };
  /** Where it came from, for the interface description (a file name). */
  source: string;
  batches: () => AsyncIterable<{ count: number; record(i: number, into: CaptureRecord): CaptureRecord }>;
}

export interface FlowPackets {
  interfaces: PcapngInterface[];
  packets: PcapngPacket[];
}

type Perspective = FlowPacketsFlow['perspectives'][number];
type Sighting = NonNullable<Perspective['sightings']>[number];

/** The translation whose `after` side this sighting is, if any (NONE translations change nothing). */
function translationOf(flow: FlowPacketsFlow, p: Perspective, s: Sighting) {
  return flow.translations.find(
    (t) =>
      t.kind !== 'NONE' &&
      t.capture === p.capture &&
      t.after.src === p.src &&
      t.after.dst === p.dst &&
      (!t.interfaces ||
        t.interfaces.after === null ||
        s.interface === null ||
        t.interfaces.after === s.interface),
  );
}

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, sctp: 132 };

/** How correlate writes an endpoint: ip:port, [ipv6]:port, a bare ip for protocols without ports. */
function endpoint(ip: string, port: number, protocol: number): string {
  if (protocol !== 6 && protocol !== 17 && protocol !== 132) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * A perspective whose stored sightings are fewer than the packets seen there (an analysis keeps the
 * first few as evidence): its other packets are found by their tuple as seen there, within the
 * perspective's time span on that capture's clock.
 */
interface Fill {
  tuple: string;
  fromNs: bigint;
  toNs: bigint;
  comment: string | null;
}

function fillsOf(flow: FlowPacketsFlow, captureId: string): Fill[] {
  const fills: Fill[] = [];
  if (!flow.protocol || !(flow.protocol in PROTOCOLS)) return fills;
  for (const p of flow.perspectives) {
    if (p.capture !== captureId || !p.firstNs || !p.lastNs) continue;
    const seen = p.sightingCount ?? p.packets ?? 0;
    if ((p.sightings?.length ?? 0) >= seen) continue;
    const t = translationOf(flow, p, { frame: -1, interface: null });
    fills.push({
      tuple: `${p.src}>${p.dst}`,
      fromNs: BigInt(p.firstNs),
      toNs: BigInt(p.lastNs) + SAME_PACKET_NS,
      comment: t ? describeTranslation(t) : null,
    });
  }
  return fills;
}

/**
 * A perspective's lastNs is its last packet's first sighting: the same packet seen again on another
 * interface of that capture (`-i any`) comes microseconds later, within this.
 */
const SAME_PACKET_NS = 10_000_000n;

/** Slack past the last perspective's end before a capture stops being read (records are not strictly ordered). */
const READ_PAST_NS = 2_000_000_000n;

/**
 * Reads the flow's sighted frames out of each capture. `onError` may accept a capture's read error
 * (return true: keep what was read, e.g. a file cut short); otherwise it is thrown.
 */
export async function flowPackets(
  flow: FlowPacketsFlow,
  captures: FlowPacketsCapture[],
  offsets: Map<string, bigint>,
  onError: (error: unknown, capture: FlowPacketsCapture) => boolean = () => false,
): Promise<FlowPackets> {
  const interfaces: PcapngInterface[] = [];
  const interfaceIds = new Map<string, number>();
  const packets: (PcapngPacket & { order: number })[] = [];
  for (const [order, capture] of captures.entries()) {
    const { point } = capture;
    const wanted = new Map<number, string | null>();
    for (const p of flow.perspectives) {
      if (p.capture !== point.id) continue;
      for (const s of p.sightings ?? []) {
        if (s.frame < 0) continue;
        const t = translationOf(flow, p, s);
        wanted.set(s.frame, t ? describeTranslation(t) : (wanted.get(s.frame) ?? null));
      }
    }
    const fills = fillsOf(flow, point.id);
    if (!wanted.size && !fills.length) continue;
    const protocol = PROTOCOLS[flow.protocol ?? ''] ?? -1;
    const fillEnd = fills.reduce((end, f) => (f.toNs > end ? f.toNs : end), 0n) + READ_PAST_NS;
    const fillStart = fills.reduce((start, f) => (f.fromNs < start ? f.fromNs : start), fillEnd);
    const offset = offsets.get(point.id) ?? 0n;
    const rec = new CaptureRecord();
    const decoded = new DecodedPacket();
    /** The comment for a packet of one of the perspectives to fill in, or undefined if it is none of them. */
    const filled = (): string | null | undefined => {
      const ts = rec.timestampNs();
      if (ts < fillStart || ts > fillEnd) return undefined;
      decodePacket(rec, decoded);
      if (decoded.status !== STATUS_OK || decoded.protocol !== protocol) return undefined;
      const src = endpoint(formatAddress(decoded.src, decoded.ipVersion), decoded.srcPort, protocol);
      const dst = endpoint(formatAddress(decoded.dst, decoded.ipVersion), decoded.dstPort, protocol);
      const fill = fills.find((f) => f.tuple === `${src}>${dst}` && ts >= f.fromNs && ts <= f.toNs);
      return fill ? fill.comment : undefined;
    };
    const more = () => wanted.size > 0 || (fills.length > 0 && rec.timestampNs() <= fillEnd);
    try {
      for await (const batch of capture.batches()) {
        for (let i = 0; i < batch.count; i++) {
          batch.record(i, rec);
          let comment: string | null | undefined = wanted.get(rec.number);
          if (comment === undefined && !wanted.has(rec.number)) {
            comment = fills.length ? filled() : undefined;
            if (comment === undefined) {
              if (!more()) break;
              continue;
            }
          }
          const linktype = rec.interface.linktype;
          const key = `${point.id}\u0000${linktype}`;
          let id = interfaceIds.get(key);
          if (id === undefined) {
            id = interfaces.length;
            interfaceIds.set(key, id);
            const name = point.label ?? point.id;
            const taken = interfaces.some((x) => x.name === name);
            interfaces.push({
              linktype,
              name: taken ? `${name} (linktype ${linktype})` : name,
              description: `${point.role} capture ${capture.source}${point.node ? ` on ${point.node}` : ''}`,
            });
          }
          packets.push({
            interfaceId: id,
            timestampNs: rec.timestampNs() - offset,
            data: rec.bytes().slice(),
            origlen: rec.origlen,
            comment,
            order,
          });
          wanted.delete(rec.number);
        }
        if (!more()) break;
      }
    } catch (error) {
      if (!onError(error, capture)) throw error;
    }
  }
  // Stable: packets at the same corrected time keep capture order, then file order.
  packets.sort((a, b) =>
    a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : a.order - b.order,
  );
  return { interfaces, packets: packets.map(({ order: _order, ...p }) => p) };
}
