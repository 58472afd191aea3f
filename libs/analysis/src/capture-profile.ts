// What a capture says about where it was taken, from its first packets: the address in (nearly)
// every packet (a pod's own), and the addresses its tunnelled or own sent and received traffic
// carries (which node a node capture was taken on). Gathered while decoding, so the server's
// decode stage computes it on the way and the analysis does not read the capture for it again.
import { DecodedPacket, formatAddress } from '#decode';

/** Packets (IPv4/IPv6) a profile looks at: enough to single out an address, cheap to gather. */
export const PROFILE_PACKETS = 2000;
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;

export interface CaptureProfile {
  /** The pod's own address, if one address is in (nearly) every packet; else null. */
  ownAddress: string | null;
  /**
   * Addresses the capture's sent packets came from and its received packets went to (the outer
   * header of tunnelled ones), with counts: they vote for the node the capture was taken on.
   */
  nodeVotes: Record<string, number>;
}

/** Feed it decoded packets in capture order (it stops looking after PROFILE_PACKETS of them). */
export class CaptureProfiler {
  private readonly local = new Map<string, number>();
  private readonly either = new Map<string, number>();
  private readonly votes = new Map<string, number>();
  private seen = 0;
  private directed = 0;

  get done(): boolean {
    return this.seen >= PROFILE_PACKETS;
  }

  add(p: DecodedPacket): void {
    if (this.seen >= PROFILE_PACKETS || (p.ipVersion !== 4 && p.ipVersion !== 6)) return;
    this.seen++;
    const src = formatAddress(p.src, p.ipVersion);
    const dst = formatAddress(p.dst, p.ipVersion);
    bump(this.either, src);
    bump(this.either, dst);
    const sent = p.packetType === PACKET_OUTGOING;
    if (!sent && p.packetType !== PACKET_HOST) return;
    bump(this.local, sent ? src : dst);
    this.directed++;
    const t = p.encapCount > 0 ? p.encaps[0] : null;
    if (t !== null) bump(this.votes, formatAddress(sent ? t.src : t.dst, t.ipVersion));
    else bump(this.votes, sent ? src : dst);
  }

  profile(): CaptureProfile {
    return {
      ownAddress: this.directed ? dominant(this.local, this.directed) : dominant(this.either, this.seen),
      nodeVotes: Object.fromEntries(this.votes),
    };
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** The address in (nearly) every packet, if exactly one is. */
function dominant(counts: Map<string, number>, packets: number): string | null {
  const top = [...counts].filter(([, n]) => n >= packets * 0.9);
  return top.length === 1 ? top[0][0] : null;
}

/**
 * The node whose addresses nearly all of the votes name (`nodeOf` names an address's node), or
 * null: a node capture's node when nothing else names it.
 */
export function votedNode(profile: CaptureProfile, nodeOf: (ip: string) => string | null): string | null {
  const votes = new Map<string, number>();
  let total = 0;
  for (const [ip, n] of Object.entries(profile.nodeVotes)) {
    const node = nodeOf(ip);
    if (node === null) continue;
    votes.set(node, (votes.get(node) ?? 0) + n);
    total += n;
  }
  const top = [...votes].find(([, n]) => n >= total * 0.9);
  return top ? top[0] : null;
}
