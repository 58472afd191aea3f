import { malformed, MAX_ENCAP_DEPTH, type DecodedPacket } from './packet.js';

/**
 * Moves the current network/transport fields into the next Encapsulation slot and clears them,
 * so the inner packet decodes into the top-level fields. False when nesting is too deep.
 */
export function pushEncap(p: DecodedPacket, kind: number, vni: number): boolean {
  if (p.encapCount >= MAX_ENCAP_DEPTH) {
    malformed(p, 'tunnels nested too deep');
    return false;
  }
  const e = p.encaps[p.encapCount++];
  e.kind = kind;
  e.vni = vni;
  e.ipVersion = p.ipVersion;
  e.src.set(p.src);
  e.dst.set(p.dst);
  e.protocol = p.protocol;
  e.ipId = p.ipId;
  e.ttl = p.ttl;
  e.ipLength = p.ipLength;
  e.ipOffset = p.ipOffset;
  e.srcPort = p.srcPort;
  e.dstPort = p.dstPort;
  p.resetNetwork();
  return true;
}
