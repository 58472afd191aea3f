// Sightings (one packet seen at one capture point) and packet groups (the sightings of one
// packet, gathered by the pairing window) live in flat arenas rather than as objects: a group is
// read back a whole window after it was written, when objects scattered by recycling are out of
// cache; a record here is one cache line, and the sightings of one packet arrive together, so
// they sit side by side. No garbage either: the arenas are rings that grow and are reused.
import type { PerspectiveState } from './perspective.js';

/** Record size in bytes: one cache line. Doubles first, then 32-bit integers. */
const STRIDE = 64;
const F = STRIDE / 8;
const I = STRIDE / 4;

// Sighting fields: doubles at [s * F + k], integers at [s * I + k].
/** Raw timestamp (ns since the run's base second, this capture's clock). */
const S_T = 0;
/** `t` on the reference clock (coarse offset applied): what pairing and ordering use. */
const S_TC = 1;
const S_FRAME = 2;
/** Next sighting of the same group (arrival order), -1 at the end. */
const S_NEXT = 6;
const S_IF = 7;
const S_TYPE = 8;
const S_CAPTURE = 9;
const S_DOMAIN = 10;
/** Direction within the sighting's perspective (0: a -> b). */
const S_DIR = 11;
/**
 * Tie-break at equal times across captures: an endpoint sends (0) before the path sees the
 * packet (1) before an endpoint receives it (2).
 */
const S_RANK = 12;
/** Set once its group closed: the slot is free when every older one is too. */
const S_DEAD = 13;
/** 1 for a sighting at an endpoint capture (a client or backend pod), 0 on the path. */
const S_ENDPOINT = 14;

/** A sighting as the engine fills it (one reused object; the arena copies its fields). */
export interface SightingInput {
  p: PerspectiveState;
  dir: number;
  t: number;
  tc: number;
  capture: number;
  domain: number;
  rank: number;
  /** 1 at an endpoint capture (a client or backend pod), 0 on the path. */
  endpoint: number;
  ifIndex: number;
  pktType: number;
  frame: number;
}

/**
 * The sightings of open groups, in arrival order in a ring. Merged input arrives in (coarse)
 * time order and a group closes a window after its first sighting, so slots free up roughly in
 * the order they were taken; the ring grows (doubling) when a straggler holds the tail.
 */
export class SightingArena {
  f64 = new Float64Array(0);
  i32 = new Int32Array(0);
  /** Perspective of each slot (objects cannot live in the typed arrays). */
  p: PerspectiveState[] = [];
  private capacity = 0;
  private tail = 0;
  private used = 0;
  /** Told when slots moved: new slot = (old - tail + oldCapacity) & (oldCapacity - 1). */
  onGrow: ((tail: number, oldCapacity: number) => void) | null = null;

  constructor(capacity = 1 << 12) {
    this.resize(capacity);
  }

  /** Stores the sighting in a new slot and returns it. */
  add(s: SightingInput): number {
    if (this.used === this.capacity) this.grow();
    const slot = (this.tail + this.used) & (this.capacity - 1);
    this.used++;
    const f = slot * F;
    const i = slot * I;
    const f64 = this.f64;
    const i32 = this.i32;
    f64[f + S_T] = s.t;
    f64[f + S_TC] = s.tc;
    f64[f + S_FRAME] = s.frame;
    i32[i + S_NEXT] = -1;
    i32[i + S_IF] = s.ifIndex;
    i32[i + S_TYPE] = s.pktType;
    i32[i + S_CAPTURE] = s.capture;
    i32[i + S_DOMAIN] = s.domain;
    i32[i + S_DIR] = s.dir;
    i32[i + S_RANK] = s.rank;
    i32[i + S_DEAD] = 0;
    i32[i + S_ENDPOINT] = s.endpoint;
    this.p[slot] = s.p;
    return slot;
  }

  /** Frees a slot (its group closed); the ring's tail moves past every freed slot. */
  free(slot: number): void {
    this.i32[slot * I + S_DEAD] = 1;
    const mask = this.capacity - 1;
    while (this.used > 0 && this.i32[this.tail * I + S_DEAD] === 1) {
      this.tail = (this.tail + 1) & mask;
      this.used--;
    }
  }

  t(s: number): number {
    return this.f64[s * F + S_T];
  }
  tc(s: number): number {
    return this.f64[s * F + S_TC];
  }
  frame(s: number): number {
    return this.f64[s * F + S_FRAME];
  }
  next(s: number): number {
    return this.i32[s * I + S_NEXT];
  }
  setNext(s: number, next: number): void {
    this.i32[s * I + S_NEXT] = next;
  }
  ifIndex(s: number): number {
    return this.i32[s * I + S_IF];
  }
  pktType(s: number): number {
    return this.i32[s * I + S_TYPE];
  }
  capture(s: number): number {
    return this.i32[s * I + S_CAPTURE];
  }
  domain(s: number): number {
    return this.i32[s * I + S_DOMAIN];
  }
  dir(s: number): number {
    return this.i32[s * I + S_DIR];
  }
  rank(s: number): number {
    return this.i32[s * I + S_RANK];
  }
  /** An endpoint capture's sighting whose direction the capture did not record (rank 1). */
  loose(s: number): boolean {
    return this.i32[s * I + S_ENDPOINT] === 1 && this.i32[s * I + S_RANK] === 1;
  }

  /** Should sighting `a` come after `b` on the packet's path? (Reference time, file order, rank.) */
  after(a: number, b: number): boolean {
    const ta = this.f64[a * F + S_TC];
    const tb = this.f64[b * F + S_TC];
    if (ta !== tb) return ta > tb;
    const ca = this.i32[a * I + S_CAPTURE];
    if (ca === this.i32[b * I + S_CAPTURE]) return this.f64[a * F + S_FRAME] > this.f64[b * F + S_FRAME];
    return this.i32[a * I + S_RANK] > this.i32[b * I + S_RANK];
  }

  /**
   * Doubles the ring, its live slots moved to the start in order. Slot numbers change: the
   * links between sightings are rewritten here, and `onGrow` tells the owner (the pairing
   * window) to rewrite its groups' first and last slots.
   */
  private grow(): void {
    const oldF = this.f64;
    const oldP = this.p;
    const oldCap = this.capacity;
    const tail = this.tail;
    this.resize(oldCap * 2);
    // Two block copies (the ring wraps once at most); a same-type copy moves the bytes, so the
    // integer fields come along.
    const head = Math.min(this.used, oldCap - tail);
    this.f64.set(oldF.subarray(tail * F, (tail + head) * F), 0);
    this.f64.set(oldF.subarray(0, (this.used - head) * F), head * F);
    for (let k = 0; k < this.used; k++) {
      this.p[k] = oldP[(tail + k) & (oldCap - 1)];
      const next = this.i32[k * I + S_NEXT];
      if (next >= 0) this.i32[k * I + S_NEXT] = (next - tail + oldCap) & (oldCap - 1);
    }
    this.tail = 0;
    this.onGrow?.(tail, oldCap);
  }

  private resize(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * STRIDE);
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.p = new Array<PerspectiveState>(capacity);
    this.capacity = capacity;
  }
}
