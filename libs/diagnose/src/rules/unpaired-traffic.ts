// UNPAIRED_TRAFFIC: a share of the packets at one capture point was never seen at another capture
// point where it should have been (correlate's per-capture unpaired counts, plus flows seen only at
// a client or backend capture although a capture of the same node exists): a capture filter too
// narrow, the wrong pod or interface captured, or a capture started late or stopped early.
import type { Flow } from '#correlate';
import { commands, unique } from '../commands.js';
import { type RuleContext } from '../context.js';
import { plural } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const unpairedTraffic: Rule = {
  codes: ['UNPAIRED_TRAFFIC'],
  run(ctx) {
    if (ctx.correlation.captures.length < 2) return [];
    const findings: Finding[] = [];
    for (const c of ctx.correlation.captures) {
      const lonely = lonelyFlows(ctx, c.capture);
      const lonelyPackets = lonely.reduce(
        (n, f) =>
          n + f.perspectives.filter((p) => p.capture === c.capture).reduce((m, p) => m + p.packets, 0),
        0,
      );
      const unpaired = c.unpaired + lonelyPackets;
      if (c.sightings === 0 || unpaired < ctx.options.minUnpairedPackets) continue;
      const share = unpaired / c.sightings;
      if (share < ctx.options.unpairedShare) continue;
      findings.push(finding(ctx, c.capture, { unpaired, sightings: c.sightings, share, lonely }));
    }
    return findings;
  },
};

/** Flows seen only at this (client or backend) capture although a node capture of the same node exists. */
function lonelyFlows(ctx: RuleContext, capture: string): Flow[] {
  const role = ctx.role(capture);
  const node = ctx.nodeOf(capture);
  if ((role !== 'client' && role !== 'backend') || !node) return [];
  const nodeCaptures = ctx.correlation.captures
    .map((c) => c.capture)
    .filter((c) => c !== capture && ctx.role(c) === 'node' && ctx.nodeOf(c) === node);
  if (nodeCaptures.length === 0) return [];
  return ctx.flows.filter(
    (f) => f.perspectives.length > 0 && f.perspectives.every((p) => p.capture === capture),
  );
}

function finding(
  ctx: RuleContext,
  capture: string,
  s: { unpaired: number; sightings: number; share: number; lonely: Flow[] },
): Finding {
  const node = ctx.nodeOf(capture);
  const others = ctx.correlation.captures.map((c) => c.capture).filter((c) => c !== capture);
  const pct = (s.share * 100).toFixed(1);
  return {
    code: 'UNPAIRED_TRAFFIC',
    severity: 'warning',
    title: `${ctx.label(capture)}: ${pct}% of its packets were seen at no other capture point`,
    detail:
      `${plural(s.unpaired, 'packet')} of ${s.sightings} at ${ctx.describeCapture(capture)} were never seen at ` +
      `${others.map((c) => ctx.label(c)).join(', ')} although their flows should have crossed them` +
      `${s.lonely.length > 0 ? ` (${plural(s.lonely.length, 'flow')} seen only here)` : ''}: a capture filter too ` +
      `narrow, the wrong pod or interface captured, or captures that did not run at the same time. Findings about ` +
      `those flows rest on one capture point.`,
    flows: s.lonely.map((f) => f.id),
    evidence: {
      sightings: [],
      capture,
      unpaired: s.unpaired,
      sightingsAtCapture: s.sightings,
      share: Number(s.share.toFixed(4)),
      threshold: ctx.options.unpairedShare,
      unpairedByCapture: ctx.correlation.unpaired,
    },
    next: unique([
      `tcpdump -ni any -w ${capture.replace(/\.(pcap|pcapng)$/, '')}-all.pcap${node ? `  # on ${node}` : ''}`,
      node && `ip -br link  # on ${node}`,
      ...s.lonely.slice(0, 1).map((f) => commands.tcpdump(f.client.replace(/:\d+$/, ''), null, node)),
    ]),
  };
}
