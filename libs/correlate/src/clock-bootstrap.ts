// Coarse clock offsets before the main pass, from a prefix of every capture: pairing needs them
// to line up captures whose clocks differ by seconds. TCP handshakes give NTP-style brackets (the
// SYN and its SYN-ACK seen in two domains); without any, unique fingerprints seen in two domains
// give a median difference. The main pass refines these from every paired exchange.
import { addInterval, type OffsetInterval } from './clock-offset.js';
import { fingerprint, fingerprintHigh } from './fingerprint.js';
import type { CorrelatePacket } from './types.js';

const SYN = 2;
const ACK = 16;
const RETRANSMISSION_NS = 100e6;
/** Fingerprints kept per domain for the fallback: plenty for a median. */
const UNIQUE_LIMIT = 20_000;
/** The 30-bit fingerprint() key, the upper part of what the unique maps store. */
const KEY_SCALE = 0x800000;

export class ClockBootstrap {
  /** ISN -> [first SYN, last SYN, first SYN-ACK, last SYN-ACK] sighting times in a domain. */
  private readonly handshakes: Map<number, number[]>[];
  /** Fingerprint -> first time in the domain, NaN once seen twice there (not unique). */
  private readonly unique: Map<number, number>[];
  /**
   * Fingerprints are kept only if their key is below this: halved (and the maps pruned) when a
   * domain's map fills. A sample by hash is the same sample in every domain, so a host seen only
   * late in another's prefix still finds its packets there; a sample by arrival would not.
   */
  private keyLimit = 2 ** 30;
  baseSec = NaN;

  constructor(readonly domainCount: number) {
    this.handshakes = Array.from({ length: domainCount }, () => new Map());
    this.unique = Array.from({ length: domainCount }, () => new Map());
  }

  add(domain: number, p: CorrelatePacket): void {
    if (Number.isNaN(this.baseSec)) this.baseSec = p.tsSec;
    if (p.ipVersion !== 4 && p.ipVersion !== 6) return;
    const t = (p.tsSec - this.baseSec) * 1e9 + p.tsNsec;
    if (p.protocol === 6 && p.tcpFlags & SYN && p.embeddedProtocol === 0) {
      const synAck = (p.tcpFlags & ACK) !== 0;
      const isn = synAck ? (p.ack - 1) >>> 0 : p.seq >>> 0;
      let h = this.handshakes[domain].get(isn);
      if (h === undefined) this.handshakes[domain].set(isn, (h = [NaN, NaN, NaN, NaN]));
      const i = synAck ? 2 : 0;
      // Retransmissions much later are other packets: only sightings close to the first count.
      if (Number.isNaN(h[i]) || t < h[i]) h[i] = t;
      if (Number.isNaN(h[i + 1]) || (t > h[i + 1] && t - h[i] < RETRANSMISSION_NS)) h[i + 1] = t;
    }
    const key = fingerprint(p);
    if (key >= this.keyLimit) return;
    // 30 + 23 bits: the most a double holds exactly.
    const fp = key * KEY_SCALE + (fingerprintHigh & 0x7fffff);
    const u = this.unique[domain];
    const seen = u.get(fp);
    if (seen === undefined) {
      u.set(fp, t);
      if (u.size >= UNIQUE_LIMIT) this.halveSample();
    } else if (!Number.isNaN(seen) && Math.abs(seen - t) > 1_000_000) u.set(fp, NaN);
  }

  private halveSample(): void {
    this.keyLimit /= 2;
    for (const u of this.unique) for (const fp of u.keys()) if (fp >= this.keyLimit * KEY_SCALE) u.delete(fp);
  }

  /** Intervals for offset(b) - offset(a) per ordered domain pair. */
  intervals(): Map<number, OffsetInterval[]> {
    const pairs = new Map<number, OffsetInterval[]>();
    for (let a = 0; a < this.domainCount; a++) {
      for (let b = a + 1; b < this.domainCount; b++) {
        let found = false;
        for (const [isn, hA] of this.handshakes[a]) {
          const hB = this.handshakes[b].get(isn);
          if (hB === undefined || hA.some(Number.isNaN) || hB.some(Number.isNaN)) continue;
          // The SYN crossed last-in-upstream -> first-in-downstream, the SYN-ACK the other way;
          // only the true upstream gives a non-empty interval.
          const [synFirstA, synLastA, ackFirstA, ackLastA] = hA;
          const [synFirstB, synLastB, ackFirstB, ackLastB] = hB;
          if (synFirstB - synLastA >= ackLastB - ackFirstA)
            addInterval(pairs, a, b, synFirstB - synLastA, ackLastB - ackFirstA);
          else if (ackFirstB - ackLastA >= synLastB - synFirstA)
            addInterval(pairs, a, b, synLastB - synFirstA, ackFirstB - ackLastA);
          else continue;
          found = true;
        }
        if (!found) this.medianFallback(pairs, a, b);
      }
    }
    return pairs;
  }

  private medianFallback(pairs: Map<number, OffsetInterval[]>, a: number, b: number): void {
    const deltas: number[] = [];
    const other = this.unique[b];
    for (const [fp, tA] of this.unique[a]) {
      const tB = other.get(fp);
      if (tB !== undefined && !Number.isNaN(tA) && !Number.isNaN(tB)) deltas.push(tB - tA);
    }
    if (deltas.length === 0) return;
    deltas.sort((x, y) => x - y);
    const q = (f: number) => deltas[Math.min(deltas.length - 1, Math.floor(f * deltas.length))];
    const median = q(0.5);
    const spread = Math.max(1000, (q(0.75) - q(0.25)) / 2);
    addInterval(pairs, a, b, median - spread, median + spread);
  }
}
