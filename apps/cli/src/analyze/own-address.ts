// Whose capture is this? A pod's capture has the pod's own address in nearly every packet; where the
// link layer says which packets were sent and which received (LINUX_SLL/SLL2 packet types), the
// source of what it sent and the destination of what it received single it out even when one peer
// is in every packet too. Looked up in the address book, the address names the pod (and so its node,
// whose clock it shares) and the `ip addr` that names its interfaces.
import { CaptureRecord } from '#capture';
import { DecodedPacket, decodePacket, formatAddress, readDecodable } from '#decode';

const SCAN_PACKETS = 2000;
const PACKET_HOST = 0;
const PACKET_OUTGOING = 4;

export async function ownAddress(file: string): Promise<string | null> {
  const local = new Map<string, number>();
  const either = new Map<string, number>();
  const add = (m: Map<string, number>, a: string) => m.set(a, (m.get(a) ?? 0) + 1);
  let seen = 0;
  let directed = 0;
  await scan(file, (p) => {
    if (p.ipVersion !== 4 && p.ipVersion !== 6) return false;
    seen++;
    const src = formatAddress(p.src, p.ipVersion);
    const dst = formatAddress(p.dst, p.ipVersion);
    add(either, src);
    add(either, dst);
    if (p.packetType === PACKET_OUTGOING || p.packetType === PACKET_HOST) {
      add(local, p.packetType === PACKET_OUTGOING ? src : dst);
      directed++;
    }
    return true;
  });
  return directed ? dominant(local, directed) : dominant(either, seen);
}

/** The address in (nearly) every packet, if exactly one is. */
function dominant(counts: Map<string, number>, packets: number): string | null {
  const top = [...counts].filter(([, n]) => n >= packets * 0.9);
  return top.length === 1 ? top[0][0] : null;
}

/**
 * The node a node capture was taken on, when nothing else names it: the node that sent the
 * tunnelled packets the capture saw leave (their outer source) and received those it saw arrive
 * (outer destination), or whose own addresses its other sent and received packets carry. `nodeOf`
 * names the node an address belongs to. Null unless one node accounts for nearly all of them.
 */
export async function ownNode(file: string, nodeOf: (ip: string) => string | null): Promise<string | null> {
  const votes = new Map<string, number>();
  let total = 0;
  const vote = (bytes: Uint8Array, version: number) => {
    const node = nodeOf(formatAddress(bytes, version));
    if (node === null) return;
    votes.set(node, (votes.get(node) ?? 0) + 1);
    total++;
  };
  await scan(file, (p) => {
    const sent = p.packetType === PACKET_OUTGOING;
    if (!sent && p.packetType !== PACKET_HOST) return true;
    const t = p.encapCount > 0 ? p.encaps[0] : null;
    if (t !== null) vote(sent ? t.src : t.dst, t.ipVersion);
    else if (p.ipVersion === 4 || p.ipVersion === 6) vote(sent ? p.src : p.dst, p.ipVersion);
    return true;
  });
  const top = [...votes].find(([, n]) => n >= total * 0.9);
  return top ? top[0] : null;
}

/**
 * Decodes a capture's packets into `visit` (one reused object) until SCAN_PACKETS of them
 * counted (`visit` returns whether a packet counts).
 */
async function scan(file: string, visit: (p: DecodedPacket) => boolean): Promise<void> {
  const rec = new CaptureRecord();
  const p = new DecodedPacket();
  let seen = 0;
  try {
    for await (const batch of readDecodable(file)) {
      for (let i = 0; i < batch.count; i++) {
        if (visit(decodePacket(batch.record(i, rec), p)) && ++seen >= SCAN_PACKETS) return;
      }
    }
  } catch {
    // A format error surfaces, with its message, when the capture is correlated.
  }
}
