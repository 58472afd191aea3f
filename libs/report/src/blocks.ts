// The report laid out once as a list of blocks (headings, paragraphs, tables, lists, commands), so the
// Markdown and text renderers only decide how a block looks, never what the report says.
import { evidenceLines } from './evidence.js';
import { formatDuration, formatOffset, formatTimestamp, percent } from './format.js';
import { sortedCounts } from './accumulator.js';
import { serviceKey } from './services.js';
import type {
  ReportCapture,
  ReportDocument,
  ReportFinding,
  ReportFlow,
  ReportPerspective,
  ReportService,
} from './types.js';

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3 | 4; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'list'; title: string; items: string[] }
  | { kind: 'commands'; title: string; lines: string[] };

export interface RenderOptions {
  /** Perspective tables printed per service, flows with problems first (default 50). */
  maxFlowTables?: number;
  /** Rows of each service's flow list (default 500); every flow is in the JSON form. */
  maxFlowRows?: number;
}

interface Limits {
  tables: number;
  rows: number;
  /** Flows a finding names. */
  flagged: Set<string>;
}

const HEALTHY = new Set(['CLOSED', 'ESTABLISHED', 'ANSWERED']);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Up to `max` flows, those with problems first, printed in their original (time) order. */
function pick(flows: ReportFlow[], max: number, flagged: Set<string>): ReportFlow[] {
  if (flows.length <= max) return flows;
  const troubled = (f: ReportFlow) => flagged.has(f.id) || !HEALTHY.has(f.state);
  const chosen = new Set([...flows.filter(troubled), ...flows.filter((f) => !troubled(f))].slice(0, max));
  return flows.filter((f) => chosen.has(f));
}

/** Capture ids -> what the tables print for them. */
interface Points {
  label(id: string): string;
  role(id: string): string | undefined;
}

export function reportBlocks(doc: ReportDocument, options: RenderOptions = {}): Block[] {
  const captures = new Map(doc.analysis.captures.map((c) => [c.id, c]));
  const flows = new Map(doc.flows.map((f) => [f.id, f]));
  const points: Points = {
    label: (id) => captures.get(id)?.label ?? id,
    role: (id) => captures.get(id)?.role,
  };
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: `natlens report: ${doc.analysis.name ?? doc.analysis.id}` },
    { kind: 'paragraph', text: summaryText(doc) },
    ...captureBlocks(doc),
  ];
  const limits: Limits = {
    tables: options.maxFlowTables ?? 50,
    rows: options.maxFlowRows ?? 500,
    flagged: new Set(doc.findings.flatMap((f) => f.flows)),
  };
  // The flows the document holds per service: all of them, or (streamed) those kept for the tables.
  const byService = new Map<string, ReportFlow[]>();
  for (const f of doc.flows) {
    const key = serviceKey(f);
    const list = byService.get(key);
    if (list) list.push(f);
    else byService.set(key, [f]);
  }
  for (const service of doc.services)
    blocks.push(...serviceBlocks(service, byService.get(service.key) ?? [], points, limits));
  blocks.push(...findingBlocks(doc.findings, flows, points));
  return blocks;
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function summaryText(doc: ReportDocument): string {
  const s = doc.summary;
  const parts = [
    `Analysis ${doc.analysis.id} (${doc.analysis.status}): ${plural(s.flows, 'flow')} to ${plural(s.services, 'service')}`,
  ];
  if (s.firstNs && s.lastNs) {
    const span = formatDuration(BigInt(s.lastNs) - BigInt(s.firstNs));
    parts.push(` from ${formatTimestamp(s.firstNs)} over ${span}`);
  }
  parts.push('.');
  if (s.flows) parts.push(` States: ${counts(s.states)}.`);
  if (Object.keys(s.translations).length) parts.push(` Translations: ${counts(s.translations)}.`);
  parts.push(` Findings: ${Object.keys(s.findings).length ? counts(s.findings) : 'none'}.`);
  return parts.join('');
}

function captureBlocks(doc: ReportDocument): Block[] {
  const offsets = new Map(doc.clockOffsets.map((o) => [o.capture, o]));
  const rows = doc.analysis.captures.map((c: ReportCapture) => {
    const o = offsets.get(c.id);
    const offset = !o
      ? ''
      : o.reference
        ? 'reference clock'
        : `${formatOffset(o.offsetNs)} ± ${formatDuration(o.spreadNs)}`;
    return [
      c.label,
      c.role,
      c.node ?? '',
      c.pod ?? '',
      String(c.packets),
      offset,
      o?.pairs ? String(o.pairs) : '',
    ];
  });
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: 'Captures and clock offsets' },
    { kind: 'table', header: ['capture', 'role', 'node', 'pod', 'packets', 'clock offset', 'pairs'], rows },
  ];
  // Where decoding stopped: the analysis saw those packets by their outer header only, or not at all.
  const notes = doc.analysis.captures.flatMap((c) => [
    ...Object.entries(c.undecoded ?? {}).map(
      ([name, n]) =>
        `${c.label}: ${plural(n, 'packet')} in ${name}, not decoded: the analysis stopped at their outer header.`,
    ),
    ...Object.entries(c.unsupportedLinkTypes ?? {}).map(
      ([type, n]) =>
        `${c.label}: ${plural(n, 'packet')} on link type ${type}, which natlens does not decode.`,
    ),
  ]);
  if (notes.length) blocks.push({ kind: 'list', title: 'Not decoded', items: notes });
  return blocks;
}

