// renderReport: one document, three forms. JSON is the contract of DESIGN.md; md and txt are for people.
import { reportBlocks, type RenderOptions } from './blocks.js';
import { renderMarkdown } from './render-markdown.js';
import { renderText } from './render-text.js';
import type { ReportDocument, ReportFormat } from './types.js';

export const REPORT_FORMATS: readonly ReportFormat[] = ['txt', 'md', 'json'];

export function renderReport(doc: ReportDocument, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(doc, null, 2)}\n`;
    case 'md':
      return renderMarkdown(reportBlocks(doc, options));
    case 'txt':
      return renderText(reportBlocks(doc, options));
    default:
      throw new Error(`unknown report format '${String(format)}' (expected ${REPORT_FORMATS.join(', ')})`);
  }
}

/** Content types the API serves each format with. */
export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};
