/**
 * libs/diagnose: turns what correlate saw (flows, translations, perspectives, clock offsets,
 * unpaired packets) plus what the snapshots say (address book, dataplane model) into findings:
 * a code, a severity, a one-sentence detail naming Services, Pods, nodes and addresses, the
 * evidence (flow ids, sightings with timestamps and capture points, counts, p-values) and the
 * commands to run next. Correlate says what happened; diagnose decides what is wrong.
 *
 *   const findings = diagnose({ correlation, addressBook, dataplane, captures: points });
 *   JSON.stringify(findings); // plain JSON: nanosecond quantities are decimal strings
 *
 * One rule per file under rules/, listed in rules/index.ts; thresholds in options.ts
 * (DEFAULT_OPTIONS documents each default). Findings are sorted by severity (error, warning,
 * info) then code.
 */
export { diagnose } from './diagnose.js';
export { DiagnoseCollector, MAX_NOTABLE_FLOWS } from './collector.js';
export { DEFAULT_OPTIONS, type DiagnoseOptions } from './options.js';
export { FINDING_CODES, type DiagnoseInput, type Evidence, type Finding, type FindingCode } from './types.js';
export type { Severity, SightingEvidence } from './types.js';
export { chiSquareTest, chiSquareCdf, chiSquareSurvival, type ChiSquareTest } from './stats/chi-square.js';
