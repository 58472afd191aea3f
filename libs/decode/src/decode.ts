import {
  type CaptureInterface,
  CaptureRecord,
  type CaptureSource,
  readCapture,
  readCaptureFile,
  type ReadOptions,
  type RecordBatch,
} from '#capture';
import { formatAddress } from './address.js';
import { LINK_DECODERS, type LinkDecoder } from './link.js';
import { DecodedPacket, ENCAP_NAMES, malformed, STATUS_MALFORMED } from './packet.js';

/** Reason given if a decoder bug ever throws; tests assert it never appears. */
export const DECODER_FAULT = 'decoder fault';
/**
 * Reason given to a packet on an interface whose link type decodePacket does not decode (status
 * malformed): it fails alone, the capture's other interfaces are read (see readDecodable).
 */
export const UNSUPPORTED_LINKTYPE = 'unsupported link type';

/**
 * Decodes one record into `out` (reuse one instance in loops) and returns it. Never throws: the
 * outcome is `out.status` / `out.reason`. Only `out.data` and the offsets refer to the record's
 * bytes; nothing is copied.
 */
export function decodePacket(rec: CaptureRecord, out: DecodedPacket = new DecodedPacket()): DecodedPacket {
  out.number = rec.number;
  out.tsSec = rec.tsSec;
  out.tsNsec = rec.tsNsec;
  out.fileOffset = rec.fileOffset;
  out.epbFlags = rec.flags;
  return decodeFrame(out, rec.interface, rec.data, rec.view, rec.offset, rec.caplen, rec.origlen);
}

/**
 * decodePacket for record `i` of a batch, read straight from the batch's columns: the hot-loop
 * form (no CaptureRecord in between).
 */
export function decodeRecordAt(batch: RecordBatch, i: number, out: DecodedPacket): DecodedPacket {
  out.number = batch.firstNumber + i;
  out.tsSec = batch.tsSec[i];
  out.tsNsec = batch.tsNsec[i];
  out.fileOffset = batch.fileOffset[i];
  out.epbFlags = batch.flags[i];
  const iface = batch.interfaces[batch.iface[i]];
  return decodeFrame(out, iface, batch.data, batch.view, batch.start[i], batch.caplen[i], batch.origlen[i]);
}

function decodeFrame(
  out: DecodedPacket,
  iface: CaptureInterface,
  data: Uint8Array,
  view: DataView,
  offset: number,
  caplen: number,
  origlen: number,
): DecodedPacket {
  out.caplen = caplen;
  out.origlen = origlen;
  out.interface = iface;
  out.linktype = iface.linktype;
  out.data = data;
  out.reset();
  const decoder = iface === lastInterface ? lastDecoder : decoderFor(iface);
  if (decoder === undefined) {
    malformed(out, UNSUPPORTED_LINKTYPE);
    return out;
  }
  try {
    decoder(out, data, view, offset, offset + caplen);
  } catch {
    // Every read is bounds-checked; this is a safety net, not a code path.
    out.status = STATUS_MALFORMED;
    out.reason = DECODER_FAULT;
  }
  return out;
}

// The decoder of the last record's interface: consecutive records nearly always share it.
let lastInterface: CaptureInterface | null = null;
let lastDecoder: LinkDecoder | undefined;

function decoderFor(iface: CaptureInterface): LinkDecoder | undefined {
  lastInterface = iface;
  lastDecoder = LINK_DECODERS.get(iface.linktype);
  return lastDecoder;
}

/**
 * readCapture for decodePacket. An interface whose link type decodePacket does not decode is no
 * error: a pcapng may declare many that its packets never use (tshark reads such files), and the
 * packets that do use one decode as malformed with reason UNSUPPORTED_LINKTYPE, to be counted
 * (DecodeStats.unsupportedLinkTypes). Pass `linktypes: SUPPORTED_LINKTYPES` to reject the file
 * at such an interface instead.
 */
export function readDecodable(
  source: CaptureSource | string,
  options: ReadOptions = {},
): AsyncGenerator<RecordBatch> {
  return typeof source === 'string' ? readCaptureFile(source, options) : readCapture(source, options);
}

/**
 * Decodes a whole capture into an array, one DecodedPacket per record: for tests and small
 * inputs. Streaming consumers should loop over batches with one reused DecodedPacket instead.
 */
export async function decodeFile(
  source: CaptureSource | string,
  options: ReadOptions = {},
): Promise<DecodedPacket[]> {
  const packets: DecodedPacket[] = [];
  const rec = new CaptureRecord();
  for await (const batch of readDecodable(source, options)) {
    for (let i = 0; i < batch.count; i++) packets.push(decodePacket(batch.record(i, rec)));
  }
  return packets;
}

/** A plain, JSON-friendly view of a decoded packet (allocates: for tests, logs and debugging). */
export function packetSummary(p: DecodedPacket): Record<string, unknown> {
  const v = p.ipVersion;
  return {
    number: p.number,
    timestampNs: p.timestampNs().toString(),
    caplen: p.caplen,
    origlen: p.origlen,
    status: p.statusName,
    reason: p.reason,
    ifIndex: p.ifIndex,
    packetType: p.packetType,
    ethertype: p.ethertype,
    vlans: [p.vlan0, p.vlan1].slice(0, Math.min(p.vlanCount, 2)),
    ipVersion: v,
    src: v ? formatAddress(p.src, v) : null,
    dst: v ? formatAddress(p.dst, v) : null,
    protocol: p.protocol,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    ipId: p.ipId,
    ttl: p.ttl,
    fragment: p.isFragment ? { offset: p.fragOffset, more: p.moreFragments } : null,
    tcp:
      p.protocol === 6 && p.tcpHeaderLength
        ? { seq: p.tcpSeq, ack: p.tcpAck, flags: p.tcpFlags, win: p.tcpWindow }
        : null,
    icmp: p.icmpType >= 0 ? { type: p.icmpType, code: p.icmpCode, id: p.icmpId, seq: p.icmpSeq } : null,
    payloadLength: p.payloadLength,
    payloadHash: p.payloadHash,
    embedded: p.hasEmbedded
      ? {
          src: formatAddress(p.embedded.src, p.embedded.ipVersion),
          dst: formatAddress(p.embedded.dst, p.embedded.ipVersion),
          protocol: p.embedded.protocol,
          srcPort: p.embedded.srcPort,
          dstPort: p.embedded.dstPort,
        }
      : null,
    encaps: p.encaps.slice(0, p.encapCount).map((e) => ({
      kind: ENCAP_NAMES[e.kind],
      vni: e.vni,
      src: formatAddress(e.src, e.ipVersion),
      dst: formatAddress(e.dst, e.ipVersion),
      srcPort: e.srcPort,
      dstPort: e.dstPort,
    })),
  };
}
