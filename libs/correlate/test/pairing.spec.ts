// The pairing window's arenas on their own: groups, sightings and the fingerprint table are
// rings and an open-addressing table that grow while groups are open; every group must still
// close once, in creation order, with exactly its own sightings in path order.
import { describe, expect, it } from 'vitest';
import { PairingWindow } from '../src/pairing.js';
import { PerspectiveState } from '../src/perspective.js';
import type { SightingInput } from '../src/sighting.js';

interface Closed {
  frames: number[];
  captures: number[];
  ambiguous: boolean;
}

function run(groups: number, windowNs: number, step: (g: number) => number = () => 1) {
  const closed: Closed[] = [];
  const window = new PairingWindow(
    { windowNs, ambiguityNs: 0.5, unknownInterfaceDupNs: 0, uncertainty: () => 0 },
    (order, n, ambiguous) => {
      const S = window.sightings;
      const picked = Array.from(order.subarray(0, n));
      closed.push({
        frames: picked.map((s) => S.frame(s)),
        captures: picked.map((s) => S.capture(s)),
        ambiguous,
      });
    },
  );
  // One perspective per group, as if every packet were its own flow seen at two points.
  const perspectives = Array.from({ length: groups }, () => new PerspectiveState());
  const input = (g: number, capture: number, tc: number): SightingInput => ({
    p: perspectives[g],
    dir: 0,
    t: tc,
    tc,
    capture,
    domain: 0,
    rank: 1,
    endpoint: 0,
    ifIndex: capture,
    pktType: 0,
    frame: g,
  });
  // Keys collide on purpose (g % 4099), the rest of the fingerprint tells groups apart; each
  // group's second sighting comes three groups later, so they interleave.
  const key = (g: number) => (g * 2654435761) % 4099;
  let tc = 0;
  for (let g = 0; g < groups + 3; g++) {
    if (g < groups) window.place(key(g), g, input(g, 0, (tc += step(g))));
    const late = g - 3;
    if (late >= 0) window.place(key(late), late, input(late, 1, (tc += step(g))));
    window.advance(tc);
  }
  window.flush();
  return { closed, ambiguous: window.ambiguous };
}

describe('pairing window arenas', () => {
  it('closes every group once, in order, with its own sightings while everything grows', () => {
    // A wide window: about 60,000 sightings open at once, far past the initial capacities.
    const { closed, ambiguous } = run(30_000, 1e9);
    expect(closed).toHaveLength(30_000);
    closed.forEach((c, g) =>
      expect(c, `group ${g}`).toEqual({ frames: [g, g], captures: [0, 1], ambiguous: false }),
    );
    expect(ambiguous).toBe(0);
  });

  it('moves open groups intact when the rings grow after slots were freed', () => {
    // Slow traffic first (groups close, the rings' tails move on), then ten times the rate: the
    // rings fill up and grow with their live slots wrapped around the end.
    const { closed } = run(30_000, 20_000, (g) => (g < 10_000 ? 10 : 1));
    expect(closed).toHaveLength(30_000);
    closed.forEach((c, g) =>
      expect(c, `group ${g}`).toEqual({ frames: [g, g], captures: [0, 1], ambiguous: false }),
    );
  });

  it('frees slots as groups close, a narrow window keeping few open', () => {
    const { closed } = run(30_000, 10);
    expect(closed.map((c) => c.frames[0])).toEqual(Array.from({ length: 30_000 }, (_, g) => g));
    expect(closed.every((c) => c.captures.join() === '0,1')).toBe(true);
  });
});
