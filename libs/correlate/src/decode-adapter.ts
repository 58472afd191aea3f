// From libs/decode's DecodedPacket to the CorrelatePacket view the engine reads. One adapter per
// capture: it owns the reused output object and caches address text (IPv4 by its 32 bits), so
// adapting allocates nothing for addresses already seen.
import { CaptureRecord, type RecordBatch } from '#capture';
import {
  DecodedPacket,
  decodePacket,
  formatAddress,
  readDecodable,
  STATUS_MALFORMED,
  UNSUPPORTED_LINKTYPE,
} from '#decode';
import { PKT_HOST, PKT_OUTGOING, PKT_UNKNOWN, type CapturePoint, type CorrelatePacket } from './types.js';

const ICMP_ECHO = new Set([0, 8, 128, 129]);
const ADDRESS_CACHE_SIZE = 1 << 12;
/** First fragments remembered per capture, the oldest forgotten first. */
const FIRST_FRAGMENTS_KEPT = 4096;
/** How long the later fragments of a datagram may follow its first (Linux: 30 s IPv4, 60 s IPv6). */
const FRAGMENT_TIMEOUT_SEC = 60;

/** What a datagram's first fragment leaves for its later fragments. */
interface FirstFragment {
  tsSec: number;
  srcPort: number;
  dstPort: number;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  icmpSeq: number;
  sctpVtag: number;
}

export function emptyPacket(): CorrelatePacket {
  return {
    tsSec: 0,
    tsNsec: 0,
    frame: -1,
    ifIndex: -1,
    ifName: null,
    pktType: PKT_UNKNOWN,
    ipVersion: 0,
    unsupportedLinktype: -1,
    undecoded: 0,
    protocol: 0,
    src: '',
    dst: '',
    srcPort: 0,
    dstPort: 0,
    ipId: 0,
    fragOffset: 0,
    ipLength: 0,
    tcpFlags: 0,
    seq: 0,
    ack: 0,
    window: 0,
    tsVal: -1,
    payloadLength: 0,
    payloadHash: 0,
    icmpType: -1,
    icmpCode: -1,
    icmpId: 0,
    icmpSeq: 0,
    sctpVtag: 0,
    sctpChunks: 0,
    embeddedProtocol: 0,
    embeddedSrc: '',
    embeddedDst: '',
    embeddedSrcPort: 0,
    embeddedDstPort: 0,
    embeddedIpId: 0,
    embeddedSeq: 0,
    embeddedIpLength: 0,
    embeddedPayloadHash: 0,
    tunnel: 0,
    outerSrc: '',
    outerDst: '',
    outerSrcPort: 0,
    outerDstPort: 0,
    vni: -1,
  };
}

export class DecodeAdapter {
  readonly out = emptyPacket();
  private readonly v4Key = new Int32Array(ADDRESS_CACHE_SIZE);
  private readonly v4Text: (string | undefined)[] = new Array(ADDRESS_CACHE_SIZE);
  /**
   * First fragments by source, destination, protocol and IP ID, in arrival order: their later
   * fragments (no transport header) take their ports from here and so join the datagram's flow.
   */
  private readonly firstFragments = new Map<string, FirstFragment>();

  constructor(private readonly interfaces: Record<number, string> | null = null) {}

  /** Fills and returns the reused output, with protocol -1 for packets correlate cannot use. */
  adapt(d: DecodedPacket): CorrelatePacket {
    const o = this.out;
    o.tsSec = d.tsSec;
    o.tsNsec = d.tsNsec;
    o.frame = d.number;
    o.ipVersion = d.ipVersion;
    o.undecoded = d.undecoded;
    // Malformed packets carry no usable tuple; later fragments only that of their first.
    if (d.ipVersion === 0 || d.status === STATUS_MALFORMED) {
      o.protocol = -1;
      o.unsupportedLinktype = d.reason === UNSUPPORTED_LINKTYPE ? d.linktype : -1;
      return o;
    }
    if (d.fragOffset !== 0) return this.laterFragment(d, o);
    this.link(d, o);
    o.protocol = d.protocol;
    o.src = this.address(d.src, d.ipVersion);
    o.dst = this.address(d.dst, d.ipVersion);
    o.ipId = d.ipId;
    o.fragOffset = 0;
    o.ipLength = d.ipLength;
    o.tcpFlags = d.tcpFlags;
    o.seq = d.tcpSeq;
    o.ack = d.tcpAck;
    o.window = d.tcpWindow;
    o.tsVal = d.tcpTsVal;
    o.payloadLength = d.payloadLength;
    o.payloadHash = d.payloadHash;
    o.icmpType = d.icmpType;
    o.icmpCode = d.icmpCode;
    o.icmpId = d.icmpId;
    o.icmpSeq = d.icmpSeq;
    o.sctpVtag = d.protocol === 132 ? d.sctpVtag : 0;
    o.sctpChunks = d.protocol === 132 ? d.sctpChunks : 0;
    if (d.protocol === 1 || d.protocol === 58) {
      o.srcPort = o.dstPort = 0;
    } else {
      o.srcPort = d.srcPort;
      o.dstPort = d.dstPort;
    }
    this.embedded(d, o);
    this.tunnel(d, o);
    if (d.moreFragments) this.rememberFirstFragment(d, o);
    return o;
  }

