// ifindex -> interface name from the `ip addr` snapshots. A LINUX_SLL2 capture stores only the
// index; the host's `ip addr` names it. Per node for node captures, and per address for the
// network namespaces of pods and external hosts (`ip netns exec … ip addr`), which are found by
// their own address.
import type { AddressBook } from './address-book-types.js';
import type { ParsedSnapshot } from './types.js';

export interface InterfaceNames {
  byNode: Map<string, Record<number, string>>;
  byAddress: Map<string, Record<number, string>>;
}

export function interfaceNames(snapshots: ParsedSnapshot[], book: AddressBook): InterfaceNames {
  const byNode = new Map<string, Record<number, string>>();
  const byAddress = new Map<string, Record<number, string>>();
  for (const s of snapshots) {
    if (s.kind !== 'ip-addr') continue;
    const names: Record<number, string> = {};
    for (const i of s.data.interfaces) if (i.index !== undefined) names[i.index] = i.name;
    const node = s.node ?? nodeOf(s, book);
    if (node) byNode.set(node, { ...names, ...byNode.get(node) });
    else
      for (const i of s.data.interfaces)
        for (const a of i.addresses) if (a.scope !== 'host') byAddress.set(a.ip, names);
  }
  return { byNode, byAddress };
}

function nodeOf(s: Extract<ParsedSnapshot, { kind: 'ip-addr' }>, book: AddressBook): string | null {
  for (const i of s.data.interfaces) {
    for (const a of i.addresses) {
      const m = book.lookup(a.ip);
      if (m?.kind === 'Node') return m.name;
    }
  }
  return null;
}
