// Diagnosis over a stream of flows: each flow feeds the running totals (FlowAggregates) and is kept
// whole only when some rule could cite it (a failed, reset, retransmitting, SNATed, unpaired... flow,
// or one through a frontend the snapshots flag). At the end the rules run over the kept flows and
// the totals, so a million healthy connections cost their counts, not their flows.
import type { CorrelationResult, Flow } from '#correlate';
import { ipOf, RuleContext } from './context.js';
import { sortFindings } from './diagnose.js';
import { isDns } from './rules/dns-timeout.js';
import { RULES } from './rules/index.js';
import { untranslatedReplies } from './rules/reply-not-unnated.js';
import type { DiagnoseInput, Finding } from './types.js';

/** Flows kept whole as evidence per tier by default; past it, flows are counted in `notKept`. */
export const MAX_NOTABLE_FLOWS = 5000;
const HEALTHY = new Set(['CLOSED', 'ESTABLISHED', 'ANSWERED']);

export class DiagnoseCollector {
  private readonly ctx: RuleContext;
  /** Failed or troubled flows, and flows other rules could cite: each tier capped on its own. */
  private readonly failed: Flow[] = [];
  private readonly other: Flow[] = [];
  private readonly flagged: Set<string>;
  private readonly multiCapture: boolean;
  /** Flows a rule could have cited but that were past the cap. */
  notKept = 0;

  constructor(
    private readonly input: Omit<DiagnoseInput, 'correlation'>,
    private readonly maxFlows = MAX_NOTABLE_FLOWS,
  ) {
    const empty = { flows: [], clockOffsets: [] } as unknown as CorrelationResult;
    this.ctx = new RuleContext({ ...input, correlation: empty });
    // Frontends the snapshots say something about: their rules count every flow through them.
    this.flagged = new Set((input.dataplane?.mismatches ?? []).map((m) => m.frontend));
    // Without capture points, assume several (roles are then guessed from the ids).
    this.multiCapture = (input.captures?.length ?? 2) > 1;
  }

  add(flow: Flow): void {
    this.ctx.aggregates.add(this.ctx, flow);
    const tier = troubled(flow) ? this.failed : this.cited(flow) ? this.other : null;
    if (!tier) return;
    if (tier.length < this.maxFlows) tier.push(flow);
    else this.notKept++;
  }

  finish(correlation: Omit<CorrelationResult, 'flows'>): Finding[] {
    const flows = [...this.failed, ...this.other].sort(
      (x, y) =>
        x.firstNs.length - y.firstNs.length ||
        (x.firstNs < y.firstNs ? -1 : x.firstNs > y.firstNs ? 1 : x.id < y.id ? -1 : 1),
    );
    const ctx = new RuleContext(
      { ...this.input, correlation: { ...correlation, flows } },
      this.ctx.aggregates,
    );
    return sortFindings(
      RULES.flatMap((rule) => rule.run(ctx)),
      flows,
    );
  }

  /** Could a rule about healthy-looking flows cite this one? (Rules filter again.) */
  private cited(f: Flow): boolean {
    // A reply reaching the client from an address other than the one it called.
    if (untranslatedReplies(this.ctx, f).length > 0) return true;
    const captures = new Set(f.perspectives.map((p) => p.capture));
    // Seen at one client or backend capture only, while other captures ran (unpaired traffic).
    if (this.multiCapture && captures.size === 1) {
      const role = this.ctx.role([...captures][0]!);
      if (role === 'client' || role === 'backend') return true;
    }
    if (f.clientSeenByBackend !== null && ipOf(f.clientSeenByBackend) !== ipOf(f.client)) return true;
    if (f.protocol === 'udp' && this.dns(f)) return true;
    const frontend = this.flagged.size ? this.ctx.frontend(f)?.id : undefined;
    return frontend !== undefined && this.flagged.has(frontend);
  }

  /** A DNS exchange that may have lost an answer. */
  private dns(f: Flow): boolean {
    if (!isDns(this.ctx, f)) return false;
    const requests = f.perspectives.filter((p) => p.direction === 'request').map((p) => p.packets);
    const replies = f.perspectives.filter((p) => p.direction === 'reply').map((p) => p.packets);
    return replies.length === 0 || Math.max(...requests, 0) > Math.min(...replies);
  }
}

/** Failed, reset, refused, retransmitting: kept first, whatever else fills the other tier. */
function troubled(f: Flow): boolean {
  if (!HEALTHY.has(f.state) || f.icmpError || f.resetBy || f.backend === null) return true;
  if (f.retransmissions > 0 || f.duplicateAcks > 0) return true;
  return f.perspectives.some(
    (p) => p.retransmissions > 0 || p.duplicateAcks > 0 || p.icmpErrors > 0 || p.rst > 0,
  );
}