  /** A first fragment with a transport header to lend (ports, or an ICMP type that is no error). */
  private rememberFirstFragment(d: DecodedPacket, o: CorrelatePacket): void {
    const icmp = d.protocol === 1 || d.protocol === 58;
    if (icmp ? d.icmpType < 0 || o.embeddedProtocol !== 0 : !d.hasPorts) return;
    const key = fragmentKey(o.src, o.dst, d.protocol, d.ipId);
    const kept = this.firstFragments;
    // Re-inserted, so the map stays in arrival order and the oldest is the first key.
    kept.delete(key);
    if (kept.size >= FIRST_FRAGMENTS_KEPT) kept.delete(kept.keys().next().value!);
    kept.set(key, {
      tsSec: d.tsSec,
      srcPort: o.srcPort,
      dstPort: o.dstPort,
      icmpType: d.icmpType,
      icmpCode: d.icmpCode,
      icmpId: d.icmpId,
      icmpSeq: d.icmpSeq,
      sctpVtag: o.sctpVtag,
    });
  }

  /**
   * A later fragment: its datagram's first fragment's tuple if this capture showed it (within the
   * reassembly timeout), else unusable. Its fingerprint is its own IP ID, offset and bytes.
   */
  private laterFragment(d: DecodedPacket, o: CorrelatePacket): CorrelatePacket {
    const src = this.address(d.src, d.ipVersion);
    const dst = this.address(d.dst, d.ipVersion);
    const first = this.firstFragments.get(fragmentKey(src, dst, d.protocol, d.ipId));
    if (first === undefined || d.tsSec - first.tsSec > FRAGMENT_TIMEOUT_SEC) {
      o.protocol = -1;
      o.unsupportedLinktype = -1;
      return o;
    }
    this.link(d, o);
    o.protocol = d.protocol;
    o.src = src;
    o.dst = dst;
    o.ipId = d.ipId;
    o.fragOffset = d.fragOffset;
    o.ipLength = d.ipLength;
    o.tcpFlags = 0;
    o.seq = o.ack = o.window = 0;
    o.tsVal = -1;
    o.payloadLength = d.payloadLength;
    o.payloadHash = d.payloadHash;
    o.srcPort = first.srcPort;
    o.dstPort = first.dstPort;
    o.icmpType = first.icmpType;
    o.icmpCode = first.icmpCode;
    o.icmpId = first.icmpId;
    o.icmpSeq = first.icmpSeq;
    o.sctpVtag = first.sctpVtag;
    o.sctpChunks = 0;
    o.embeddedProtocol = 0;
    this.tunnel(d, o);
    return o;
  }

  private link(d: DecodedPacket, o: CorrelatePacket): void {
    o.pktType = d.packetType;
    o.ifIndex = d.ifIndex;
    // An empty name is no name: the index's `if<N>` stands in for it everywhere.
    o.ifName = d.ifIndex >= 0 ? this.interfaces?.[d.ifIndex] || null : null;
    const iface = d.interface;
    if (d.ifIndex < 0 && iface !== null && iface.name !== null && iface.name !== 'any') {
      // pcapng with one interface block per interface: its id stands in for the index.
      o.ifIndex = iface.index;
      o.ifName = iface.name || null;
    }
    if (o.pktType < 0 && d.epbFlags & 3) o.pktType = (d.epbFlags & 3) === 1 ? PKT_HOST : PKT_OUTGOING;
  }

