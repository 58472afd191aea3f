import type { BatchBuilder } from './batch.js';
import { CaptureFormatError } from './errors.js';
import { type CaptureInterface, effectiveSnaplen, MAXIMUM_SNAPLEN } from './interface.js';
import type { FormatParser } from './parser.js';
import { ts, unitsToTimestamp } from './timestamp.js';

// Block types (draft-ietf-opsawg-pcapng, section 11.1).
export const PCAPNG_SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const OPB = 0x00000002; // obsolete Packet Block
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

// Option codes.
const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const EPB_FLAGS = 2;

/**
 * Blocks we must hold whole (header, interface and packet blocks) may be at most this long; a
 * packet is at most 256 KiB, so anything longer is hostile. Other blocks are skipped as they
 * stream past, whatever their length.
 */
export const MAX_BUFFERED_BLOCK = 1 << 20;

/** The shortest valid length of each block we read: its fixed fields plus header and trailer. */
const MIN_BLOCK_LENGTH = new Map([
  [PCAPNG_SHB, 28],
  [IDB, 20],
  [EPB, 32],
  [OPB, 32],
  [SPB, 16],
]);

const decoder = new TextDecoder('utf-8', { fatal: false });

/** pcapng: a sequence of sections, each a Section Header Block followed by blocks in its byte order. */
export class PcapngParser implements FormatParser {
  readonly interfaces: CaptureInterface[] = [];
  private le = true;
  private section = -1;
  /** Section-local interface id -> index in `interfaces`. */
  private sectionInterfaces: number[] = [];
  /** Bytes of an uninteresting block still to skip. */
  private skip = 0;

  constructor(
    private readonly file: string,
    private readonly accept: (iface: CaptureInterface) => void,
  ) {}

