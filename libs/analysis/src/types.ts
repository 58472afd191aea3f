// What the analysis runner reads and what it hands its sink. The CLI and the worker differ only
// here: where a capture's records come from (a file, the upload store) and where results go (a
// report on stdout, PostgreSQL).
import type { RecordBatch } from '#capture';
import type { AddressBook, DataplaneModel, ParsedSnapshot } from '#cluster';
import type { CaptureRole, CapturePoint, CorrelationResult, Flow } from '#correlate';
import type { Finding } from '#diagnose';
import type { CaptureProfile } from './capture-profile.js';

export interface AnalysisCapture {
  /** Reported back in every perspective, translation and offset: a label offline, a uuid on the server. */
  id: string;
  role: CaptureRole;
  label: string | null;
  /** True when the label is the user's name for a node capture's node (`--capture node:NAME:FILE`). */
  labelNamesNode?: boolean;
  /** The file's name as uploaded or given (node-k8s-compute-01.pcap names its node). */
  fileName: string;
  /** What the user said, if anything: a node name, a pod as namespace/name. */
  node?: string | null;
  pod?: string | null;
  /** Reads the capture from its start, as often as asked (correlate reads a prefix first). */
  read: () => AsyncIterable<RecordBatch>;
  /** Size in bytes (progress while reading), packets when known (progress while correlating). */
  sizeBytes?: number;
  packetCount?: number | null;
  /** Gathered earlier (the server's decode stage); else the runner reads the first packets. */
  profile?: CaptureProfile | null;
}

/** Where the results go, flow by flow. */
export interface AnalysisSink {
  /** The resolved capture points, before the first flow. */
  start?(points: CapturePoint[]): void | Promise<void>;
  /**
   * One finished flow, its perspectives in path order. Synchronous: the correlation does not wait;
   * a sink that writes elsewhere queues and catches up in `finish`.
   */
  flow(flow: Flow): void;
  finish(result: AnalysisResult): void | Promise<void>;
}

export type AnalysisStage =
  'reading snapshots' | 'profiling captures' | 'correlating' | 'diagnosing' | 'writing';

export interface AnalysisOptions {
  /** Sightings kept per perspective (evidence, pcapng export). */
  maxSightingsPerPerspective?: number;
  /** `fraction` 0..1 or null when the stage has no measure; detail names what is being read. */
  onProgress?: (stage: AnalysisStage, fraction: number | null, detail?: string) => void;
  /** A capture's problem that did not stop the analysis (a record cut off at the end). */
  warn?: (capture: AnalysisCapture, message: string) => void;
  /** Full flows the diagnosis keeps as evidence per tier (default 5,000); the rest are counted. */
  maxNotableFlows?: number;
}

export interface AnalysisResult {
  points: CapturePoint[];
  addressBook: AddressBook;
  dataplane: DataplaneModel;
  /** Correlation's summary (its flows went to the sink). */
  correlation: Omit<CorrelationResult, 'flows'>;
  /** Per capture id: warnings such as a cut-off last record. */
  warnings: Record<string, string[]>;
  findings: Finding[];
  /** Flows a finding could have cited beyond the diagnosis' cap (they are counted, not kept). */
  flowsNotKept: number;
  /** Flows handed to the sink. */
  flowCount: number;
}

export interface AnalysisInput {
  captures: AnalysisCapture[];
  snapshots: ParsedSnapshot[];
  sink: AnalysisSink;
  options?: AnalysisOptions;
}
