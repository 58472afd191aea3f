// Small text helpers shared by the renderers, the JSON builder and the pcapng export.
import type { TranslationInput } from './types.js';

/** "10.0.0.1:80" -> "10.0.0.1", "[fd00::1]:80" -> "fd00::1"; an address without a port stays. */
export function hostOf(endpoint: string): string {
  if (endpoint.startsWith('[')) return endpoint.slice(1, endpoint.indexOf(']'));
  const i = endpoint.lastIndexOf(':');
  return i > 0 && endpoint.indexOf(':') === i ? endpoint.slice(0, i) : endpoint;
}

/** An ns duration as a person reads it: 850 ns, 68.0 µs, 1.234 ms, 1.734000 s. */
export function formatDuration(ns: string | bigint): string {
  const v = BigInt(ns);
  const abs = v < 0n ? -v : v;
  const sign = v < 0n ? '-' : '';
  if (abs < 1_000n) return `${sign}${abs} ns`;
  if (abs < 1_000_000n) return `${sign}${(Number(abs) / 1e3).toFixed(1)} µs`;
  if (abs < 1_000_000_000n) return `${sign}${(Number(abs) / 1e6).toFixed(3)} ms`;
  return `${sign}${(Number(abs) / 1e9).toFixed(6)} s`;
}

/** Signed offset: "+1.734000 s". */
export function formatOffset(ns: string): string {
  const d = formatDuration(ns);
  return d.startsWith('-') ? d : `+${d}`;
}

/** Epoch ns -> ISO 8601 with microseconds (UTC). */
export function formatTimestamp(ns: string): string {
  const v = BigInt(ns);
  const ms = v / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  const micros = ((v / 1_000n) % 1_000_000n).toString().padStart(6, '0');
  return `${iso.slice(0, 19)}.${micros}Z`;
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/**
 * One line for what a translation did, the way an engineer says it:
 * `DNAT 10.233.9.232:80 -> 10.233.65.212:80`, `SNAT 10.233.67.86:80 -> 10.233.9.232:80`,
 * `DNAT_SNAT 192.168.56.50:41984 > 192.168.56.12:30080 -> 10.233.67.1:2936 > 10.233.67.86:80`,
 * `ENCAP vxlan 192.168.56.11 > 192.168.56.12 vni 1`, `NONE` (routed unchanged).
 */
export function describeTranslation(
  t: Pick<TranslationInput, 'kind' | 'before' | 'after' | 'outer'>,
): string {
  const { before, after } = t;
  if (t.outer) {
    const vni =
      t.outer.vni !== null && t.outer.vni !== undefined && t.outer.vni >= 0 ? ` vni ${t.outer.vni}` : '';
    return `${t.kind} ${t.outer.tunnel} ${t.outer.src} > ${t.outer.dst}${vni}`;
  }
  const srcChanged = before.src !== after.src;
  const dstChanged = before.dst !== after.dst;
  if (srcChanged && dstChanged)
    return `${t.kind} ${before.src} > ${before.dst} -> ${after.src} > ${after.dst}`;
  if (dstChanged) return `${t.kind} ${before.dst} -> ${after.dst}`;
  if (srcChanged) return `${t.kind} ${before.src} -> ${after.src}`;
  return t.kind;
}
