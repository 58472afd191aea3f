// What the api and the worker agree on about the queue: names and payloads.
// BullMQ itself stays in the apps; this file has no runtime dependencies.

export const ANALYSIS_QUEUE = 'analysis';

/**
 * Job names on the analysis queue (DESIGN.md, data flow): one `decode` child per capture, so
 * several workers decode in parallel, under one `analyze` parent that runs once they are done
 * and does correlate, diagnose and persist as stages.
 */
export const AnalysisJob = {
  decode: 'decode',
  analyze: 'analyze',
} as const;

export interface AnalyzeJobData {
  analysisId: string;
}

export interface DecodeJobData {
  analysisId: string;
  captureId: string;
}

/** What a decode child returns to its parent. */
export interface DecodeJobResult {
  captureId: string;
  packets: number;
  truncated: number;
  malformed: number;
  linkTypes: number[];
}

/** Retried with back-off for transient failures (database, Redis); bad input fails at once. */
export const JOB_ATTEMPTS = 4;
export const JOB_BACKOFF = { type: 'exponential', delay: 2000 } as const;