  private embedded(d: DecodedPacket, o: CorrelatePacket): void {
    const e = d.embedded;
    if (!d.hasEmbedded || e.ipVersion === 0) {
      o.embeddedProtocol = 0;
      return;
    }
    o.embeddedProtocol = e.protocol;
    o.embeddedSrc = this.address(e.src, e.ipVersion);
    o.embeddedDst = this.address(e.dst, e.ipVersion);
    o.embeddedIpId = e.ipId;
    o.embeddedSeq = e.protocol === 6 ? e.tcpSeq : e.icmpSeq;
    o.embeddedIpLength = e.ipLength;
    o.embeddedPayloadHash = e.payloadHash;
    if (e.protocol === 1 || e.protocol === 58) {
      o.embeddedSrcPort = o.embeddedDstPort = ICMP_ECHO.has(e.icmpType) ? e.icmpId : 0;
    } else {
      o.embeddedSrcPort = e.hasTransport ? e.srcPort : 0;
      o.embeddedDstPort = e.hasTransport ? e.dstPort : 0;
    }
  }

  private tunnel(d: DecodedPacket, o: CorrelatePacket): void {
    if (d.encapCount === 0) {
      o.tunnel = 0;
      return;
    }
    const t = d.encaps[0];
    o.tunnel = t.kind;
    o.outerSrc = this.address(t.src, t.ipVersion);
    o.outerDst = this.address(t.dst, t.ipVersion);
    o.outerSrcPort = t.srcPort;
    o.outerDstPort = t.dstPort;
    o.vni = t.vni;
  }

  private address(bytes: Uint8Array, version: number): string {
    if (version !== 4) return formatAddress(bytes, version);
    // A direct-mapped cache: an array probe, no hashing of a (possibly non-small-integer) key.
    const key = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
    const slot = (key ^ (key >>> 11) ^ (key >>> 22)) & (ADDRESS_CACHE_SIZE - 1);
    const cached = this.v4Text[slot];
    if (this.v4Key[slot] === key && cached !== undefined) return cached;
    const text = formatAddress(bytes, 4);
    this.v4Key[slot] = key;
    this.v4Text[slot] = text;
    return text;
  }
}

/** The datagram a fragment belongs to, within one capture: RFC 791's reassembly key. */
function fragmentKey(src: string, dst: string, protocol: number, ipId: number): string {
  return `${src} ${dst} ${protocol} ${ipId}`;
}

/**
 * A capture file as an async packet source for correlateAsync: each call reads the file again,
 * yielding one chunk per record batch, decoded lazily into reused objects.
 */
export function fileSource(path: string, point: Pick<CapturePoint, 'interfaces'> = {}) {
  return batchSource(() => readDecodable(path), point);
}

/** The same over any reader of record batches (an upload store, a file with its own error handling). */
export function batchSource(
  read: () => AsyncIterable<RecordBatch>,
  point: Pick<CapturePoint, 'interfaces'> = {},
) {
  return async function* packets(): AsyncGenerator<Iterable<CorrelatePacket>> {
    const adapter = new DecodeAdapter(point.interfaces ?? null);
    const rec = new CaptureRecord();
    const decoded = new DecodedPacket();
    for await (const batch of read()) yield new BatchPackets(batch, rec, decoded, adapter);
  };
}

/**
 * One record batch as packets, decoded as they are asked for. A hand-written iterator that
 * reuses its result object: a generator would allocate one per packet.
 */
class BatchPackets implements Iterable<CorrelatePacket>, Iterator<CorrelatePacket> {
  private i = 0;
  private readonly result: IteratorResult<CorrelatePacket> = { done: false, value: undefined as never };

  constructor(
    private readonly batch: RecordBatch,
    private readonly rec: CaptureRecord,
    private readonly decoded: DecodedPacket,
    private readonly adapter: DecodeAdapter,
  ) {}

  [Symbol.iterator](): Iterator<CorrelatePacket> {
    return this;
  }

  next(): IteratorResult<CorrelatePacket> {
    const r = this.result;
    if (this.i >= this.batch.count) {
      r.done = true;
      return r;
    }
    r.value = this.adapter.adapt(decodePacket(this.batch.record(this.i++, this.rec), this.decoded));
    return r;
  }
}

/** Already decoded packets (tests, small inputs) as a synchronous source. */
export function decodedSource(
  packets: readonly DecodedPacket[],
  point: Pick<CapturePoint, 'interfaces'> = {},
) {
  return function* source(): Generator<CorrelatePacket> {
    const adapter = new DecodeAdapter(point.interfaces ?? null);
    for (const d of packets) yield adapter.adapt(d);
  };
}
