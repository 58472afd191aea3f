// The rule registry: every rule diagnose() runs, one file each. Order does not matter (findings
// are sorted afterwards); each rule emits only the codes it lists.
import type { Rule } from '../rule.js';
import { clientIpNotPreserved } from './client-ip-not-preserved.js';
import { clockSkew } from './clock-skew.js';
import { lbImbalance } from './lb-imbalance.js';
import { resetNoEndpoints } from './reset-no-endpoints.js';
import { staleBackend } from './stale-backend.js';
import { synUnanswered } from './syn-unanswered.js';

export const RULES: readonly Rule[] = [
  synUnanswered,
  resetNoEndpoints,
  staleBackend,
  clientIpNotPreserved,
  lbImbalance,
  clockSkew,
];