function serviceBlocks(service: ReportService, flows: ReportFlow[], points: Points, limits: Limits): Block[] {
  const title = service.serviceName
    ? `Service ${service.serviceName} (${service.addresses.join(', ')})`
    : `Service ${service.addresses.join(', ')}`;
  const states: Record<string, number> = {};
  for (const b of service.backends)
    for (const [state, n] of Object.entries(b.states)) states[state] = (states[state] ?? 0) + n;
  const total = service.flowCount;
  const blocks: Block[] = [
    { kind: 'heading', level: 2, text: title },
    { kind: 'paragraph', text: `${plural(total, 'flow')}: ${counts(sortedCounts(states))}.` },
    { kind: 'heading', level: 3, text: 'Backends' },
    {
      kind: 'table',
      header: ['backend', 'pod', 'connections', 'share', 'states'],
      rows: service.backends.map((b) => [
        b.backend ?? '(none)',
        b.backendPod ?? '',
        String(b.connections),
        percent(b.share),
        counts(b.states),
      ]),
    },
  ];
  if (service.translations.length) {
    blocks.push(
      { kind: 'heading', level: 3, text: 'Translations' },
      {
        kind: 'table',
        header: ['kind', 'direction', 'where', 'change', 'flows', 'median latency'],
        rows: service.translations.map((t) => [
          t.kind,
          t.direction,
          where(points.label(t.capture), t.interfaces),
          t.change,
          String(t.flows),
          formatDuration(t.medianLatencyNs),
        ]),
      },
    );
  }
  blocks.push(
    { kind: 'heading', level: 3, text: 'Flows' },
    {
      kind: 'table',
      header: ['flow', 'protocol', 'client', 'service', 'backend', 'seen by backend as', 'state'],
      rows: pick(flows, limits.rows, limits.flagged).map((f) => [
        f.id,
        f.protocol,
        f.client,
        f.service,
        f.backend ? `${f.backend}${f.backendPod ? ` (${f.backendPod})` : ''}` : '(none)',
        f.clientSeenByBackend ?? '',
        stateText(f),
      ]),
    },
  );
  if (total > limits.rows)
    blocks.push({ kind: 'paragraph', text: `Listed ${limits.rows} of ${total} flows.` });
  for (const f of pick(flows, limits.tables, limits.flagged)) blocks.push(...perspectiveBlocks(f, points));
  if (total > limits.tables)
    blocks.push({
      kind: 'paragraph',
      text:
        `Perspective tables for ${limits.tables} of ${total} flows (those with problems first); ` +
        'every flow is in the JSON form.',
    });
  return blocks;
}

function where(capture: string, interfaces: { before: string | null; after: string | null } | null): string {
  if (!interfaces || (!interfaces.before && !interfaces.after)) return capture;
  return `${capture} ${interfaces.before ?? '?'} -> ${interfaces.after ?? '?'}`;
}

function stateText(f: ReportFlow): string {
  if (f.resetBy) return `${f.state} (reset by ${f.resetBy})`;
  if (f.icmpError)
    return `${f.state} (icmp ${f.icmpError.type}/${f.icmpError.code} from ${f.icmpError.from})`;
  return f.state;
}

/** "node pre-DNAT", but plain "client" / "backend" where the role already says the stage. */
function pointName(label: string, p: ReportPerspective, role: string | undefined): string {
  if (!p.stage) return label;
  if ((role === 'client' && p.stage === 'pre-DNAT') || (role === 'backend' && p.stage === 'post-DNAT'))
    return label;
  return `${label} ${p.stage}`;
}

function perspectiveBlocks(f: ReportFlow, points: Points): Block[] {
  const backend = f.backend ? ` => ${f.backend}${f.backendPod ? ` (${f.backendPod})` : ''}` : '';
  const tunnelled = f.perspectives.some((p) => p.outer);
  const header = ['direction', 'capture point', 'interfaces', 'src > dst', 'packets'];
  if (tunnelled) header.push('outer header');
  const rows = f.perspectives.map((p) => {
    const row = [
      p.direction,
      pointName(points.label(p.capture), p, points.role(p.capture)),
      p.interfaces.map((i) => `${i.name}${i.type ? ` ${i.type}` : ''}`).join(', '),
      `${p.src} > ${p.dst}`,
      String(p.packets),
    ];
    if (tunnelled) row.push(p.outer ? `${p.outer.tunnel} ${p.outer.src} > ${p.outer.dst}` : '');
    return row;
  });
  return [
    {
      kind: 'heading',
      level: 4,
      text: `Flow ${f.id}: ${f.protocol} ${f.client} -> ${f.service}${backend}, ${stateText(f)}`,
    },
    { kind: 'table', header, rows },
  ];
}

function findingBlocks(findings: ReportFinding[], flows: Map<string, ReportFlow>, points: Points): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 2, text: 'Findings' }];
  if (!findings.length) return [...blocks, { kind: 'paragraph', text: 'No findings.' }];
  for (const f of findings) {
    blocks.push({ kind: 'heading', level: 3, text: `${f.severity.toUpperCase()} ${f.code}: ${f.title}` });
    if (f.detail) blocks.push({ kind: 'paragraph', text: f.detail });
    if (f.flows.length) {
      const shown = f.flows.slice(0, 10).map((id) => {
        const flow = flows.get(id);
        return flow ? `${id} (${flow.client} -> ${flow.service}, ${flow.state})` : id;
      });
      if (f.flows.length > 10) shown.push(`… and ${f.flows.length - 10} more`);
      blocks.push({ kind: 'list', title: 'Flows', items: shown });
    }
    const evidence = evidenceLines(f.evidence, points.label);
    if (evidence.length) blocks.push({ kind: 'list', title: 'Evidence', items: evidence });
    if (f.next.length) blocks.push({ kind: 'commands', title: 'Next', lines: f.next });
  }
  return blocks;
}
