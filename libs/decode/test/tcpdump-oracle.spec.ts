import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFile } from '../src/index.js';
import { sharedPath } from './shared.js';
import { compareWithTcpdump, tcpdumpPackets } from './tcpdump-oracle.js';

const dir = sharedPath('corpus/tcpdump-tests');

// TESTLIST entries (tcpdump's own test names) whose captures carry the traffic natlens must get
// right; the pcap and expected output come from TESTLIST, the comparison from what tcpdump printed.
const ORACLE_TESTS = {
  'TCP over IPv4': [
    'ssh',
    'mptcp-v0',
    'mptcp-v1',
    'tfo',
    'tcp_rst_data-v',
    'tcp_eight_lowest_weight_flags_set',
    'dns_tcp-v',
  ],
  // The snaplen (or the file) cut the TCP header: tcpdump still prints the ports it has.
  'TCP header cut short': ['tcp_header_heapoverflow', 'tcp_rst_data-trunc', 'tcp_rst_diag_payload-trunc'],
  'TCP segmentation offload (IP length 0)': ['ipv4_tcp_http_xml', 'ipv4_tcp_http_xml_tso', 'bigtcp-ipv6-hbh'],
  UDP: ['dns_udp-v', 'edns-opts-v', 'ntp-control--v', 'tftp', 'quic_handshake', 'sflow1', 'rx-v'],
  'ICMP and ICMPv6, with quoted headers of errors': [
    'icmp-rfc8335-v',
    'dhcp-rfc4388',
    'icmpv6',
    'icmpv6-ra-pref64-v1',
    'icmp6-rfc8335-v',
  ],
  'IPv6 extension headers and raw IP link types': [
    'ipv6-routing-header',
    'ipv6_mobility_1-v',
    'ipv6-srh-ext-header',
    'ip6_frag_asan-v',
    'LINKTYPE_RAW_ipv4',
    'LINKTYPE_RAW_ipv6',
    'LINKTYPE_IPV4',
    'LINKTYPE_IPV6',
  ],
  // VLAN-tagged frames (tcpdump prints the tags with -e only; without it, the IP inside them).
  'VLAN (802.1Q, 802.1ad)': [
    '802.1ad_QinQ',
    'NHRP_registration',
    'NHRP-responder-address',
    'ldp-common-session',
    'bfd_source_port_49152',
    'bgp-evpn',
  ],
  VXLAN: ['vxlan', 'vxlan_port_8472', 'gso-ipv4-vxlan-ipv4', 'bigtcp-ipv4-vxlan-ipv6'],
  Geneve: ['geneve-vv', 'geneve-gcp', 'gso-ipv6-geneve-ipv6', 'bigtcp-ipv6-geneve-ipv4'],
  GRE: ['various_gre'],
  'read from pcapng': [
    'bgp-extended-msg',
    'dhcp-option-108',
    'icmpv6-length-zero',
    'OSPFv2_Capture_FINAL-v',
    'nhrp',
  ],
};

const testlist = new Map(
  readFileSync(`${dir}/TESTLIST`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [name, pcap, out, ...options] = l.trim().split(/\s+/);
      return [name, { pcap, out, options }] as const;
    }),
);

describe('decoding equals what tcpdump printed (tcpdump -# -n -r FILE OPTIONS)', () => {
  const names = Object.values(ORACLE_TESTS).flat();

  it('covers at least 25 distinct captures', () => {
    const pcaps = new Set(names.map((n) => testlist.get(n)?.pcap));
    expect(pcaps.has(undefined)).toBe(false);
    expect(pcaps.size).toBeGreaterThanOrEqual(25);
  });

  for (const [kind, tests] of Object.entries(ORACLE_TESTS)) {
    describe(kind, () => {
      for (const name of tests) {
        it(name, async () => {
          const entry = testlist.get(name)!;
          const packets = await decodeFile(`${dir}/${entry.pcap}`);
          const result = compareWithTcpdump(packets, tcpdumpPackets(`${dir}/${entry.out}`));
          expect(result.mismatches).toEqual([]);
          expect(result.compared).toBeGreaterThan(0);
          expect(result.fields).toBeGreaterThanOrEqual(result.compared * 3);
        });
      }
    });
  }
});