  parse(buf: Uint8Array, view: DataView, pos: number, end: number, base: number, out: BatchBuilder): number {
    while (!out.full) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - pos);
        pos += n;
        this.skip -= n;
        if (this.skip > 0) return pos;
      }
      if (end - pos < 12) return pos;
      const type = view.getUint32(pos, this.le);
      if (type === PCAPNG_SHB) {
        // The byte-order magic, not the block type (a palindrome), sets the section's byte order.
        const bom = view.getUint32(pos + 8, true);
        if (bom === BYTE_ORDER_MAGIC) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else this.fail(base + pos + 8, 'NOT_A_CAPTURE', `bad byte-order magic 0x${hex(bom)}`);
      } else if (this.section < 0) {
        this.fail(base + pos, 'NOT_A_CAPTURE', 'pcapng file does not start with a Section Header Block');
      }
      const le = this.le;
      const length = view.getUint32(pos + 4, le);
      if (length < 12 || length % 4 !== 0 || length < (MIN_BLOCK_LENGTH.get(type) ?? 12)) {
        this.fail(base + pos + 4, 'BAD_BLOCK_LENGTH', `block length ${length} is not valid`);
      }
      if (type !== PCAPNG_SHB && type !== IDB && type !== EPB && type !== SPB && type !== OPB) {
        // Name resolution, statistics, custom, decryption secrets and unknown blocks.
        this.skip = length;
        continue;
      }
      if (length > MAX_BUFFERED_BLOCK) {
        this.fail(base + pos, 'BLOCK_TOO_LONG', `block of ${length} bytes exceeds ${MAX_BUFFERED_BLOCK}`);
      }
      if (end - pos < length) return pos;
      const blockEnd = pos + length - 4;
      switch (type) {
        case PCAPNG_SHB:
          this.sectionHeader(view, pos, base);
          break;
        case IDB:
          this.interfaceDescription(buf, view, pos, blockEnd, base);
          break;
        case EPB:
        case OPB: {
          const obsolete = type === OPB;
          const id = obsolete ? view.getUint16(pos + 8, le) : view.getUint32(pos + 8, le);
          const iface = this.interfaceFor(id, base + pos + 8);
          const caplen = view.getUint32(pos + 20, le);
          const data = pos + 28;
          if (caplen > blockEnd - data) {
            this.fail(
              base + pos + 20,
              'BAD_BLOCK_LENGTH',
              `caplen ${caplen} overruns its ${length}-byte block`,
            );
          }
          if (caplen > MAXIMUM_SNAPLEN) {
            this.fail(base + pos + 20, 'RECORD_TOO_LONG', `caplen ${caplen} exceeds ${MAXIMUM_SNAPLEN}`);
          }
          const flags = obsolete ? 0 : packetFlags(view, data + ((caplen + 3) & ~3), blockEnd, le);
          unitsToTimestamp(
            view.getUint32(pos + 12, le),
            view.getUint32(pos + 16, le),
            iface.if_tsresol,
            iface.if_tsoffset,
          );
          const snaplen = effectiveSnaplen(iface.snaplen);
          out.push(
            data,
            caplen > snaplen ? snaplen : caplen,
            view.getUint32(pos + 24, le),
            ts.sec,
            ts.nsec,
            base + pos,
            iface.index,
            flags,
          );
          break;
        }
        case SPB: {
          // No timestamp and no interface id: it belongs to interface 0 and its time is unknown (0).
          const iface = this.interfaceFor(0, base + pos);
          const origlen = view.getUint32(pos + 8, le);
          const caplen = Math.min(origlen, blockEnd - (pos + 12), effectiveSnaplen(iface.snaplen));
          out.push(pos + 12, caplen, origlen, 0, 0, base + pos, iface.index, 0);
          break;
        }
      }
      pos += length;
    }
    return pos;
  }

  finish(leftover: number, offset: number): void {
    if (this.section < 0) {
      this.fail(offset, 'TRUNCATED_HEADER', 'file ends inside the Section Header Block');
    }
    if (leftover > 0 || this.skip > 0) {
      this.fail(offset, 'TRUNCATED_RECORD', 'file ends inside a block');
    }
  }

  private sectionHeader(view: DataView, pos: number, base: number): void {
    const major = view.getUint16(pos + 12, this.le);
    if (major !== 1) {
      this.fail(base + pos + 12, 'UNSUPPORTED_VERSION', `pcapng version ${major}.x (only 1.x exists)`);
    }
    this.section++;
    this.sectionInterfaces = [];
  }

  private interfaceDescription(
    buf: Uint8Array,
    view: DataView,
    pos: number,
    blockEnd: number,
    base: number,
  ): void {
    const le = this.le;
    if (blockEnd - pos < 16)
      this.fail(base + pos, 'BAD_BLOCK_LENGTH', 'Interface Description Block too short');
    let name: string | null = null;
    let description: string | null = null;
    let tsresol = 6;
    let tsoffset = 0;
    for (let o = pos + 16; o + 4 <= blockEnd;) {
      const code = view.getUint16(o, le);
      const len = view.getUint16(o + 2, le);
      const value = o + 4;
      if (code === OPT_ENDOFOPT || value + len > blockEnd) break;
      if (code === IF_NAME) name = text(buf, value, len);
      else if (code === IF_DESCRIPTION) description = text(buf, value, len);
      else if (code === IF_TSRESOL && len >= 1) tsresol = buf[value];
      else if (code === IF_TSOFFSET && len >= 8) tsoffset = Number(view.getBigInt64(value, le));
      o = value + ((len + 3) & ~3);
    }
    const iface: CaptureInterface = {
      index: this.interfaces.length,
      section: this.section,
      id: this.sectionInterfaces.length,
      offset: base + pos,
      linktype: view.getUint16(pos + 8, le),
      snaplen: view.getUint32(pos + 12, le),
      name,
      description,
      if_tsresol: tsresol,
      if_tsoffset: tsoffset,
    };
    this.accept(iface);
    this.sectionInterfaces.push(iface.index);
    this.interfaces.push(iface);
  }

  private interfaceFor(id: number, offset: number): CaptureInterface {
    const index = this.sectionInterfaces[id];
    if (index === undefined) {
      this.fail(
        offset,
        'UNKNOWN_INTERFACE',
        `packet names interface ${id}, but the section declares ${this.sectionInterfaces.length}`,
      );
    }
    return this.interfaces[index];
  }

  private fail(offset: number, code: CaptureFormatError['code'], detail: string): never {
    throw new CaptureFormatError(this.file, offset, code, detail);
  }
}

/** The `epb_flags` option of an Enhanced Packet Block, 0 when absent. */
function packetFlags(view: DataView, o: number, blockEnd: number, le: boolean): number {
  while (o + 4 <= blockEnd) {
    const code = view.getUint16(o, le);
    const len = view.getUint16(o + 2, le);
    if (code === OPT_ENDOFOPT || o + 4 + len > blockEnd) return 0;
    if (code === EPB_FLAGS && len === 4) return view.getUint32(o + 4, le);
    o += 4 + ((len + 3) & ~3);
  }
  return 0;
}

function text(buf: Uint8Array, start: number, len: number): string {
  // Options may be NUL-padded by some writers.
  let end = start + len;
  while (end > start && buf[end - 1] === 0) end--;
  return decoder.decode(buf.subarray(start, end));
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
