// A rule looks at the context and returns findings. Rules do not see each other's output; the
// registry (rules/index.ts) lists them and diagnose() sorts what they say.
import type { RuleContext } from './context.js';
import type { Finding, FindingCode } from './types.js';

export interface Rule {
  /** The codes this rule can emit. */
  codes: readonly FindingCode[];
  run(ctx: RuleContext): Finding[];
}
