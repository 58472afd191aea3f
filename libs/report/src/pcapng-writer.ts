// A minimal pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block, Interface Description
// Blocks and Enhanced Packet Blocks, little-endian, nanosecond timestamps (if_tsresol 9). Enough to
// hand one flow's packets from every capture point to Wireshark, each on an interface named after its
// capture point and with comments saying what NAT did. Blocks are returned as byte arrays, so the CLI
// writes them to a file and the API can stream them.

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const SHB_USERAPPL = 4;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const EPB_FLAGS = 2;

export interface PcapngInterface {
  /** LINKTYPE_* of every packet written on this interface. */
  linktype: number;
  /** if_name: e.g. the capture point's label. */
  name: string;
  description?: string;
  snaplen?: number;
}

export interface PcapngPacket {
  /** Index into the interfaces, in the order they were written. */
  interfaceId: number;
  /** Nanoseconds since the epoch. */
  timestampNs: bigint;
  /** The link-layer frame as captured (caplen bytes). */
  data: Uint8Array;
  /** Length on the wire; defaults to data.length. */
  origlen?: number;
  /** opt_comment, e.g. `DNAT 10.233.9.232:80 -> 10.233.65.212:80`. */
  comment?: string | null;
  /** epb_flags (direction in bits 0-1: 1 inbound, 2 outbound). */
  flags?: number | null;
}

interface Option {
  code: number;
  value: Uint8Array;
}

const text = (code: number, value: string): Option => ({ code, value: new TextEncoder().encode(value) });

function u32(code: number, value: number): Option {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return { code, value: b };
}

const pad4 = (n: number) => (n + 3) & ~3;

function optionsLength(options: Option[]): number {
  if (!options.length) return 0;
  return options.reduce((sum, o) => sum + 4 + pad4(o.value.length), 0) + 4;
}

/** A block: type, total length, body (written by `fill` at offset 8), options, total length again. */
function block(
  type: number,
  bodyLength: number,
  options: Option[],
  fill: (view: DataView, bytes: Uint8Array) => void,
) {
  const total = 12 + bodyLength + optionsLength(options);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  fill(view, bytes);
  let at = 8 + bodyLength;
  if (options.length) {
    for (const o of options) {
      view.setUint16(at, o.code, true);
      view.setUint16(at + 2, o.value.length, true);
      bytes.set(o.value, at + 4);
      at += 4 + pad4(o.value.length);
    }
    view.setUint16(at, OPT_ENDOFOPT, true);
    view.setUint16(at + 2, 0, true);
  }
  view.setUint32(total - 4, total, true);
  return bytes;
}

export function sectionHeaderBlock(application = 'natlens'): Uint8Array {
  return block(SHB, 16, [text(SHB_USERAPPL, application)], (view) => {
    view.setUint32(8, BYTE_ORDER_MAGIC, true);
    view.setUint16(12, 1, true); // major version
    view.setUint16(14, 0, true); // minor version
    view.setBigInt64(16, -1n, true); // section length: not given
  });
}

export function interfaceDescriptionBlock(i: PcapngInterface): Uint8Array {
  const options = [text(IF_NAME, i.name)];
  if (i.description) options.push(text(IF_DESCRIPTION, i.description));
  options.push({ code: IF_TSRESOL, value: Uint8Array.of(9) });
  return block(IDB, 8, options, (view) => {
    view.setUint16(8, i.linktype, true);
    view.setUint16(10, 0, true);
    view.setUint32(12, i.snaplen ?? 262144, true);
  });
}

export function enhancedPacketBlock(p: PcapngPacket): Uint8Array {
  const options: Option[] = [];
  if (p.comment) options.push(text(OPT_COMMENT, p.comment));
  if (p.flags) options.push(u32(EPB_FLAGS, p.flags));
  const ts = p.timestampNs < 0n ? 0n : p.timestampNs;
  return block(EPB, 20 + pad4(p.data.length), options, (view, bytes) => {
    view.setUint32(8, p.interfaceId, true);
    view.setUint32(12, Number(ts >> 32n), true);
    view.setUint32(16, Number(ts & 0xffffffffn), true);
    view.setUint32(20, p.data.length, true);
    view.setUint32(24, p.origlen ?? p.data.length, true);
    bytes.set(p.data, 28);
  });
}

/** A whole file: the section header, every interface, then the packets in the order given. */
export function* pcapngBlocks(
  interfaces: PcapngInterface[],
  packets: Iterable<PcapngPacket>,
): Generator<Uint8Array> {
  yield sectionHeaderBlock();
  for (const i of interfaces) yield interfaceDescriptionBlock(i);
  for (const p of packets) yield enhancedPacketBlock(p);
}
