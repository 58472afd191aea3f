// diagnose(): run every rule of the registry over one analysis and return its findings, sorted by
// severity (errors first) then code, then by the first flow they name.
import { RuleContext } from './context.js';
import { RULES } from './rules/index.js';
import type { DiagnoseInput, Finding, Severity } from './types.js';

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function diagnose(input: DiagnoseInput): Finding[] {
  const ctx = new RuleContext(input);
  const findings = RULES.flatMap((rule) => rule.run(ctx));
  const firstSeen = new Map(ctx.flows.map((f, i) => [f.id, i]));
  const position = (f: Finding) => Math.min(...f.flows.map((id) => firstSeen.get(id) ?? Infinity), Infinity);
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.code.localeCompare(b.code) ||
      position(a) - position(b) ||
      a.title.localeCompare(b.title),
  );
}
