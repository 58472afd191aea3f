// What the rules that judge every flow need, as running totals: connections per backend of each
// load-balanced frontend (LB_IMBALANCE), the frontends any flow tried (NO_ENDPOINTS), and the
// overlay the flows crossed (FRAG_NEEDED's advice). Bounded by frontends and backends, not flows.
import type { Flow } from '#correlate';
import type { RuleContext } from './context.js';
import { overlayOverhead } from './evidence.js';

/** Flow ids a finding lists when it is about a whole group (the rest are counted). */
export const MAX_GROUP_FLOW_IDS = 1000;

export interface BalanceGroup {
  /** The group's first flow: names its service, frontend and node. */
  first: Flow;
  node: string | null;
  connections: number;
  /** Connections per backend. */
  backends: Map<string, number>;
  /** The first MAX_GROUP_FLOW_IDS flow ids. */
  flowIds: string[];
}

export class FlowAggregates {
  /** Load-balanced flows (tcp, udp, sctp to a backend other than the service) by protocol|service|NAT node. */
  readonly balance = new Map<string, BalanceGroup>();
  readonly frontendsTried = new Set<string>();
  private overlay: { at: string; value: { tunnel: string; bytes: number } } | null = null;

  add(ctx: RuleContext, f: Flow): void {
    const frontend = ctx.frontend(f)?.id;
    if (frontend) this.frontendsTried.add(frontend);
    const o = overlayOverhead(f);
    if (o && (this.overlay === null || before(f.firstNs, this.overlay.at)))
      this.overlay = { at: f.firstNs, value: o };
    const balanced =
      (f.protocol === 'tcp' || f.protocol === 'udp' || f.protocol === 'sctp') &&
      f.backend &&
      f.backend !== f.service;
    if (!balanced) return;
    const node = ctx.natNode(f);
    const key = `${f.protocol}|${f.service}|${node}`;
    let g = this.balance.get(key);
    if (!g) {
      g = { first: f, node, connections: 0, backends: new Map(), flowIds: [] };
      this.balance.set(key, g);
    } else if (before(f.firstNs, g.first.firstNs)) g.first = f;
    g.connections++;
    g.backends.set(f.backend!, (g.backends.get(f.backend!) ?? 0) + 1);
    if (g.flowIds.length < MAX_GROUP_FLOW_IDS) g.flowIds.push(f.id);
  }

  /** The overlay the earliest flow that crossed one went through. */
  overlayOverhead(): { tunnel: string; bytes: number } | null {
    return this.overlay?.value ?? null;
  }
}

function before(a: string, b: string): boolean {
  return a.length < b.length || (a.length === b.length && a < b);
}
