// Each capture's capture point: a unique label, and the node and pod it was taken on. Captures on one
// node share its clock (correlate's clock domain), and the node's `ip addr` names the interface indexes
// a LINUX_SLL2 file stores. Where the command line does not say, the snapshots do:
// - a node capture: its label (`--capture node:k8s-compute-01:FILE`), a node name in the file name,
//   the only node, or the node whose addresses its tunnelled (or own) traffic comes from and goes to;
// - a pod capture: a pod its label names, else the pod owning the capture's own address, else a pod
//   named in the file name.
import { basename } from 'node:path';
import { interfaceNames, type AddressBook, type ParsedSnapshot } from '#cluster';
import type { CapturePoint } from '#correlate';
import { defaultLabel, type CaptureArg } from './args.js';
import { ownAddress, ownNode } from './own-address.js';

export interface ResolvedCapture {
  arg: CaptureArg;
  point: CapturePoint;
}

export async function resolveCapturePoints(
  args: CaptureArg[],
  book: AddressBook,
  snapshots: ParsedSnapshot[],
): Promise<ResolvedCapture[]> {
  const labels = new Set<string>();
  const names = interfaceNames(snapshots, book);
  const out: ResolvedCapture[] = [];
  for (const arg of args) {
    const label = unique(arg.label ?? defaultLabel(arg.role, arg.file), labels);
    const point: CapturePoint = { id: label, role: arg.role, label, node: null, pod: null };
    if (arg.role === 'node') {
      point.node =
        arg.label ??
        nodeNamed(book, basename(arg.file)) ??
        onlyNode(book) ??
        (await ownNode(arg.file, (ip) => nodeAt(book, ip)));
      point.interfaces = point.node ? (names.byNode.get(point.node) ?? null) : null;
    } else {
      // The user's label first, then the packets, then the file name.
      const labelled = arg.label ? podNamed(book, arg.label) : null;
      const address = labelled?.ips[0] ?? (await ownAddress(arg.file));
      const match = address ? book.lookup(address) : undefined;
      const pod =
        labelled ?? (match?.entity.kind === 'Pod' ? match.entity : podNamed(book, basename(arg.file)));
      point.pod = pod ? `${pod.namespace}/${pod.name}` : null;
      point.node = pod?.node ?? (arg.label ? nodeNamed(book, arg.label) : null);
      // On a one-node cluster every pod runs on that node (an external client is no pod).
      if (!point.node && arg.role === 'backend') point.node = onlyNode(book);
      point.interfaces = address ? (names.byAddress.get(address) ?? null) : null;
    }
    out.push({ arg, point });
  }
  return out;
}

function unique(label: string, taken: Set<string>): string {
  let candidate = label;
  for (let n = 2; taken.has(candidate); n++) candidate = `${label}-${n}`;
  taken.add(candidate);
  return candidate;
}

/** The node an address belongs to (its InternalIP, a bridge or tunnel address in its `ip addr`). */
function nodeAt(book: AddressBook, ip: string): string | null {
  const entity = book.lookup(ip)?.entity;
  return entity?.kind === 'Node' ? entity.name : null;
}

function onlyNode(book: AddressBook): string | null {
  return book.nodes.length === 1 ? book.nodes[0].name : null;
}

/** `name` as a whole word of `text`: node-k8s-compute-01.pcap names k8s-compute-01, not k8s-compute-0. */
function mentions(text: string, name: string): boolean {
  const at = text.indexOf(name);
  if (at < 0 || !name) return false;
  const before = text[at - 1];
  const after = text[at + name.length];
  return (!before || !/[a-z0-9]/i.test(before)) && (!after || !/[a-z0-9]/i.test(after));
}

/** The longest known node name in `text`. */
function nodeNamed(book: AddressBook, text: string): string | null {
  const found = book.nodes.map((n) => n.name).filter((n) => mentions(text, n));
  return found.sort((a, b) => b.length - a.length)[0] ?? null;
}

function podNamed(book: AddressBook, text: string) {
  const pods = book.pods.filter((p) => mentions(text, p.name) || text === `${p.namespace}/${p.name}`);
  return pods.sort((a, b) => b.name.length - a.name.length)[0] ?? null;
}
