/**
 * pcapng timestamps are 64-bit counts of `if_tsresol` units. Converting them to seconds +
 * nanoseconds must be exact, and doubles hold only 53 bits, so the decimal resolutions (all that
 * tcpdump and dumpcap write) use a long division in 16-bit limbs, where every intermediate stays
 * below 2^46; other resolutions take a BigInt path.
 */
export const ts = { sec: 0, nsec: 0 };

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Sets `ts` from the unit count `hi * 2^32 + lo` at resolution `tsresol`, plus `tsoffset` seconds. */
export function unitsToTimestamp(hi: number, lo: number, tsresol: number, tsoffset: number): void {
  if (tsresol <= 9) {
    const d = POW10[tsresol];
    let r = hi >>> 16;
    const q3 = Math.floor(r / d);
    r = (r - q3 * d) * 65536 + (hi & 0xffff);
    const q2 = Math.floor(r / d);
    r = (r - q2 * d) * 65536 + (lo >>> 16);
    const q1 = Math.floor(r / d);
    r = (r - q1 * d) * 65536 + (lo & 0xffff);
    const q0 = Math.floor(r / d);
    r -= q0 * d;
    ts.sec = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0 + tsoffset;
    ts.nsec = r * POW10[9 - tsresol];
    return;
  }
  const units = (BigInt(hi) << 32n) | BigInt(lo);
  let sec: bigint;
  let nsec: bigint;
  if (tsresol & 0x80) {
    const n = BigInt(tsresol & 0x7f);
    sec = units >> n;
    nsec = ((units - (sec << n)) * 1_000_000_000n) >> n;
  } else {
    const d = 10n ** BigInt(tsresol);
    sec = units / d;
    nsec = ((units % d) * 1_000_000_000n) / d;
  }
  ts.sec = Number(sec) + tsoffset;
  ts.nsec = Number(nsec);
}
