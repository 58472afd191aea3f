// The rule registry: every rule diagnose() runs, one file each. Order does not matter (findings
// are sorted afterwards); each rule emits only the codes it lists.
import type { Rule } from '../rule.js';
import { clientIpNotPreserved } from './client-ip-not-preserved.js';
import { clockSkew } from './clock-skew.js';
import { dnsTimeout } from './dns-timeout.js';
import { duplicateAcks } from './duplicate-acks.js';
import { endpointNotProgrammed } from './endpoint-not-programmed.js';
import { fragNeededRule } from './frag-needed.js';
import { lbImbalance } from './lb-imbalance.js';
import { mtuBlackhole } from './mtu-blackhole.js';
import { replyNotUnnated } from './reply-not-unnated.js';
import { resetByBackend } from './reset-by-backend.js';
import { resetMidStream } from './reset-mid-stream.js';
import { resetNoEndpoints } from './reset-no-endpoints.js';
import { retransmissions } from './retransmissions.js';
import { staleBackend } from './stale-backend.js';
import { synUnanswered } from './syn-unanswered.js';
import { unpairedTraffic } from './unpaired-traffic.js';
import { vipNotBound } from './vip-not-bound.js';
import { weightZero } from './weight-zero.js';

export const RULES: readonly Rule[] = [
  synUnanswered,
  resetNoEndpoints,
  resetByBackend,
  resetMidStream,
  retransmissions,
  duplicateAcks,
  clientIpNotPreserved,
  replyNotUnnated,
  lbImbalance,
  endpointNotProgrammed,
  staleBackend,
  vipNotBound,
  weightZero,
  dnsTimeout,
  mtuBlackhole,
  fragNeededRule,
  clockSkew,
  unpairedTraffic,
];
