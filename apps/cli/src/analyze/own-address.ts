// Whose capture is this? A pod's capture has the pod's own address in nearly every packet, so the most
// frequent address of its first packets, looked up in the address book, names the pod (and so its node,
// whose clock it shares, and its `ip addr` interface names).
import { CaptureRecord } from '#capture';
import { DecodedPacket, decodePacket, formatAddress, readDecodable } from '#decode';

const SCAN_PACKETS = 2000;

export async function ownAddress(file: string): Promise<string | null> {
  const counts = new Map<string, number>();
  const rec = new CaptureRecord();
  const p = new DecodedPacket();
  let seen = 0;
  try {
    outer: for await (const batch of readDecodable(file)) {
      for (let i = 0; i < batch.count; i++) {
        decodePacket(batch.record(i, rec), p);
        if (p.ipVersion !== 4 && p.ipVersion !== 6) continue;
        for (const a of [formatAddress(p.src, p.ipVersion), formatAddress(p.dst, p.ipVersion)])
          counts.set(a, (counts.get(a) ?? 0) + 1);
        if (++seen >= SCAN_PACKETS) break outer;
      }
    }
  } catch {
    // A format error surfaces (with its message) when the capture is correlated.
  }
  let best: string | null = null;
  let most = 0;
  for (const [address, n] of counts) {
    if (n > most) [best, most] = [address, n];
  }
  // Only an address in (nearly) every packet is the capture's own.
  return best !== null && most >= seen * 0.9 ? best : null;
}
