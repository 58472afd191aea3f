// Reads `tcpdump -nn -r` output the way a person does: interface, direction letter, src > dst.
// An encapsulated packet prints as its outer line followed by an unindented inner line.

export interface TcpdumpRow {
  iface: string;
  type: string;
  src: string;
  dst: string;
  /** Outer header `src > dst` for a tunnelled packet. */
  outer: string | null;
  /** The line after the tuple: flags, seq, ack, options, length (the packet's identity). */
  rest: string;
}

const LINE = /^\d\d:\d\d:\d\d\.\d+ (\S+)\s+(In|Out|P|B|M)\s+IP6? (\S+) > (\S+?): (.*)$/;
const INNER = /^IP6? (\S+) > (\S+?): (.*)$/;

export function tcpdumpRows(text: string): TcpdumpRow[] {
  const rows: TcpdumpRow[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m) {
      rows.push({
        iface: m[1],
        type: m[2],
        src: endpoint(m[3]),
        dst: endpoint(m[4]),
        outer: null,
        rest: m[5],
      });
      continue;
    }
    const inner = INNER.exec(line);
    const last = rows.at(-1);
    if (inner && last) {
      last.outer = `${last.src} > ${last.dst}`;
      last.src = endpoint(inner[1]);
      last.dst = endpoint(inner[2]);
      last.rest = inner[3];
    }
  }
  return rows;
}

/** tcpdump's `10.0.0.1.80` as `10.0.0.1:80` (an IPv4 address without a port stays as is). */
function endpoint(text: string): string {
  const parts = text.split('.');
  if (parts.length === 5) return `${parts.slice(0, 4).join('.')}:${parts[4]}`;
  if (text.includes(':')) {
    const i = text.lastIndexOf('.');
    return i > 0 ? `[${text.slice(0, i)}]:${text.slice(i + 1)}` : text;
  }
  return text;
}

export interface PerspectiveRow {
  src: string;
  dst: string;
  tunnelled: boolean;
  /** "iface type" -> lines. */
  interfaces: Record<string, number>;
  sightings: number;
  /** Distinct packets: lines that differ in more than the interface. */
  packets: number;
}

/** The rows about one connection (any of its endpoints as seen somewhere), as perspectives. */
export function perspectiveTable(rows: TcpdumpRow[], endpoints: Set<string>): PerspectiveRow[] {
  const table = new Map<string, PerspectiveRow & { texts: Set<string> }>();
  for (const r of rows) {
    if (!endpoints.has(r.src) && !endpoints.has(r.dst)) continue;
    const key = `${r.src} > ${r.dst} ${r.outer !== null}`;
    let row = table.get(key);
    if (!row) {
      row = {
        src: r.src,
        dst: r.dst,
        tunnelled: r.outer !== null,
        interfaces: {},
        sightings: 0,
        packets: 0,
        texts: new Set(),
      };
      table.set(key, row);
    }
    row.interfaces[`${r.iface} ${r.type}`] = (row.interfaces[`${r.iface} ${r.type}`] ?? 0) + 1;
    row.sightings++;
    row.texts.add(r.rest.replace(/, length \d+: .*$/, ''));
    row.packets = row.texts.size;
  }
  return [...table.values()]
    .map(({ texts: _texts, ...row }) => row)
    .sort((a, b) => `${a.src}${a.dst}${a.tunnelled}`.localeCompare(`${b.src}${b.dst}${b.tunnelled}`));
}
