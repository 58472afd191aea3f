// Community ID v1 (corelight/community-id-spec, seed 0) of a flow's tuple. libs/decode has the
// same for decoded packets; this one takes the address text correlate keeps and hashes with one
// crypto.hash call, since it runs twice per flow.
import { hash } from 'node:crypto';

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

/** For ICMP, the ports are the type and code (an echo flow: 8/128 and 0). */
export function communityId(
  protocol: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
): string {
  const la = addressBytes(src, a, 0);
  const lb = addressBytes(dst, b, 0);
  const cmp = Buffer.compare(a.subarray(0, la), b.subarray(0, lb));
  const swap = cmp > 0 || (cmp === 0 && sport > dport);
  if (protocol === 1 || protocol === 58) {
    // Echo request/reply pair as if the counterpart type were the destination port.
    dport = sport === 8 ? 0 : sport === 128 ? 129 : dport;
  }
  let o = 2;
  buf[0] = buf[1] = 0;
  (swap ? b : a).copy(buf, o, 0, swap ? lb : la);
  o += la;
  (swap ? a : b).copy(buf, o, 0, swap ? la : lb);
  o += lb;
  buf[o++] = protocol;
  buf[o++] = 0;
  buf.writeUInt16BE(swap ? dport : sport, o);
  buf.writeUInt16BE(swap ? sport : dport, o + 2);
  return `1:${hash('sha1', buf.subarray(0, o + 4), 'base64')}`;
}
