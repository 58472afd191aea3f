// Thresholds every rule reads. The defaults are what an engineer would flag by hand; each can be
// overridden per call (diagnose({ ..., options: { lbAlpha: 0.001 } })).

export interface DiagnoseOptions {
  /**
   * RETRANSMISSIONS: data retransmissions (SYN retransmissions excluded: SYN_UNANSWERED covers
   * them) at one capture point of one flow from which the flow is reported. Default 3.
   */
  minRetransmissions: number;
  /** DUPLICATE_ACKS: duplicate ACKs at one capture point of one flow (3 triggers fast retransmit). Default 3. */
  minDuplicateAcks: number;
  /**
   * LB_IMBALANCE: significance level of the chi-square goodness-of-fit test of the connections per
   * backend against the expected shares. Default 0.01.
   */
  lbAlpha: number;
  /**
   * LB_IMBALANCE: smallest expected count per backend for the chi-square approximation to hold
   * (Cochran's rule: 5). Below it the rule judges nothing, and says so only when the split looks
   * uneven. Default 5.
   */
  lbMinExpectedPerBackend: number;
  /** CLOCK_SKEW: smallest clock offset between capture points worth telling (ns). Default 10 ms. */
  clockSkewNs: bigint;
  /** UNPAIRED_TRAFFIC: share of a capture's sightings never seen at another capture point. Default 0.05. */
  unpairedShare: number;
  /** UNPAIRED_TRAFFIC: and at least this many packets. Default 10. */
  minUnpairedPackets: number;
  /**
   * MTU_BLACKHOLE: the sender's average packet size (bytes) must exceed what reached the next capture
   * point by this much for lost packets to count as "the large ones". Default 200.
   */
  mtuSizeGapBytes: number;
  /** DNS_TIMEOUT: service or backend ports treated as DNS. Default [53]. */
  dnsPorts: number[];
  /** DNS_TIMEOUT: queries on one socket closer than this count as a parallel A/AAAA pair (ns). Default 50 ms. */
  dnsParallelWindowNs: bigint;
}

export const DEFAULT_OPTIONS: Readonly<DiagnoseOptions> = Object.freeze({
  minRetransmissions: 3,
  minDuplicateAcks: 3,
  lbAlpha: 0.01,
  lbMinExpectedPerBackend: 5,
  clockSkewNs: 10_000_000n,
  unpairedShare: 0.05,
  minUnpairedPackets: 10,
  mtuSizeGapBytes: 200,
  dnsPorts: [53],
  dnsParallelWindowNs: 50_000_000n,
});

export function resolveOptions(options: Partial<DiagnoseOptions> | undefined): DiagnoseOptions {
  const resolved = { ...DEFAULT_OPTIONS };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}
