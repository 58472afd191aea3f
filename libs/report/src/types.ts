// What buildReport reads and what it returns. The input is the narrow, JSON-friendly subset of
// libs/correlate's CorrelationResult and libs/diagnose's findings that the report needs, so the API
// can rebuild it from PostgreSQL rows; a CorrelationResult is assignable to ReportCorrelation as is.
// The output is the report's JSON form fixed in DESIGN.md ("a stable contract"): names below that
// appear there keep their meaning; everything else is an addition the contract allows.

export type ReportFormat = 'json' | 'md' | 'txt';
export type Severity = 'error' | 'warning' | 'info';
export type Direction = 'request' | 'reply';

// ---- input ----------------------------------------------------------------------------------

export interface ReportCaptureInput {
  /** The id every perspective, translation and clock offset refers to. */
  id: string;
  role: string;
  label?: string | null;
  node?: string | null;
  pod?: string | null;
  packets: number;
  /** Packets in encapsulations natlens does not decode, by name (correlate's CaptureSummary). */
  undecoded?: Record<string, number> | null;
  /** Packets on interfaces whose link type natlens does not decode, by link type. */
  unsupportedLinkTypes?: Record<string, number> | null;
}

export interface ReportAnalysisInput {
  id: string;
  status: string;
  name?: string | null;
  captures: ReportCaptureInput[];
}

export interface TupleInput {
  src: string;
  dst: string;
}

export interface OuterInput {
  tunnel: string;
  src: string;
  dst: string;
  vni?: number | null;
}

export interface TranslationInput {
  kind: string;
  /** Inferred from the tuples when absent. */
  direction?: Direction | null;
  before: TupleInput;
  after: TupleInput;
  /** Capture point of the `after` sighting (and of the `before` one). */
  capture: string;
  fromCapture?: string | null;
  interfaces?: { before: string | null; after: string | null } | null;
  outer?: OuterInput | null;
  /** Decimal string (ns). */
  latencyNs: string;
  packets?: number | null;
}

export interface PerspectiveInput {
  capture: string;
  /** Inferred from the tuple when absent. */
  direction?: Direction | null;
  src: string;
  dst: string;
  packets: number;
  interfaces?: { name: string; type: string; packets: number }[] | null;
  outer?: OuterInput | null;
  /** First packet in that capture's own clock (decimal ns): orders the rows of one hop. */
  firstNs?: string | null;
}

export interface FlowInput {
  id: string;
  protocol: string;
  client: string;
  service: string;
  backend: string | null;
  clientSeenByBackend: string | null;
  serviceName: string | null;
  backendPod: string | null;
  state: string;
  translations: TranslationInput[];
  perspectives: PerspectiveInput[];
  communityIds?: { client: string; backend: string | null } | null;
  firstNs?: string | null;
  lastNs?: string | null;
  resetBy?: string | null;
  icmpError?: { type: number; code: number; from: string } | null;
  retransmissions?: number | null;
}

export interface ClockOffsetInput {
  capture: string;
  offsetNs: string;
  spreadNs: string;
  pairs?: number | null;
  reference?: boolean | null;
}

/** The part of libs/correlate's CorrelationResult the report reads. */
export interface ReportCorrelation {
  flows: FlowInput[];
  clockOffsets: ClockOffsetInput[];
}

/** libs/diagnose's Finding, as far as the report reads it. */
export interface FindingInput {
  code: string;
  severity: Severity | string;
  title: string;
  detail?: string | null;
  /** Flow ids. */
  flows?: string[] | null;
  /**
   * What backs the finding, passed through as given: libs/diagnose's { sightings: [...], ...facts },
   * or a list. Renderers print sightings as tcpdump-like lines and other facts as `name: value`.
   */
  evidence?: unknown;
  /** Commands to run next. */
  next?: string[] | null;
}

