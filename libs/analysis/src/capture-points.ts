// Each capture's capture point: the node and pod it was taken on, and the names of its interfaces.
// Captures on one node share its clock (correlate's clock domain), and the node's `ip addr` names the
// interface indexes a LINUX_SLL2 file stores. What the user said comes first; where it is silent:
// - a node capture: a node its label names, a node name in the file name, the only node, or the node
//   whose addresses its tunnelled (or own) traffic comes from and goes to;
// - a pod capture: the pod its label names, else the pod owning the capture's own address, else a
//   pod named in the file name; its node is the pod's.
import { interfaceNames, type AddressBook, type ParsedSnapshot } from '#cluster';
import type { CapturePoint } from '#correlate';
import { votedNode, type CaptureProfile } from './capture-profile.js';
import type { AnalysisCapture } from './types.js';

export function resolveCapturePoints(
  captures: { capture: AnalysisCapture; profile: CaptureProfile }[],
  book: AddressBook,
  snapshots: ParsedSnapshot[],
): CapturePoint[] {
  const names = interfaceNames(snapshots, book);
  const labels = new Set<string>();
  return captures.map(({ capture: c, profile }) => {
    // Labels name capture points in the report and the findings: two captures labelled `node`
    // become node and node-2 (as the CLI names them), wherever the analysis runs.
    const label = unique(c.label ?? c.role, labels);
    const point: CapturePoint = { id: c.id, role: c.role, label, node: null, pod: null };
    if (c.role === 'node') {
      point.node =
        c.node ??
        knownNode(book, c.label) ??
        nodeNamed(book, c.fileName) ??
        onlyNode(book) ??
        votedNode(profile, (ip) => nodeAt(book, ip)) ??
        // With no node in the snapshots, a label the user gave as the node's name is all there is.
        (c.labelNamesNode && book.nodes.length === 0 ? c.label : null);
      point.interfaces = point.node ? (names.byNode.get(point.node) ?? null) : null;
      return point;
    }
    const given = c.pod ? podNamed(book, c.pod) : null;
    const labelled = given ?? (c.label ? podNamed(book, c.label) : null);
    const address = labelled?.ips[0] ?? profile.ownAddress;
    const match = address ? book.lookup(address) : undefined;
    const pod = labelled ?? (match?.entity.kind === 'Pod' ? match.entity : podNamed(book, c.fileName));
    point.pod = pod ? `${pod.namespace}/${pod.name}` : (c.pod ?? null);
    point.node = c.node ?? pod?.node ?? (c.label ? nodeNamed(book, c.label) : null);
    // On a one-node cluster every pod runs on that node (an external client is no pod).
    if (!point.node && c.role === 'backend') point.node = onlyNode(book);
    point.interfaces = address ? (names.byAddress.get(address) ?? null) : null;
    return point;
  });
}

export function unique(label: string, taken: Set<string>): string {
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

function knownNode(book: AddressBook, name: string | null): string | null {
  return name && book.nodes.some((n) => n.name === name) ? name : null;
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
