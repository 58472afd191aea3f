// The flow page's ladder: lanes (one per capture point and NAT stage, in path order), packets
// (the stored sightings grouped into the packet each one saw) and the SVG and Mermaid renderings.
// No DOM access in the model: buildLadder and mermaid are plain functions over the GraphQL answer.

/** Two sightings further apart than this are never the same packet (hop latencies are µs). */
const SAME_PACKET_NS = 100_000_000n;

const FIN = 1;
const SYN = 2;
const RST = 4;
const PSH = 8;
const ACK = 16;

/** tcpdump's flag notation: [S], [S.], [P.], [F.], [R.] ... */
export function tcpFlags(flags, protocol) {
  if (protocol !== 'tcp') return protocol.toUpperCase();
  // A TCP flow's packet without any flag is the ICMP error about it (matched by the quoted header).
  if (flags === 0) return 'ICMP';
  let out = '';
  if (flags & SYN) out += 'S';
  if (flags & FIN) out += 'F';
  if (flags & RST) out += 'R';
  if (flags & PSH) out += 'P';
  if (flags & ACK) out += '.';
  return `[${out || 'none'}]`;
}

/** ns (bigint or decimal string) as a short duration: 850 ns, 68 µs, 1.25 ms, 3.002 s. */
export function duration(ns) {
  const n = Number(ns);
  const abs = Math.abs(n);
  if (abs < 1_000) return `${n} ns`;
  if (abs < 1_000_000) return `${+(n / 1_000).toFixed(abs < 10_000 ? 1 : 0)} µs`;
  if (abs < 1_000_000_000) return `${+(n / 1_000_000).toFixed(abs < 10_000_000 ? 2 : 1)} ms`;
  return `${+(n / 1_000_000_000).toFixed(3)} s`;
}

function swap(t) {
  return { src: t.dst, dst: t.src };
}

function sameTuple(a, b) {
  return a.src === b.src && a.dst === b.dst;
}

/** What a lane is: the stage of the path its tuple (as the request goes) shows. */
function laneStage(flow, lane) {
  if (lane.outer) return `overlay ${lane.outer.tunnel}`;
  const dnat = flow.backend && flow.backend !== flow.service;
  if (dnat && lane.tuple.dst === flow.service) return 'before DNAT';
  if (dnat && lane.tuple.dst === flow.backend) return 'after DNAT';
  return null;
}

/**
 * The ladder of one flow. `flow`: { protocol, client, service, backend, perspectives, translations }
 * as GraphQL gives them; `sightings`: every stored sighting, in reference-clock order.
 */
