import type { BatchBuilder } from './batch.js';
import { CaptureFormatError } from './errors.js';
import { type CaptureInterface, effectiveSnaplen, MAXIMUM_SNAPLEN } from './interface.js';
import type { FormatParser } from './parser.js';

// pcap-savefile(5): the magic as read big-endian tells byte order and timestamp unit.
export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: 8 more bytes per record header (ifindex, protocol, pkt_type). */
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

const GLOBAL_HEADER_LEN = 24;
/** The link-type field's low 26 bits; the upper bits carry FCS information (LT_LINKTYPE). */
const LINKTYPE_MASK = 0x03ffffff;

/** Classic pcap: a 24-byte global header, then 16-byte record headers each followed by caplen bytes. */
export class PcapParser implements FormatParser {
  readonly interfaces: CaptureInterface[] = [];
  private le = true;
  private nano = false;
  private recordHeaderLen = 16;
  private snaplen = MAXIMUM_SNAPLEN;

  constructor(
    private readonly file: string,
    private readonly accept: (iface: CaptureInterface) => void,
  ) {}

  /** Whether `magic` (the first 4 bytes read big-endian, either order) starts a classic pcap file. */
  static sniff(magic: number, swapped: number): boolean {
    return isPcapMagic(magic) || isPcapMagic(swapped);
  }

  parse(buf: Uint8Array, view: DataView, pos: number, end: number, base: number, out: BatchBuilder): number {
    if (this.interfaces.length === 0) {
      if (end - pos < GLOBAL_HEADER_LEN) return pos;
      this.readGlobalHeader(view, pos, base);
      pos += GLOBAL_HEADER_LEN;
    }
    const le = this.le;
    const hlen = this.recordHeaderLen;
    const snaplen = this.snaplen;
    const scale = this.nano ? 1 : 1000;
    while (end - pos >= hlen && !out.full) {
      const caplen = view.getUint32(pos + 8, le);
      if (caplen > MAXIMUM_SNAPLEN) {
        throw new CaptureFormatError(
          this.file,
          base + pos,
          'RECORD_TOO_LONG',
          `record caplen ${caplen} exceeds the ${MAXIMUM_SNAPLEN}-byte maximum`,
        );
      }
      if (end - pos < hlen + caplen) break;
      let sec = view.getUint32(pos, le);
      let nsec = view.getUint32(pos + 4, le) * scale;
      // Hostile files put >= 1e6 in ts_usec; carry so the sum stays exact and nsec stays in range.
      if (nsec >= 1_000_000_000) {
        const carry = Math.floor(nsec / 1_000_000_000);
        sec += carry;
        nsec -= carry * 1_000_000_000;
      }
      // libpcap keeps only snaplen bytes of an oversized record (old Solaris wrote such files).
      out.push(
        pos + hlen,
        caplen > snaplen ? snaplen : caplen,
        view.getUint32(pos + 12, le),
        sec,
        nsec,
        base + pos,
        0,
        0,
      );
      pos += hlen + caplen;
    }
    return pos;
  }

  finish(leftover: number, offset: number): void {
    if (this.interfaces.length === 0) {
      throw new CaptureFormatError(this.file, offset, 'TRUNCATED_HEADER', 'file ends inside the pcap header');
    }
    if (leftover > 0) {
      throw new CaptureFormatError(
        this.file,
        offset,
        'TRUNCATED_RECORD',
        `file ends ${leftover} bytes into a record`,
      );
    }
  }

  private readGlobalHeader(view: DataView, pos: number, base: number): void {
    const magic = view.getUint32(pos, false);
    this.le = !isPcapMagic(magic);
    const m = this.le ? view.getUint32(pos, true) : magic;
    this.nano = m === PCAP_MAGIC_NSEC;
    this.recordHeaderLen = m === PCAP_MAGIC_KUZNETZOV ? 24 : 16;
    const major = view.getUint16(pos + 4, this.le);
    if (major !== 2) {
      throw new CaptureFormatError(
        this.file,
        base + pos + 4,
        'UNSUPPORTED_VERSION',
        `pcap version ${major}.x (only 2.x exists)`,
      );
    }
    const snaplen = view.getUint32(pos + 16, this.le);
    this.snaplen = effectiveSnaplen(snaplen);
    const iface: CaptureInterface = {
      index: 0,
      section: 0,
      id: 0,
      offset: base + pos,
      linktype: view.getUint32(pos + 20, this.le) & LINKTYPE_MASK,
      snaplen,
      name: null,
      description: null,
      if_tsresol: this.nano ? 9 : 6,
      if_tsoffset: 0,
    };
    this.accept(iface);
    this.interfaces.push(iface);
  }
}

function isPcapMagic(m: number): boolean {
  return m === PCAP_MAGIC_USEC || m === PCAP_MAGIC_NSEC || m === PCAP_MAGIC_KUZNETZOV;
}
