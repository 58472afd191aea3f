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

/** What a decode child returns to its parent: counts, and what the analysis needs of the capture. */
export interface DecodeJobResult {
  captureId: string;
  packets: number;
  truncated: number;
  malformed: number;
  linkTypes: number[];
  /** libs/analysis' CaptureProfile: the capture's own address and node votes (no second read). */
  profile?: { ownAddress: string | null; nodeVotes: Record<string, number> };
  /** A record cut off at the end (a killed tcpdump): the records before it are used. */
  warning?: string;
}

/** Retried with back-off for transient failures (database, Redis); bad input fails at once. */
export const JOB_ATTEMPTS = 4;
export const JOB_BACKOFF = { type: 'exponential', delay: 2000 } as const;

// ---- Completion notifications (webhooks) ----

export const NOTIFICATIONS_QUEUE = 'notifications';

export const NotificationJob = {
  deliver: 'deliver',
} as const;

/** What a notification says about a finished analysis; rendered per receiver kind at delivery. */
export interface AnalysisNotice {
  event: 'analysis.succeeded' | 'analysis.failed';
  analysis: {
    id: string;
    name: string | null;
    status: string;
    error: string | null;
    createdAt: string;
    finishedAt: string | null;
    counts: Record<string, number>;
  };
  flowsByState: Record<string, number>;
  translations: Record<string, number>;
  findings: { total: number; bySeverity: Record<string, number> };
  topFindings: { code: string; severity: string; title: string }[];
  /**
   * report and analysis: the REST resources (need an API key); share: a share link to the analysis
   * page that opens in a browser without one (read-only, expires after SHARE_TTL_DEFAULT_SECONDS).
   */
  links: { report: string; analysis: string; share: string };
}

/** One event to one subscription; the job's attempts are the delivery's retries. */
export interface DeliverJobData {
  deliveryId: string;
  subscriptionId: string;
  notice: AnalysisNotice;
}

/** A receiver gets 6 tries over about 2.5 minutes at the default NOTIFICATION_BACKOFF_MS (5 s, 10 s, 20 s, ...). */
export const NOTIFICATION_ATTEMPTS = 6;