export function buildLadder(flow, sightings) {
  const perspectives = [...flow.perspectives].sort((a, b) => a.position - b.position);
  const lanes = [];
  const laneOf = new Map();
  const newLane = (p, tuple) => ({
    capture: p.capture,
    captureId: p.captureId,
    tuple,
    outer: p.outer
      ? p.direction === 'request'
        ? p.outer
        : { ...p.outer, src: p.outer.dst, dst: p.outer.src }
      : null,
    request: null,
    reply: null,
    interfaces: [],
  });
  for (const p of perspectives.filter((p) => p.direction === 'request')) {
    const lane = newLane(p, { src: p.src, dst: p.dst });
    lane.request = p;
    lanes.push(lane);
    laneOf.set(p.position, lane);
  }
  // Replies travel the path backwards: walking them from the client's end, each one joins the
  // lane of its capture point and (swapped) tuple, or gets a lane of its own after the last one met.
  const replies = perspectives.filter((p) => p.direction !== 'request').reverse();
  let cursor = -1;
  for (const p of replies) {
    const tuple = swap(p);
    let lane = lanes.find(
      (l) => !l.reply && l.captureId === p.captureId && sameTuple(l.tuple, tuple) && !!l.outer === !!p.outer,
    );
    if (!lane) {
      lane = newLane(p, tuple);
      lanes.splice(cursor + 1, 0, lane);
    }
    lane.reply = p;
    laneOf.set(p.position, lane);
    cursor = lanes.indexOf(lane);
  }
  lanes.forEach((lane, index) => {
    lane.index = index;
    lane.stage = laneStage(flow, lane);
    const names = new Map();
    for (const p of [lane.request, lane.reply])
      for (const i of p?.interfaces ?? []) {
        const seen = names.get(i.name) ?? new Set();
        if (i.type) seen.add(i.type);
        names.set(i.name, seen);
      }
    lane.interfaces = [...names].map(([name, types]) =>
      types.size ? `${name} ${[...types].join('/')}` : name,
    );
  });

  // Sightings into packets: a sighting joins the oldest open packet going the same way with the
  // same flags that this lane has not seen yet (or that it saw here on another interface just before).
  const ordered = sightings
    .map((s, order) => ({ ...s, order, at: BigInt(s.referenceTimestampNs) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.order - b.order));
  const packets = [];
  for (const s of ordered) {
    const lane = laneOf.get(s.perspective);
    if (!lane) continue;
    const dir = s.direction === 'request' ? 1 : -1;
    const fits = (p) => {
      if (p.dir !== dir || p.flags !== s.tcpFlags || s.at - p.lastAt > SAME_PACKET_NS) return false;
      const last = p.sightings.at(-1);
      if (last.lane === lane)
        return (
          last.interface !== s.interface &&
          !p.sightings.some((x) => x.interface === s.interface && x.lane === lane)
        );
      return !p.sightings.some((x) => x.lane === lane) && (lane.index - p.sightings[0].lane.index) * dir > 0;
    };
    // Prefer a packet this lane continues in path order; a packet whose later lane came first
    // (clock offsets are known to a few µs) only when no such packet is open.
    const inOrder = packets.find(
      (p) => fits(p) && p.sightings.every((x) => (lane.index - x.lane.index) * dir >= 0),
    );
    let packet = inOrder ?? packets.find(fits);
    if (!packet) {
      packet = { id: packets.length, dir, flags: s.tcpFlags, sightings: [], lastAt: s.at, lost: null };
      packets.push(packet);
    }
    packet.sightings.push({ ...s, lane });
    if (s.at > packet.lastAt) packet.lastAt = s.at;
  }
  for (const p of packets)
    p.sightings.sort(
      (a, b) => (a.lane.index - b.lane.index) * p.dir || (a.at < b.at ? -1 : a.at > b.at ? 1 : 0),
    );

  markLost(flow, lanes, packets);

  // Rows: time goes down on the reference clock; a sighting is never drawn above the one before it
  // on the packet's path (an offset known to ±spread can leave a hop a few µs "early").
  const events = [];
  for (const p of packets) {
    let floor = -1n;
    p.sightings.forEach((s, i) => {
      const y = s.at > floor ? s.at : floor + 1n;
      floor = y;
      events.push({ packet: p, sighting: s, hop: i, sortAt: y, adjusted: y !== s.at });
    });
  }
  events.sort((a, b) =>
    a.sortAt < b.sortAt ? -1 : a.sortAt > b.sortAt ? 1 : a.sighting.order - b.sighting.order,
  );
  events.forEach((e, row) => {
    e.row = row;
    e.sighting.row = row;
  });
  const start = events.length ? events[0].sighting.at : 0n;
  for (const e of events) {
    e.sinceStart = e.sighting.at - start;
    if (e.hop > 0) {
      const prev = e.packet.sightings[e.hop - 1];
      e.from = prev;
      e.latency = e.sighting.at - prev.at;
      e.translation =
        prev.lane !== e.sighting.lane ? hopTranslation(flow, prev.lane, e.sighting.lane, e.packet.dir) : null;
    }
  }
  return { lanes, packets, events, protocol: flow.protocol };
}

/**
 * A packet is lost after the last lane that saw it when (a) a lane further along its way saw every
 * packet of its perspective that the analysis stored and not this one, or (b) it is a TCP SYN that
 * nothing answered before the next SYN (retransmitted, or never answered at all).
 */
function markLost(flow, lanes, packets) {
  const complete = new Map();
  for (const lane of lanes)
    for (const [dir, p] of [
      [1, lane.request],
      [-1, lane.reply],
    ]) {
      if (!p) continue;
      const stored = packets.filter((k) => k.dir === dir && k.sightings.some((s) => s.lane === lane)).length;
      complete.set(`${lane.index}/${dir}`, stored > 0 && stored >= p.packets);
    }
  const syns = packets.filter(
    (p) => flow.protocol === 'tcp' && p.dir === 1 && p.flags & SYN && !(p.flags & ACK),
  );
  for (const p of packets) {
    const last = p.sightings.at(-1).lane;
    const beyond = lanes.filter((l) => (l.index - last.index) * p.dir > 0);
    const seenBeyond = beyond.find((l) => complete.get(`${l.index}/${p.dir}`));
    if (seenBeyond) {
      p.lost = {
        lane: last,
        why: `not seen at ${seenBeyond.capture?.label ?? 'the next capture point'}, which saw every other packet`,
      };
      continue;
    }
    if (!syns.includes(p)) continue;
    const from = p.sightings[0].at;
    const next = syns.find((q) => q.sightings[0].at > from);
    const until = next ? next.sightings[0].at : null;
    const answered = packets.some(
      (q) => q.dir === -1 && q.sightings.some((s) => s.at > from && (until === null || s.at < until)),
    );
    if (!answered)
      p.lost = {
        lane: last,
        why: next ? 'no answer before the client sent the SYN again' : 'nothing answered this SYN',
      };
  }
}

/** What changed between two lanes: the flow's translation seen there, or the tuples compared. */
function hopTranslation(flow, from, to, dir) {
  const before = dir === 1 ? from.tuple : swap(from.tuple);
  const after = dir === 1 ? to.tuple : swap(to.tuple);
  const encap = !from.outer && to.outer;
  const decap = from.outer && !to.outer;
  const changed = !sameTuple(before, after);
  if (!changed && !encap && !decap) return null;
  const kinds = encap ? ['ENCAP'] : decap ? ['DECAP'] : ['DNAT', 'SNAT', 'DNAT_SNAT'];
  const found = (flow.translations ?? []).find(
    (t) =>
      kinds.includes(t.kind) &&
      sameTuple(t.before, before) &&
      sameTuple(t.after, after) &&
      t.captureId === to.captureId,
  );
  if (found)
    return { kind: found.kind, text: found.description.replace(/ -> /g, ' → '), latencyNs: found.latencyNs };
  if (encap || decap) {
    const o = encap ? to.outer : from.outer;
    return {
      kind: encap ? 'ENCAP' : 'DECAP',
      text: `${encap ? 'ENCAP' : 'DECAP'} ${o.tunnel} ${o.src} > ${o.dst}`,
      latencyNs: null,
    };
  }
  const src = before.src !== after.src;
  const dst = before.dst !== after.dst;
  const kind = src && dst ? 'DNAT_SNAT' : dst ? 'DNAT' : 'SNAT';
  const text =
    kind === 'DNAT'
      ? `DNAT ${before.dst} → ${after.dst}`
      : kind === 'SNAT'
        ? `SNAT ${before.src} → ${after.src}`
        : `masquerade ${before.src} > ${before.dst} → ${after.src} > ${after.dst}`;
  return { kind, text, latencyNs: null };
}

/** Lane title lines: capture point, node or pod, stage and interfaces. */
export function laneLines(lane) {
  const c = lane.capture ?? {};
  const label = c.label ?? lane.captureId;
  const where = c.pod ? `pod ${c.pod}` : c.node && !label.includes(c.node) ? `node ${c.node}` : '';
  const stage = [c.role && !label.startsWith(c.role) ? c.role : '', lane.stage ?? '']
    .filter(Boolean)
    .join(' · ');
  return [label, where, stage, lane.interfaces.join(', ') || 'interface unknown'].filter(Boolean);
}

/** `text` in lines of at most `max` characters, broken at spaces where it can be. */
function wrap(text, max, lines = 2) {
  const out = [];
  let rest = text;
  while (rest.length > max && out.length < lines - 1) {
    const cut = rest.lastIndexOf(' ', max);
    const at = cut > 0 ? cut : max;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  out.push(clip(rest, max));
  return out;
}

/** Mermaid ends a statement at `;` and reads `#...;` as an entity: neither may appear in a label. */
function mermaidText(s) {
  return String(s).replace(/[;#]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The same ladder as a Mermaid sequenceDiagram. */
export function mermaid(ladder) {
  const lines = ['sequenceDiagram'];
  for (const lane of ladder.lanes) {
    const alias = laneLines(lane).join(' · ');
    lines.push(`  participant L${lane.index} as ${mermaidText(alias)}`);
  }
  for (const e of ladder.events) {
    const s = e.sighting;
    const flags = tcpFlags(e.packet.flags, ladder.protocol);
    const at = `+${duration(e.sinceStart)}`;
    if (e.hop === 0) {
      if (e.packet.sightings.length === 1 && !e.packet.lost)
        lines.push(
          `  Note over L${s.lane.index}: ${mermaidText(`${flags} ${s.src} > ${s.dst} seen only here ${at}`)}`,
        );
    } else {
      const what = e.translation ? `${e.translation.text} ` : '';
      lines.push(
        `  L${e.from.lane.index}->>L${s.lane.index}: ${mermaidText(`${flags} ${what}${s.src} > ${s.dst} ${at} (${duration(e.latency)})`)}`,
      );
    }
    if (e.packet.lost && e.hop === e.packet.sightings.length - 1)
      lines.push(
        `  Note over L${s.lane.index}: ${mermaidText(`${flags} lost after here - ${e.packet.lost.why}`)}`,
      );
  }
  return lines.join('\n') + '\n';
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with its attributes (null ones left out) and children (text or nodes). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const c of children)
    if (c !== null && c !== undefined) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** Text cut to `max` characters (the whole of it stays in the element's <title>). */
function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The ladder as an SVG element: lanes left to right in path order, time going down (one row per
 * sighting, in reference-clock order; a gap of over a millisecond gets extra room and its length in
 * the time column), one arrow per sighting: the first of a packet comes into its lane, each later
 * one from the lane that saw the packet before. Details of each row on the right.
 */
export function renderLadder(ladder, title) {
  const n = Math.max(ladder.lanes.length, 1);
  const GUTTER = 86;
  const LANE = Math.max(112, Math.min(190, Math.floor((1190 - GUTTER - 48 - 400) / n)));
  const DETAIL = Math.max(270, 1190 - GUTTER - n * LANE - 48);
  const HEAD = 96;
  const ROW = 26;
  const GAP = 18;
  const RIGHT = GUTTER + n * LANE + 48; // the detail column, after room for a lost mark
  const width = RIGHT + DETAIL;
  const x = (lane) => GUTTER + LANE * (lane.index + 0.5);
  const ys = [];
  let y = HEAD + 22;
  ladder.events.forEach((e, i) => {
    const prev = ladder.events[i - 1];
    if (prev && e.sinceStart - prev.sinceStart > 1_000_000n) {
      e.gapBefore = e.sinceStart - prev.sinceStart;
      y += GAP;
    }
    ys.push(y);
    y += ROW;
  });
  const height = y + 10;
  const root = svg('svg', {
    'data-testid': 'ladder',
    class: 'ladder',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `${title}: ladder diagram, ${ladder.lanes.length} lanes, ${ladder.events.length} sightings`,
  });
  root.append(
    svg(
      'defs',
      {},
      ...['req', 'rep', 'lost'].map((k) =>
        svg(
          'marker',
          {
            id: `arrow-${k}`,
            viewBox: '0 0 10 10',
            refX: 9,
            refY: 5,
            markerWidth: 7,
            markerHeight: 7,
            orient: 'auto-start-reverse',
          },
          svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `head-${k}` }),
        ),
      ),
    ),
  );
  root.append(svg('text', { x: 8, y: HEAD - 6, class: 'axis' }, 'time ↓'));
  root.append(svg('text', { x: RIGHT, y: HEAD - 6, class: 'axis' }, 'packet as seen there'));

  for (const lane of ladder.lanes) {
    const lines = laneLines(lane);
    const max = Math.floor((LANE - 8) / 6.7);
    const shown = [
      ...wrap(lines[0], max).map((t) => ({ t, title: true })),
      ...lines.slice(1).map((t) => ({ t: clip(t, max), title: false })),
    ];
    const full = `${lines.join('\n')}\n${lane.tuple.src} > ${lane.tuple.dst}${lane.outer ? `\nouter ${lane.outer.src} > ${lane.outer.dst}${lane.outer.vni !== null ? ` vni ${lane.outer.vni}` : ''}` : ''}`;
    root.append(
      svg(
        'g',
        {
          'data-testid': 'lane',
          class: `lane${lane.outer ? ' overlay' : ''}`,
          'data-capture': lane.captureId,
          'data-stage': lane.stage ?? '',
        },
        svg('title', {}, full),
        svg('rect', {
          x: GUTTER + LANE * lane.index + 3,
          y: 4,
          width: LANE - 6,
          height: HEAD - 16,
          rx: 6,
          class: 'lane-head',
        }),
        ...shown.map((line, i) =>
          svg(
            'text',
            {
              x: x(lane),
              y: 20 + i * 14,
              class: line.title ? 'lane-title' : 'lane-sub',
              'text-anchor': 'middle',
            },
            line.t,
          ),
        ),
        svg('line', { x1: x(lane), y1: HEAD - 12, x2: x(lane), y2: height - 4, class: 'lane-line' }),
      ),
    );
  }

  const labelled = new Set();
  ladder.events.forEach((e, i) => {
    const s = e.sighting;
    const lane = s.lane;
    const ey = ys[i];
    const dir = e.packet.dir;
    const cls = dir === 1 ? 'req' : 'rep';
    const flags = tcpFlags(e.packet.flags, ladder.protocol);
    if (e.gapBefore)
      root.append(
        svg('text', { x: 8, y: ey - ROW / 2 - 2, class: 'gap' }, `⋯ ${duration(e.gapBefore)}`),
        svg('line', {
          x1: GUTTER,
          y1: ey - ROW / 2 - 6,
          x2: GUTTER + n * LANE,
          y2: ey - ROW / 2 - 6,
          class: 'gap-line',
        }),
      );
    root.append(
      svg('text', { x: 8, y: ey + 4, class: 'time' }, `${e.adjusted ? '≈' : ''}+${duration(e.sinceStart)}`),
    );
    const where = `${lane.capture?.label ?? s.captureId}${s.interface ? ` ${s.interface}` : ''}${s.type ? ` ${s.type}` : ''}`;
    const tooltip = `${flags} ${s.src} > ${s.dst}\nseen at ${where} (frame ${s.frame + 1})\n+${duration(e.sinceStart)} on the reference clock${e.latency !== undefined ? `, ${duration(e.latency)} after the previous sighting` : ''}${e.translation ? `\n${e.translation.text}` : ''}`;
    const g = svg('g', {
      'data-testid': 'packet',
      class: `packet ${cls}`,
      'data-packet': e.packet.id,
      'data-lane': lane.index,
      'data-hop': e.hop === 0 ? 'first' : e.from.lane === lane ? 'same-lane' : 'hop',
      'data-since-ns': e.sinceStart.toString(),
    });
    g.append(svg('title', {}, tooltip));
    if (e.hop === 0) {
      const x2 = x(lane);
      const x1 = x2 - dir * 26;
      g.setAttribute('data-y1', ey);
      g.setAttribute('data-y2', ey);
      g.append(
        svg('line', {
          x1,
          y1: ey,
          x2: x2 - dir * 3,
          y2: ey,
          class: `arrow first ${cls}`,
          'marker-end': `url(#arrow-${cls})`,
        }),
      );
      g.append(svg('circle', { cx: x2, cy: ey, r: 3.5, class: `dot ${cls}` }));
    } else {
      const fromIndex = ladder.events.findIndex((f) => f.sighting === e.from);
      const y1 = ys[fromIndex];
      const x1 = x(e.from.lane);
      const x2 = x(lane);
      g.setAttribute('data-y1', y1);
      g.setAttribute('data-y2', ey);
      if (x1 === x2) {
        // The same capture point again on another interface (a bridge, -i any): a bend beside the lane.
        const bx = x1 + dir * 14;
        g.append(
          svg('path', {
            d: `M${x1},${y1} L${bx},${y1 + 4} L${bx},${ey - 4} L${x2 + dir * 2},${ey}`,
            class: `arrow same ${cls}`,
            fill: 'none',
            'marker-end': `url(#arrow-${cls})`,
          }),
        );
      } else {
        g.append(
          svg('line', {
            x1,
            y1,
            x2: x2 - dir * 3,
            y2: ey,
            class: `arrow ${cls}`,
            'marker-end': `url(#arrow-${cls})`,
          }),
        );
        g.append(
          svg(
            'text',
            { x: x1 + dir * 8, y: y1 + 12, class: 'flags', 'text-anchor': dir === 1 ? 'start' : 'end' },
            flags,
          ),
        );
      }
      g.append(svg('circle', { cx: x2, cy: ey, r: 3, class: `dot ${cls}` }));
      if (e.translation) {
        const key = `${e.from.lane.index}>${lane.index}`;
        const full = !labelled.has(key);
        labelled.add(key);
        const text = full
          ? `${e.translation.text} · ${duration(e.latency)}`
          : `${e.translation.kind.replace('DNAT_SNAT', 'masq')} ${duration(e.latency)}`;
        const w = text.length * 6.9 + 10;
        const mx = (x1 + x2) / 2;
        const my = (y1 + ey) / 2 + 4;
        const left = Math.min(Math.max(mx - w / 2, GUTTER + 2), width - w - 2);
        g.append(
          svg(
            'g',
            {
              'data-testid': 'translation',
              class: `translation ${e.translation.kind.toLowerCase()}`,
              'data-kind': e.translation.kind,
            },
            svg(
              'title',
              {},
              `${e.translation.text}: ${duration(e.latency)} between the two sightings${e.translation.latencyNs ? ` (the flow's first: ${duration(e.translation.latencyNs)})` : ''}`,
            ),
            svg('rect', { x: left, y: my - 12, width: w, height: 16, rx: 4, class: 'translation-bg' }),
            svg('text', { x: left + 5, y: my }, text),
          ),
        );
      }
    }
    root.append(g);
    const detail = `${flags} ${s.src} > ${s.dst}  ${s.interface ?? ''} ${s.type ?? ''}${e.latency !== undefined ? `  Δ ${duration(e.latency)}` : ''}`;
    root.append(
      svg(
        'text',
        { x: RIGHT, y: ey + 4, class: `detail ${cls}` },
        svg('title', {}, tooltip),
        clip(detail, Math.floor((DETAIL - 8) / 6.05)),
      ),
    );
    if (e.packet.lost && e.hop === e.packet.sightings.length - 1) {
      const x1 = x(lane);
      const x2 = x1 + dir * Math.min(LANE * 0.45, 60);
      root.append(
        svg(
          'g',
          { 'data-testid': 'lost', class: 'lost', 'data-lane': lane.index },
          svg(
            'title',
            {},
            `${flags} lost after ${lane.capture?.label ?? 'this capture point'}: ${e.packet.lost.why}`,
          ),
          svg('line', { x1: x1 + dir * 4, y1: ey, x2, y2: ey, class: 'lost-line' }),
          svg(
            'text',
            { x: x2 + dir * 2, y: ey + 5, class: 'lost-mark', 'text-anchor': dir === 1 ? 'start' : 'end' },
            '✕ lost',
          ),
        ),
      );
    }
  });
  return root;
}
