import { UNSUPPORTED_LINKTYPE } from './decode.js';
import { ETHERTYPE_ARP } from './ethernet.js';
import { type DecodedPacket, STATUS_MALFORMED, STATUS_TRUNCATED, UNDECODED_NAMES } from './packet.js';

/**
 * Running counts over decoded packets, for a capture's summary: what it held, what was not IP
 * (ARP and the like are counted here, they are not errors) and what was damaged, with the
 * reasons. `add` is cheap enough for the hot loop.
 */
export class DecodeStats {
  packets = 0;
  ipv4 = 0;
  ipv6 = 0;
  /** Frames without IP: ARP, LLDP, STP, ... */
  nonIp = 0;
  arp = 0;
  /** Packets seen inside at least one tunnel. */
  tunnelled = 0;
  truncated = 0;
  malformed = 0;
  /** status reason -> packets. */
  readonly reasons = new Map<string, number>();
  /** Link type -> packets on an interface of that type, which decodePacket does not decode. */
  readonly unsupportedLinkTypes = new Map<number, number>();
  /** Encapsulation natlens does not decode (UNDECODED_NAMES: 'GTP-U', 'MPLS', ...) -> packets. */
  readonly undecoded = new Map<string, number>();

  add(p: DecodedPacket): void {
    this.packets++;
    if (p.encapCount > 0) this.tunnelled++;
    if (p.undecoded !== 0) {
      const name = UNDECODED_NAMES[p.undecoded];
      this.undecoded.set(name, (this.undecoded.get(name) ?? 0) + 1);
    }
    if (p.ipVersion === 4) this.ipv4++;
    else if (p.ipVersion === 6) this.ipv6++;
    else {
      this.nonIp++;
      if (p.ethertype === ETHERTYPE_ARP) this.arp++;
    }
    if (p.status === STATUS_TRUNCATED) this.truncated++;
    else if (p.status === STATUS_MALFORMED) this.malformed++;
    if (p.reason !== null) {
      this.reasons.set(p.reason, (this.reasons.get(p.reason) ?? 0) + 1);
      if (p.reason === UNSUPPORTED_LINKTYPE)
        this.unsupportedLinkTypes.set(p.linktype, (this.unsupportedLinkTypes.get(p.linktype) ?? 0) + 1);
    }
  }
}
