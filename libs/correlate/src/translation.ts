// What a hop changed: the kind follows from which addresses differ between the two sightings
// (the reply direction's reverse NAT is named by what it changes too: SNAT back to the VIP).
import { endpoint, hasPorts, interfaceName, tunnelName } from './endpoint.js';
import { type HopAggregate, type PerspectiveState, VNI_UNSEEN } from './perspective.js';
import type { FlowDirection, OuterHeader, Translation, TranslationKind, TupleView } from './types.js';

export interface TranslationContext {
  captureId(capture: number): string;
  /** Clock offset of a domain relative to the reference (ns). */
  offset(domain: number): number;
}

/**
 * The tuple of perspective `p` in direction `dir`, as written in the result. Built once per
 * perspective and shared by every place of the flow that names it (read-only, like the result).
 */
export function tupleOf(p: PerspectiveState, dir: number): TupleView {
  const cached = p.tuples;
  if (cached !== null) return cached[dir];
  const ports = hasPorts(p.protocol);
  const a = endpoint(p.aAddr, p.aPort, ports);
  const b = endpoint(p.bAddr, p.bPort, ports);
  p.tuples = [
    { src: a, dst: b },
    { src: b, dst: a },
  ];
  return p.tuples[dir];
}

/**
 * The outer header of `p`'s packets in direction `dir`. The perspective keeps it as its first
 * packet carried it (direction `outerDir`): the other direction's runs the other way, with the
 * VNI its own first packet carried (some overlays use one per direction).
 */
export function outerOf(p: PerspectiveState, dir: number): OuterHeader | null {
  if (p.tunnel === 0) return null;
  const asFirst = dir === p.outerDir;
  const vni = asFirst || p.otherVni === VNI_UNSEEN ? p.vni : p.otherVni;
  return {
    tunnel: tunnelName(p.tunnel),
    src: asFirst ? p.outerSrc : p.outerDst,
    dst: asFirst ? p.outerDst : p.outerSrc,
    vni: vni >= 0 ? vni : null,
  };
}

/** The NAT of the inner tuple between two sightings of a packet, null if none. */
function natOf(
  from: PerspectiveState,
  fromDir: number,
  to: PerspectiveState,
  toDir: number,
): TranslationKind | null {
  // In direction d the source is endpoint d (a for 0, b for 1) and the destination the other.
  const srcChanged = !sameEndpoint(from, fromDir, to, toDir);
  const dstChanged = !sameEndpoint(from, 1 - fromDir, to, 1 - toDir);
  return srcChanged && dstChanged ? 'DNAT_SNAT' : srcChanged ? 'SNAT' : dstChanged ? 'DNAT' : null;
}

/** Is endpoint `ex` (0: a, 1: b) of x endpoint `ey` of y? */
function sameEndpoint(x: PerspectiveState, ex: number, y: PerspectiveState, ey: number): boolean {
  const xAddr = ex === 0 ? x.aAddr : x.bAddr;
  const xPort = ex === 0 ? x.aPort : x.bPort;
  return ey === 0 ? xAddr === y.aAddr && xPort === y.aPort : xAddr === y.bAddr && xPort === y.bPort;
}

/**
 * Appends to `out` what hop `hop` from `from` changed: the tunnel step (ENCAP/DECAP) if any, then
 * the NAT of the inner tuple, or NONE. A hop may do both (decapsulate and reverse-NAT at once);
 * its translations share one `interfaces` object.
 */
export function addTranslations(
  out: Translation[],
  from: PerspectiveState,
  hop: HopAggregate,
  direction: FlowDirection,
  ctx: TranslationContext,
): void {
  const to = hop.to;
  const interfaces = {
    before: interfaceName(from, hop.fromIf, hop.fromType),
    after: interfaceName(to, hop.toIf, hop.toType),
  };
  const decap = from.tunnel !== 0 && to.tunnel === 0;
  const encap = from.tunnel === 0 && to.tunnel !== 0;
  const nat = natOf(from, hop.fromDir, to, hop.toDir);
  if (decap) out.push(translation('DECAP', direction, from, hop, interfaces, ctx));
  if (nat !== null) out.push(translation(nat, direction, from, hop, interfaces, ctx));
  if (encap) out.push(translation('ENCAP', direction, from, hop, interfaces, ctx));
  if (!decap && !encap && nat === null) out.push(translation('NONE', direction, from, hop, interfaces, ctx));
}

function translation(
  kind: TranslationKind,
  direction: FlowDirection,
  from: PerspectiveState,
  hop: HopAggregate,
  interfaces: Translation['interfaces'],
  ctx: TranslationContext,
): Translation {
  const to = hop.to;
  const shift = ctx.offset(to.domain) - ctx.offset(from.domain);
  return {
    kind,
    direction,
    before: tupleOf(from, hop.fromDir),
    after: tupleOf(to, hop.toDir),
    outer: kind === 'ENCAP' ? outerOf(to, hop.toDir) : kind === 'DECAP' ? outerOf(from, hop.fromDir) : null,
    capture: ctx.captureId(to.capture),
    fromCapture: ctx.captureId(from.capture),
    interfaces,
    latencyNs: String(Math.round(hop.firstLatency - shift)),
    minLatencyNs: String(Math.round(hop.minLatency - shift)),
    packets: hop.packets,
  };
}
