// Community ID v1 (corelight/community-id-spec, seed 0) of a flow's tuple. libs/decode has the
// same for decoded packets; this one takes the address text correlate keeps and hashes with one
// crypto.hash call, since it runs twice per flow.
import { hash } from 'node:crypto';
import { communityIdHasPorts, icmpCounterpart } from '#decode';

/** Address text (IPv4 dotted quad or IPv6) as bytes. */
function addressBytes(ip: string, out: Buffer, at: number): number {
  if (!ip.includes(':')) {
    let v = 0;
    let k = at;
    for (let i = 0; i <= ip.length; i++) {
      const c = ip.charCodeAt(i);
      if (i === ip.length || c === 46) {
        out[k++] = v;
        v = 0;
      } else v = v * 10 + (c - 48);
    }
    return 4;
  }
  const [head, tail] = ip.split('::');
  const words = (s: string | undefined) => (s ? s.split(':') : []);
  let left = words(head);
  let right = tail === undefined ? [] : words(tail);
  const last = (right.length ? right : left).at(-1) ?? '';
  if (last.includes('.')) {
    // ::ffff:10.0.0.1: the dotted quad is the last two words.
    const q = last.split('.').map(Number);
    const pair = [((q[0] << 8) | q[1]).toString(16), ((q[2] << 8) | q[3]).toString(16)];
    if (right.length) right = [...right.slice(0, -1), ...pair];
    else left = [...left.slice(0, -1), ...pair];
  }
  const all = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  all.forEach((w, i) => out.writeUInt16BE(parseInt(w, 16) || 0, at + i * 2));
  return 16;
}

const buf = Buffer.alloc(2 + 16 + 16 + 2 + 4);
const a = Buffer.alloc(16);
const b = Buffer.alloc(16);
/** Views of `buf` by length (IPv4 or IPv6, with or without ports), made once: a subarray per
 * call would be garbage. */
const views: Buffer[] = [];

/**
 * For ICMP, the ports are the type and code; protocols without ports hash none, and so does a
 * packet whose ports (ICMP type or code) were not captured, which passes -1: the spec's
 * reference implementation hashes no ports where it could not parse the transport header.
 */
export function communityId(
  protocol: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
): string {
  const la = addressBytes(src, a, 0);
  const lb = addressBytes(dst, b, 0);
  const ports = communityIdHasPorts(protocol) && sport >= 0 && dport >= 0;
  let oneWay = false;
  if (ports && (protocol === 1 || protocol === 58)) {
    // Types that pair (echo request and reply...) hash as if the counterpart were the
    // destination port, so both directions agree; other types are one-way: never swapped.
    const counterpart = icmpCounterpart(protocol, sport);
    if (counterpart === undefined) oneWay = true;
    else dport = counterpart;
  }
  const cmp = compareBytes(a, la, b, lb);
  const swap = !oneWay && (cmp > 0 || (cmp === 0 && sport >= dport));
  buf[0] = buf[1] = 0;
  let o = 2;
  o = copyBytes(swap ? b : a, swap ? lb : la, o);
  o = copyBytes(swap ? a : b, swap ? la : lb, o);
  buf[o++] = protocol;
  buf[o++] = 0;
  if (ports) {
    buf.writeUInt16BE(swap ? dport : sport, o);
    buf.writeUInt16BE(swap ? sport : dport, o + 2);
    o += 4;
  }
  const n = o;
  return `1:${hash('sha1', (views[n] ??= buf.subarray(0, n)), 'base64')}`;
}

/** Orders as Buffer.compare does (bytes, then length), without a view of each address. */
function compareBytes(x: Buffer, lx: number, y: Buffer, ly: number): number {
  const n = Math.min(lx, ly);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return lx - ly;
}

/** Copies the first `n` bytes of `from` into `buf` at `at`; returns the offset after them. */
function copyBytes(from: Buffer, n: number, at: number): number {
  for (let i = 0; i < n; i++) buf[at + i] = from[i];
  return at + n;
}
