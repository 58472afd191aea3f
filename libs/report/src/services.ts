// A service's key: its name when the snapshots know it, else the address its flows were sent to.
import type { ReportFlow } from './types.js';

export function serviceKey(flow: Pick<ReportFlow, 'serviceName' | 'service'>): string {
  return flow.serviceName ?? flow.service;
}
