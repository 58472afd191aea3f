/**
 * One capture interface: the single implicit interface of a classic pcap file, or one pcapng
 * Interface Description Block. Field names follow pcap-savefile(5) and the pcapng draft.
 */
export interface CaptureInterface {
  /** Position in the file across all sections: what a record's interface index refers to. */
  readonly index: number;
  /** pcapng section number (0 for classic pcap) and the interface id inside that section. */
  readonly section: number;
  readonly id: number;
  /** File offset of the pcap header or Interface Description Block that declared it. */
  readonly offset: number;
  /** LINKTYPE_* value with the FCS bits of classic pcap masked off. */
  readonly linktype: number;
  readonly snaplen: number;
  /** pcapng `if_name` / `if_description`; null when absent (classic pcap never has them). */
  readonly name: string | null;
  readonly description: string | null;
  /** Raw `if_tsresol` byte: high bit clear = 10^-n s units, set = 2^-n s units. 6 or 9 for classic pcap. */
  readonly if_tsresol: number;
  /** `if_tsoffset`: seconds added to every timestamp of this interface. */
  readonly if_tsoffset: number;
}

/** The largest record libpcap accepts for any link type (MAXIMUM_SNAPLEN). */
export const MAXIMUM_SNAPLEN = 262144;

/** libpcap's rule: a snaplen of 0 or above the maximum means "the maximum". */
export function effectiveSnaplen(snaplen: number): number {
  return snaplen === 0 || snaplen > MAXIMUM_SNAPLEN ? MAXIMUM_SNAPLEN : snaplen;
}
