import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile, DecodeStats, ENCAP_VXLAN, formatAddress, STATUS_OK } from '../src/index.js';
import { sharedPath } from './shared.js';
import { compareWithTcpdump, tcpdumpPackets } from './tcpdump-oracle.js';

// The kube-proxy NAT fixtures, each with `tcpdump -nn -r` output made where it was captured.
function fixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? fixtures(`${dir}/${e.name}`)
      : /\.(pcap|pcapng)$/.test(e.name) && existsSync(`${dir}/${e.name}.txt`)
        ? [`${dir}/${e.name}`]
        : [],
  );
}

// tcpdump's direction column for LINUX_SLL/SLL2 -> packet type.
const DIRECTION: Record<string, number> = { In: 0, B: 1, M: 2, P: 3, Out: 4 };

describe('the kube-proxy fixtures decode as tcpdump printed them', () => {
  const files = fixtures(sharedPath('fixtures'));

  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  for (const file of files) {
    const name = file.slice(file.indexOf('fixtures/') + 9);
    it(name, async () => {
      const packets = await decodeFile(file);
      const printed = tcpdumpPackets(`${file}.txt`, false);
      expect(packets.length).toBe(printed.size);
      expect(packets.filter((p) => p.status !== STATUS_OK).map((p) => `${p.number}: ${p.reason}`)).toEqual(
        [],
      );
      const result = compareWithTcpdump(packets, printed);
      expect(result.mismatches).toEqual([]);
      // ARP is counted as non-IP, as many packets as tcpdump printed ARP lines.
      const stats = new DecodeStats();
      packets.forEach((p) => stats.add(p));
      expect(stats.arp).toBe([...printed.values()].filter((t) => / ARP, /.test(t.split('\n')[0])).length);
      expect(stats.packets).toBe(stats.ipv4 + stats.ipv6 + stats.nonIp);
      expect(result.compared).toBeGreaterThan(0);
      // -i any captures with LINUX_SLL2: tcpdump prints interface and direction from its header.
      if (packets[0].linktype !== 276) return;
      const ifIndexOf = new Map<string, Set<number>>();
      const nameOf = new Map<number, Set<string>>();
      for (const [n, text] of printed) {
        const m = /^\S+ (\S+)\s+(In|Out|B|M|P)\s/.exec(text);
        expect(m, text).not.toBeNull();
        const p = packets[n - 1];
        expect(p.packetType, text).toBe(DIRECTION[m![2]]);
        ifIndexOf.set(m![1], (ifIndexOf.get(m![1]) ?? new Set()).add(p.ifIndex));
        nameOf.set(p.ifIndex, (nameOf.get(p.ifIndex) ?? new Set()).add(m![1]));
      }
      // One interface name <-> one interface index (within one namespace's capture).
      for (const s of [...ifIndexOf.values(), ...nameOf.values()]) expect(s.size).toBe(1);
    });
  }

  it('steps into flannel VXLAN (UDP 8472) and keeps the underlay header attached', async () => {
    const dir = sharedPath('fixtures/multi-node/multinode-vxlan');
    const packets = await decodeFile(`${dir}/node-k8s-compute-01.pcap`);
    const tunnelled = packets.filter((p) => p.encapCount === 1);
    expect(tunnelled.length).toBeGreaterThan(20);
    for (const p of tunnelled) {
      const outer = p.encaps[0];
      expect(outer.kind).toBe(ENCAP_VXLAN);
      expect(outer.vni).toBe(1);
      expect(outer.dstPort).toBe(8472);
      expect(formatAddress(outer.src, 4)).toMatch(/^192\.168\.56\.1[12]$/);
      expect(formatAddress(p.src, 4)).toMatch(/^10\.233\./);
      expect(formatAddress(p.dst, 4)).toMatch(/^10\.233\./);
    }
    // The same TCP segment seen inside the tunnel on node 01 and on the backend pod: the
    // NAT-invariant fields agree (this is what correlate will pair on).
    const backend = await decodeFile(`${dir}/backend-nginx-54c98b4f84-7xk2m.pcap`);
    const key = (p: (typeof packets)[number]) =>
      [p.ipId, p.tcpSeq, p.tcpAck, p.tcpFlags, p.tcpWindow, p.payloadLength, p.payloadHash].join('/');
    const seen = new Set(backend.filter((p) => p.protocol === 6).map(key));
    expect(tunnelled.filter((p) => p.protocol === 6 && seen.has(key(p))).length).toBeGreaterThan(10);
  });
});
