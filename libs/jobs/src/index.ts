// What the api and the worker agree on about the queue: names and payloads.
// BullMQ itself stays in the apps; this file has no runtime dependencies.

export const ANALYSIS_QUEUE = 'analysis';

/** Job names on the analysis queue, one per pipeline stage (see DESIGN.md, data flow). */
export const AnalysisJob = {
  analyze: 'analyze',
} as const;

export interface AnalyzeJobData {
  analysisId: string;
}
