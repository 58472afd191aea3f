// A finding's evidence as lines a person reads: sightings like tcpdump prints packets (with the frame
// number Wireshark and `tcpdump -#` show), other facts as `name: value`.
import { formatTimestamp } from './format.js';

const MAX_SIGHTINGS = 12;
const MAX_VALUE = 200;

interface SightingLike {
  capture: string;
  timestampNs: string;
  src: string;
  dst: string;
  interface?: string | null;
  type?: string | null;
  frame?: number | null;
  flags?: string | null;
}

function isSighting(v: unknown): v is SightingLike {
  const o = v as SightingLike;
  return typeof o === 'object' && o !== null && typeof o.capture === 'string' && typeof o.src === 'string';
}

function sightingLine(s: SightingLike, label: (id: string) => string): string {
  const where = [label(s.capture), s.interface, s.type].filter(Boolean).join(' ');
  const when = /^\d+$/.test(s.timestampNs) ? formatTimestamp(s.timestampNs) : s.timestampNs;
  const flags = s.flags ? ` ${s.flags}` : '';
  const frame = typeof s.frame === 'number' && s.frame >= 0 ? ` (frame ${s.frame + 1})` : '';
  return `${where} ${when} ${s.src} > ${s.dst}${flags}${frame}`;
}

function valueText(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function listLines(items: unknown[], label: (id: string) => string): string[] {
  const sightings = items.filter(isSighting);
  const lines = sightings.slice(0, MAX_SIGHTINGS).map((s) => sightingLine(s, label));
  if (sightings.length > MAX_SIGHTINGS)
    lines.push(`… and ${sightings.length - MAX_SIGHTINGS} more sightings`);
  return [...lines, ...items.filter((i) => !isSighting(i)).map(valueText)];
}

export function evidenceLines(evidence: unknown, label: (id: string) => string): string[] {
  if (evidence === null || evidence === undefined) return [];
  if (Array.isArray(evidence)) return listLines(evidence, label);
  if (typeof evidence !== 'object') return [valueText(evidence)];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (key === 'sightings' && Array.isArray(value)) lines.push(...listLines(value, label));
    else if (value !== null && value !== undefined) lines.push(`${key}: ${valueText(value)}`);
  }
  return lines;
}
