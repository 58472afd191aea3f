// What diagnose reads and what it returns. Findings are plain JSON (nanosecond quantities are
// decimal strings) so the report, the database and chat can carry them unchanged.
import type { AddressBook, DataplaneModel } from '#cluster';
import type { CapturePoint, CorrelationResult } from '#correlate';
import type { DiagnoseOptions } from './options.js';

export type Severity = 'info' | 'warning' | 'error';

/** One packet of the evidence: where and when it was seen, and its tuple there. */
export interface SightingEvidence {
  capture: string;
  /** The capture point's role (client, node, backend, other) and node, when known. */
  role: string | null;
  node: string | null;
  /** Timestamp as recorded in that capture (no clock offset applied). */
  timestampNs: string;
  direction: 'request' | 'reply';
  interface: string | null;
  /** tcpdump's direction letter: In, Out, P, B, M. */
  type: string;
  src: string;
  dst: string;
  /** 0-based record number in the capture file. */
  frame: number;
  /** TCP flags as tcpdump prints them ([S], [S.], [R.]); null for other protocols. */
  flags: string | null;
}

/**
 * What a person can check: the sightings behind the finding, plus counts, rates and test results
 * under names each rule documents. Always plain JSON.
 */
export interface Evidence {
  sightings: SightingEvidence[];
  [key: string]: unknown;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  title: string;
  /** One or two sentences naming the services, pods, nodes and addresses concerned. */
  detail: string;
  /** Ids of the flows (CorrelationResult.flows[].id) the finding is about. */
  flows: string[];
  evidence: Evidence;
  /** Commands that would confirm or fix it, filled with the real names. */
  next: string[];
}

export const FINDING_CODES = [
  'SYN_UNANSWERED',
  'RESET_NO_ENDPOINTS',
  'NO_ENDPOINTS',
  'RESET_BY_BACKEND',
  'RESET_MID_STREAM',
  'RETRANSMISSIONS',
  'DUPLICATE_ACKS',
  'CLIENT_IP_NOT_PRESERVED',
  'REPLY_NOT_UNNATED',
  'LB_IMBALANCE',
  'ENDPOINT_NOT_PROGRAMMED',
  'STALE_BACKEND',
  'VIP_NOT_BOUND',
  'WEIGHT_ZERO',
  'DNS_TIMEOUT',
  'MTU_BLACKHOLE',
  'FRAG_NEEDED',
  'CLOCK_SKEW',
  'UNPAIRED_TRAFFIC',
] as const;

export type FindingCode = (typeof FINDING_CODES)[number];

export interface DiagnoseInput {
  correlation: CorrelationResult;
  /** Names addresses (Services, Pods, Nodes); without it findings name addresses only. */
  addressBook?: AddressBook | null;
  /** The expected dataplane and its mismatches; without it only packet evidence is used. */
  dataplane?: DataplaneModel | null;
  /** The capture points the correlation was run over (roles, nodes, pods). */
  captures?: CapturePoint[] | null;
  options?: Partial<DiagnoseOptions>;
}
