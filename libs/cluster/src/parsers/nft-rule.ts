// One nft rule, as `nft list ruleset` prints it, read into the KubeRule shape iptables-save gives:
// matches (addresses, protocol, port, random/numgen probability, fib local) and the verdict.
import { toProtocol } from '../text.js';
import type { KubeRule } from './kube-chains.js';

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

export function translateRule(text: string, line: number): KubeRule {
  const rule: KubeRule = { line };
  const comment = /\bcomment\s+"((?:[^"\\]|\\.)*)"/.exec(text);
  if (comment) rule.comment = comment[1];
  const t = text.replace(/\bcomment\s+"(?:[^"\\]|\\.)*"/, '');
  const saddr = /\bip6?\s+saddr\s+(!=\s+)?(\S+)/.exec(t);
  if (saddr && !saddr[2]!.startsWith('@')) {
    rule.src = saddr[2];
    if (saddr[1]) rule.srcNegated = true;
  }
  const daddr = /\bip6?\s+daddr\s+(!=\s+)?(\S+)/.exec(t);
  if (daddr && !daddr[1] && !daddr[2]!.startsWith('@')) rule.dst = daddr[2];
  const proto = /\bmeta\s+l4proto\s+(\w+)/.exec(t) ?? /\bip\s+protocol\s+(\w+)/.exec(t);
  if (proto) rule.proto = toProtocol(proto[1]);
  const dport = /\b(tcp|udp|sctp|th)\s+dport\s+(\d+)\b/.exec(t);
  if (dport) {
    rule.dport = Number(dport[2]);
    rule.proto ??= toProtocol(dport[1]);
  }
  const random = /\bmeta\s+random\s+&\s+(\d+)\s+<\s+(\d+)/.exec(t);
  if (random) rule.probability = Number(random[2]) / (Number(random[1]) + 1);
  const nth = /\bnumgen\s+inc\s+mod\s+(\d+)\s+0\b/.exec(t); // iptables `--mode nth --every N --packet 0`
  if (nth) rule.probability = 1 / Number(nth[1]);
  if (/\bfib\s+daddr\s+type\s+local\b/.test(t)) rule.dstLocal = true;
  if (/\bfib\s+saddr\s+type\s+local\b/.test(t)) rule.srcLocal = true;
  if (/\brecent\b/.test(t)) rule.recent = true;
  const jump = /\b(?:jump|goto)\s+(\S+)/.exec(t);
  const dnat = /\bdnat\s+(?:ip6?\s+)?to\s+(\S+)/.exec(t);
  const reject = /\breject\b(?:\s+with\s+(.+?))?\s*$/.exec(t);
  if (dnat) {
    rule.target = 'DNAT';
    rule.toDestination = dnat[1];
  } else if (jump) rule.target = unquote(jump[1]!);
  else if (reject) {
    rule.target = 'REJECT';
    rule.rejectWith =
      reject[1] === 'tcp reset'
        ? 'tcp-reset'
        : reject[1]
          ? reject[1].replace(/^icmpx? type /, 'icmp-')
          : 'icmp-port-unreachable';
  } else if (/\bdrop\s*$/.test(t)) rule.target = 'DROP';
  else if (/\bmasquerade\b/.test(t)) rule.target = 'MASQUERADE';
  else if (/\breturn\s*$/.test(t)) rule.target = 'RETURN';
  else if (/\baccept\s*$/.test(t)) rule.target = 'ACCEPT';
  return rule;
}
