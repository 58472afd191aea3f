// CLOCK_SKEW: capture points whose clocks differ from the reference (the client's) beyond a
// threshold, from the pairing's offset estimate, so users know the timestamps were corrected.
import { commands, unique } from '../commands.js';
import { formatDuration, groupBy } from '../evidence.js';
import type { Rule } from '../rule.js';
import type { Finding } from '../types.js';

export const clockSkew: Rule = {
  codes: ['CLOCK_SKEW'],
  run(ctx) {
    const reference = ctx.correlation.clockOffsets.find((o) => o.reference);
    const skewed = ctx.correlation.clockOffsets.filter((o) => {
      if (o.reference) return false;
      const offset = BigInt(o.offsetNs);
      const abs = offset < 0n ? -offset : offset;
      // An offset inside its own uncertainty is no evidence of skew.
      return abs >= ctx.options.clockSkewNs && abs > BigInt(o.spreadNs);
    });
    return [...groupBy(skewed, (o) => o.clockDomain).values()].map((group): Finding => {
      const o = group[0]!;
      const offset = BigInt(o.offsetNs);
      const captures = group.map((g) => g.capture);
      // Named as people labelled them (the server's capture ids are uuids); the ids stay in the evidence.
      const label = (id: string) => ctx.label(id);
      const sign = offset > 0n ? 'ahead of' : 'behind';
      return {
        code: 'CLOCK_SKEW',
        severity: 'info',
        title: `Clock of ${o.clockDomain} is ${formatDuration(offset < 0n ? -offset : offset)} ${sign} ${reference?.clockDomain ?? 'the reference'}`,
        detail:
          `The captures ${captures.map(label).join(', ')} (${o.clockDomain}) run ${formatDuration(offset < 0n ? -offset : offset)} ` +
          `${sign} ${reference ? `${reference.clockDomain} (${label(reference.capture)})` : 'the reference clock'} ` +
          `(± ${formatDuration(BigInt(o.spreadNs))}, from ${o.pairs} paired exchanges); their timestamps were ` +
          `corrected by that offset before pairing and in every latency shown.`,
        flows: [],
        evidence: {
          sightings: [],
          clockDomain: o.clockDomain,
          reference: reference ? { capture: reference.capture, clockDomain: reference.clockDomain } : null,
          offsetNs: o.offsetNs,
          spreadNs: o.spreadNs,
          pairs: o.pairs,
          captures,
        },
        next: unique([commands.chrony(o.clockDomain), reference && commands.chrony(reference.clockDomain)]),
      };
    });
  },
};
