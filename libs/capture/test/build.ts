// Writers for tiny synthetic captures, so tests can state exactly what a file holds.

export function pcapHeader(
  opts: { le?: boolean; nano?: boolean; snaplen?: number; linktype?: number } = {},
): Buffer {
  const le = opts.le ?? true;
  const b = Buffer.alloc(24);
  const magic = opts.nano ? 0xa1b23c4d : 0xa1b2c3d4;
  if (le) b.writeUInt32LE(magic, 0);
  else b.writeUInt32BE(magic, 0);
  const w16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w16(2, 4);
  w16(4, 6);
  w32(opts.snaplen ?? 65535, 16);
  w32(opts.linktype ?? 1, 20);
  return b;
}

export function pcapRecord(
  sec: number,
  frac: number,
  data: Uint8Array,
  le = true,
  origlen = data.length,
): Buffer {
  const b = Buffer.alloc(16);
  const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w32(sec, 0);
  w32(frac, 4);
  w32(data.length, 8);
  w32(origlen, 12);
  return Buffer.concat([b, data]);
}

/** One pcapng block: type, length, body padded to 4, length again. */
export function block(type: number, body: Uint8Array, le = true): Buffer {
  const padded = Buffer.alloc((body.length + 3) & ~3);
  padded.set(body);
  const len = 12 + padded.length;
  const head = Buffer.alloc(8);
  const tail = Buffer.alloc(4);
  if (le) {
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(len, 4);
    tail.writeUInt32LE(len, 0);
  } else {
    head.writeUInt32BE(type, 0);
    head.writeUInt32BE(len, 4);
    tail.writeUInt32BE(len, 0);
  }
  return Buffer.concat([head, padded, tail]);
}

export function option(code: number, value: Uint8Array, le = true): Buffer {
  const b = Buffer.alloc(4 + ((value.length + 3) & ~3));
  if (le) {
    b.writeUInt16LE(code, 0);
    b.writeUInt16LE(value.length, 2);
  } else {
    b.writeUInt16BE(code, 0);
    b.writeUInt16BE(value.length, 2);
  }
  b.set(value, 4);
  return b;
}

export function shb(le = true): Buffer {
  const body = Buffer.alloc(16);
  if (le) {
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(1, 4);
    body.writeBigInt64LE(-1n, 8);
  } else {
    body.writeUInt32BE(0x1a2b3c4d, 0);
    body.writeUInt16BE(1, 4);
    body.writeBigInt64BE(-1n, 8);
  }
  return block(0x0a0d0d0a, body, le);
}

export function idb(
  linktype: number,
  opts: { le?: boolean; snaplen?: number; options?: Buffer[] } = {},
): Buffer {
  const le = opts.le ?? true;
  const body = Buffer.alloc(8);
  if (le) {
    body.writeUInt16LE(linktype, 0);
    body.writeUInt32LE(opts.snaplen ?? 0, 4);
  } else {
    body.writeUInt16BE(linktype, 0);
    body.writeUInt32BE(opts.snaplen ?? 0, 4);
  }
  const opt = opts.options?.length ? Buffer.concat([...opts.options, Buffer.alloc(4)]) : Buffer.alloc(0);
  return block(1, Buffer.concat([body, opt]), le);
}

export function epb(
  iface: number,
  units: bigint,
  data: Uint8Array,
  opts: { le?: boolean; origlen?: number; options?: Buffer[] } = {},
): Buffer {
  const le = opts.le ?? true;
  const h = Buffer.alloc(20);
  const w32 = (v: number, o: number) => (le ? h.writeUInt32LE(v, o) : h.writeUInt32BE(v, o));
  w32(iface, 0);
  w32(Number(units >> 32n), 4);
  w32(Number(units & 0xffffffffn), 8);
  w32(data.length, 12);
  w32(opts.origlen ?? data.length, 16);
  const padded = Buffer.alloc((data.length + 3) & ~3);
  padded.set(data);
  const opt = opts.options?.length ? Buffer.concat([...opts.options, Buffer.alloc(4)]) : Buffer.alloc(0);
  return block(6, Buffer.concat([h, padded, opt]), le);
}
