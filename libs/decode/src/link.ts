import { decodeEthernet, decodeEthertype, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { type DecodedPacket, malformed, short } from './packet.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './sll.js';

/** Decodes a frame of one link type from `off` up to `end`. */
export type LinkDecoder = (p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number) => void;

// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/** Raw IP: the version nibble says which. */
function decodeRaw(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 1) return short(p, 'raw IP header');
  const version = d[off] >> 4;
  if (version === 4) decodeEthertype(p, d, v, ETHERTYPE_IPV4, off, end);
  else if (version === 6) decodeEthertype(p, d, v, ETHERTYPE_IPV6, off, end);
  else malformed(p, 'raw IP version is neither 4 nor 6');
}

/** BSD AF_ values for IPv6 differ per OS (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30). */
function familyToEthertype(family: number): number {
  if (family === 2) return ETHERTYPE_IPV4;
  if (family === 10 || family === 24 || family === 28 || family === 30) return ETHERTYPE_IPV6;
  return 0;
}

/** NULL: a 4-byte address family in the capturing host's byte order (so try both). */
function decodeNull(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 4) return short(p, 'NULL header');
  let family = v.getUint32(off, true);
  if (family > 0xffff) family = v.getUint32(off, false);
  const type = familyToEthertype(family);
  if (type !== 0) decodeEthertype(p, d, v, type, off + 4, end);
}

/** LOOP (OpenBSD): the same family field, always big-endian. */
function decodeLoop(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  if (end - off < 4) return short(p, 'LOOP header');
  const type = familyToEthertype(v.getUint32(off, false));
  if (type !== 0) decodeEthertype(p, d, v, type, off + 4, end);
}

function decodeIpv4Link(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  p.ethertype = ETHERTYPE_IPV4;
  decodeIpv4(p, d, v, off, end);
}

function decodeIpv6Link(p: DecodedPacket, d: Uint8Array, v: DataView, off: number, end: number): void {
  p.ethertype = ETHERTYPE_IPV6;
  decodeIpv6(p, d, v, off, end);
}

/**
 * Link type -> decoder. 12 and 14 are DLT_RAW as some systems wrote it into files before
 * LINKTYPE_RAW (101) existed.
 */
export const LINK_DECODERS: ReadonlyMap<number, LinkDecoder> = new Map<number, LinkDecoder>([
  [LINKTYPE_NULL, decodeNull],
  [LINKTYPE_ETHERNET, decodeEthernet],
  [12, decodeRaw],
  [14, decodeRaw],
  [LINKTYPE_RAW, decodeRaw],
  [LINKTYPE_LOOP, decodeLoop],
  [LINKTYPE_LINUX_SLL, decodeLinuxSll],
  [LINKTYPE_IPV4, decodeIpv4Link],
  [LINKTYPE_IPV6, decodeIpv6Link],
  [LINKTYPE_LINUX_SLL2, decodeLinuxSll2],
]);

/**
 * The link types decodePacket understands: pass to readCapture's `linktypes` to reject a file at
 * the first interface of another (readDecodable instead fails only the packets on it).
 */
export const SUPPORTED_LINKTYPES: ReadonlySet<number> = new Set(LINK_DECODERS.keys());