export interface ReportInput {
  analysis: ReportAnalysisInput;
  correlation: ReportCorrelation;
  findings: FindingInput[];
}

// ---- output: the report's JSON form -----------------------------------------------------------

export interface ReportCapture {
  id: string;
  role: string;
  label: string;
  node: string | null;
  pod: string | null;
  packets: number;
  /** Present when some packets were in an encapsulation natlens stops at (`{ "GTP-U": 412 }`). */
  undecoded?: Record<string, number>;
  /** Present when some packets were on a link type natlens does not decode (`{ "274": 18 }`). */
  unsupportedLinkTypes?: Record<string, number>;
}

export interface ReportClockOffset {
  capture: string;
  offsetNs: string;
  spreadNs: string;
  pairs: number | null;
  reference: boolean;
}

export interface ReportTranslation {
  kind: string;
  direction: Direction;
  before: TupleInput;
  after: TupleInput;
  capture: string;
  fromCapture: string | null;
  interfaces: { before: string | null; after: string | null } | null;
  outer: OuterInput | null;
  latencyNs: string;
}

/**
 * Where on the path a sighting is: before the Service's DNAT (the tuple has the service address),
 * after it (the backend address), or null when the flow was not DNATed or the tuple is neither.
 */
export type Stage = 'pre-DNAT' | 'post-DNAT' | null;

export interface ReportPerspective {
  capture: string;
  direction: Direction;
  stage: Stage;
  src: string;
  dst: string;
  packets: number;
  interfaces: { name: string; type: string; packets: number }[];
  outer: OuterInput | null;
}

export interface ReportFlow {
  id: string;
  protocol: string;
  client: string;
  service: string;
  backend: string | null;
  clientSeenByBackend: string | null;
  serviceName: string | null;
  backendPod: string | null;
  state: string;
  translations: ReportTranslation[];
  /** In path order: the request from client to backend, then the reply back. */
  perspectives: ReportPerspective[];
  communityIds: { client: string; backend: string | null } | null;
  firstNs: string | null;
  lastNs: string | null;
  resetBy: string | null;
  icmpError: { type: number; code: number; from: string } | null;
  retransmissions: number;
}

export interface ReportFinding {
  code: string;
  severity: string;
  title: string;
  detail: string | null;
  flows: string[];
  evidence: unknown;
  next: string[];
}

export interface BackendShare {
  /** null: flows that reached no backend. */
  backend: string | null;
  backendPod: string | null;
  connections: number;
  /** connections / the service's flows, 0..1. */
  share: number;
  states: Record<string, number>;
}

/** Translations of one service's flows, grouped by what they changed. */
export interface TranslationSummary {
  kind: string;
  direction: Direction;
  capture: string;
  interfaces: { before: string | null; after: string | null } | null;
  /** e.g. "dst 10.233.9.232:80 -> 10.233.67.86:80"; client-side ports shown as `*`. */
  change: string;
  flows: number;
  medianLatencyNs: string;
}

export interface ReportService {
  /** serviceName when known, else the original destination. */
  key: string;
  serviceName: string | null;
  /** Original destinations (VIP:port, NodePort...) its flows used. */
  addresses: string[];
  /** Its flows, and the ids of the first (up to MAX_SERVICE_FLOW_IDS) of them. */
  flowCount: number;
  flows: string[];
  backends: BackendShare[];
  translations: TranslationSummary[];
}

export interface ReportSummary {
  flows: number;
  services: number;
  protocols: Record<string, number>;
  states: Record<string, number>;
  translations: Record<string, number>;
  findings: Record<string, number>;
  firstNs: string | null;
  lastNs: string | null;
}

export interface ReportDocument {
  analysis: {
    id: string;
    status: string;
    name: string | null;
    captures: ReportCapture[];
  };
  summary: ReportSummary;
  clockOffsets: ReportClockOffset[];
  services: ReportService[];
  flows: ReportFlow[];
  findings: ReportFinding[];
}
