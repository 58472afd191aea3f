// diagnose(): run every rule of the registry over one analysis and return its findings, sorted by
// severity (errors first) then code, then by the first flow they name. The same as feeding every
// flow to a DiagnoseCollector (what a streamed analysis does), in one call.
import type { Flow } from '#correlate';
import { DiagnoseCollector } from './collector.js';
import type { DiagnoseInput, Finding, Severity } from './types.js';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function diagnose(input: DiagnoseInput): Finding[] {
  const { correlation, ...rest } = input;
  const collector = new DiagnoseCollector(rest, Number.POSITIVE_INFINITY);
  for (const f of correlation.flows) collector.add(f);
  const { flows: _flows, ...summary } = correlation;
  return collector.finish(summary);
}

/** Severity, code, the position of the first flow named (in `flows`), then title. */
export function sortFindings(findings: Finding[], flows: Flow[]): Finding[] {
  const firstSeen = new Map(flows.map((f, i) => [f.id, i]));
  const position = (f: Finding) => Math.min(...f.flows.map((id) => firstSeen.get(id) ?? Infinity), Infinity);
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      position(a) - position(b) ||
      a.title.localeCompare(b.title),
  );
}
