// What the connection tables say happened: conntrack's DNAT (original destination → reply source) and
// IPVS connection entries (virtual → destination), counted per frontend, node and backend. Evidence for
// the diagnoses next to what the rules intend.
import type { Frontend } from './dataplane-types.js';
import { formatHostPort, toProtocol } from './text.js';
import type { ParsedSnapshot } from './types.js';

interface Sighting {
  protocol: string;
  vip: string;
  vport: number;
  backend: string;
  bport: number;
  state: string;
}

export function addObserved(
  frontends: Map<string, Frontend>,
  snapshots: ParsedSnapshot[],
  nodeOf: (s: ParsedSnapshot) => string,
): void {
  for (const s of snapshots) {
    const sightings: Sighting[] = [];
    if (s.kind === 'conntrack') {
      for (const e of s.data.entries) {
        if (!e.dnat || e.original.dport === undefined || e.reply.sport === undefined) continue;
        const state = `${e.state ?? 'NONE'}${e.flags.includes('UNREPLIED') ? ' UNREPLIED' : ''}`;
        sightings.push({
          protocol: e.protocol,
          vip: e.original.dst,
          vport: e.original.dport,
          backend: e.reply.src,
          bport: e.reply.sport,
          state,
        });
      }
    } else if (s.kind === 'ipvsadm-connections') {
      for (const c of s.data.connections) {
        if (c.state === 'NONE') continue; // persistence templates, not connections
        sightings.push({
          protocol: c.protocol,
          vip: c.virtual.ip,
          vport: c.virtual.port,
          backend: c.destination.ip,
          bport: c.destination.port,
          state: c.state,
        });
      }
    } else continue;
    const node = nodeOf(s);
    for (const x of sightings) {
      const protocol = toProtocol(x.protocol);
      if (!protocol) continue;
      // A NodePort connection's original destination is a node address: fall back to the NodePort frontend.
      const f =
        frontends.get(`${protocol}/${formatHostPort(x.vip, x.vport)}`) ??
        frontends.get(`${protocol}/*:${x.vport}`);
      if (!f) continue;
      let o = f.observed.find(
        (b) => b.node === node && b.source === s.name && b.ip === x.backend && b.port === x.bport,
      );
      if (!o) {
        o = { node, source: s.name, ip: x.backend, port: x.bport, connections: 0, states: {} };
        f.observed.push(o);
      }
      o.connections++;
      o.states[x.state] = (o.states[x.state] ?? 0) + 1;
    }
  }
}
