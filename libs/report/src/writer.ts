// The report written flow by flow: the JSON form streams each flow out as it arrives (one flow per
// line inside "flows", the other members after it), txt and md print the summary and the bounded
// selection of flows the running totals kept. No whole-document object or string is built, so a
// report of a million flows costs what one flow costs.
import { ReportAccumulator } from './accumulator.js';
import { reportDocument, reportFlow } from './build.js';
import { type RenderOptions } from './blocks.js';
import { pathOrdered } from './path-order.js';
import { renderReport } from './render.js';
import type {
  ClockOffsetInput,
  FindingInput,
  FlowInput,
  ReportAnalysisInput,
  ReportDocument,
  ReportFlow,
  ReportFormat,
} from './types.js';

/** Where the text goes: a file, stdout, an HTTP response (buffering and back-pressure are its own). */
export interface TextOut {
  write(chunk: string): void;
}

/** A flow whose perspectives are already in path order (as the analysis runner hands them on). */
export function orderedReportFlow(f: FlowInput): ReportFlow {
  return reportFlow(f, pathOrdered(f, f.perspectives));
}

export class ReportWriter {
  private readonly totals: ReportAccumulator;
  private flows = 0;

  constructor(
    private readonly format: ReportFormat,
    private readonly out: TextOut,
    private readonly options: RenderOptions = {},
  ) {
    this.totals = new ReportAccumulator({
      keepPerService: Math.max(options.maxFlowRows ?? 500, options.maxFlowTables ?? 50),
    });
    if (format === 'json') out.write('{"flows": [\n');
  }

  /** One flow, its perspectives in path order. */
  flow(f: ReportFlow): void {
    this.totals.add(f);
    if (this.format === 'json') this.out.write(`${this.flows ? ',\n' : ''}${JSON.stringify(f)}`);
    this.flows++;
  }

  /** Everything known at the end; returns the document without its flows (what chat and exit codes read). */
  end(
    analysis: ReportAnalysisInput,
    clockOffsets: ClockOffsetInput[],
    findings: FindingInput[],
  ): Omit<ReportDocument, 'flows'> {
    if (this.format === 'json') {
      const { flows: _flows, ...doc } = reportDocument(analysis, clockOffsets, this.totals, findings, []);
      this.out.write(this.flows ? '\n],\n' : '],\n');
      const members = Object.entries(doc).map(
        ([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`,
      );
      this.out.write(`${members.join(',\n')}\n}\n`);
      return doc;
    }
    const kept = this.totals.keptFlows();
    const doc = reportDocument(analysis, clockOffsets, this.totals, findings, kept);
    this.out.write(renderReport(doc, this.format, this.options));
    const { flows: _flows, ...rest } = doc;
    return rest;
  }
}
