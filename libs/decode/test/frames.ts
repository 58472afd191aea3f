// Builders of hand-made frames, byte by byte (checksums left zero: nothing on the way checks
// them), and a decode() that places one inside a larger buffer as records are inside batches.
import { CaptureRecord, type CaptureInterface } from '#capture';
import { DecodedPacket, decodePacket, parseAddress } from '../src/index.js';

export const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
export const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
export const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
export const addr = (a: string) => Buffer.from(parseAddress(a)!);

export function ipv4(
  proto: number,
  src: string,
  dst: string,
  payload: Buffer,
  o: { id?: number; ttl?: number; frag?: number; options?: Buffer; length?: number } = {},
): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  return Buffer.concat([
    Buffer.from([0x40 | (hl / 4), 0]),
    u16(o.length ?? hl + payload.length),
    u16(o.id ?? 0x1234),
    u16(o.frag ?? 0x4000),
    Buffer.from([o.ttl ?? 64, proto]),
    u16(0),
    addr(src),
    addr(dst),
    opts,
    payload,
  ]);
}

export function ipv6(nh: number, src: string, dst: string, payload: Buffer, hlim = 64): Buffer {
  return Buffer.concat([
    u32(0x60012345),
    u16(payload.length),
    Buffer.from([nh, hlim]),
    addr(src),
    addr(dst),
    payload,
  ]);
}

/** An IPv6 fragment header (RFC 8200 4.5): next header, offset in bytes (a multiple of 8), M flag, id. */
export function ipv6Fragment(nh: number, offset: number, more: boolean, id: number): Buffer {
  return Buffer.concat([Buffer.from([nh, 0]), u16(offset | (more ? 1 : 0)), u32(id)]);
}

export function tcp(
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  win: number,
  options = Buffer.alloc(0),
  payload = Buffer.alloc(0),
): Buffer {
  const hl = 20 + options.length;
  return Buffer.concat([
    u16(sport),
    u16(dport),
    u32(seq),
    u32(ack),
    Buffer.from([(hl / 4) << 4, flags]),
    u16(win),
    u16(0),
    u16(0),
    options,
    payload,
  ]);
}

export const udp = (sport: number, dport: number, payload: Buffer) =>
  Buffer.concat([u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload]);
export const eth = (type: number, payload: Buffer) =>
  Buffer.concat([hex('020000000001 020000000002'), u16(type), payload]);
export const vlan = (id: number, type: number) => Buffer.concat([u16(id), u16(type)]);
/** A VXLAN header with the I flag and `vni` (the inner Ethernet frame follows). */
export const vxlanHeader = (vni: number) => Buffer.concat([hex('08000000'), u32(vni << 8)]);
/** ICMP or ICMPv6: type, code, checksum (zero), then the rest (id and sequence, or a quote). */
export const icmp = (type: number, code: number, rest: Buffer) =>
  Buffer.concat([Buffer.from([type, code]), u16(0), rest]);

export function iface(linktype: number, index = 0): CaptureInterface {
  return {
    index,
    section: 0,
    id: index,
    offset: 0,
    linktype,
    snaplen: 262144,
    name: null,
    description: null,
    if_tsresol: 9,
    if_tsoffset: 0,
  };
}

/** Decodes `frame` placed at an offset inside a larger buffer, as records are inside batches. */
export function decode(
  linktype: number,
  frame: Buffer,
  origlen = frame.length,
  into = new DecodedPacket(),
): DecodedPacket {
  const data = Buffer.concat([Buffer.alloc(7, 0xee), frame, Buffer.alloc(9, 0xee)]);
  const rec = new CaptureRecord();
  Object.assign(rec, {
    data,
    view: new DataView(data.buffer, data.byteOffset, data.length),
    offset: 7,
    caplen: frame.length,
    origlen,
    interface: iface(linktype),
  });
  return decodePacket(rec, into);
}
