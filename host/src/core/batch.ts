// The batch API: the decoder hands out events as columns (struct of arrays), one batch per
// packet (or part of one), so that stats, the formatters and the exporters read events
// without an object, an args array or a BigInt per event.
//
//   new TraceDecoder(sink, { onEvents: (b, from, to) => { for (let i = from; i < to; i++) ... } })
//
// Events b[from, to) come in timeline order, interleaved with the other records (which
// still go to sink) exactly where the object path would put them; `b.event(i)` is the
// TraceEvent that path builds. A batch is reused once the decoder has handed out all its
// events: read it inside the callback, never keep it.
//
// Exactness without BigInt: times are nsBase + nsOff[i] and ticks ticksBase + ticksOff[i],
// the offsets integer doubles below 2^52 (the decoder starts a new batch where they would
// not be); arguments are u64 as two uint32 halves.

import { EVENT_KINDS, type TraceEvent } from './types.js';

const NS_PER_S = 1_000_000_000;
const TWO32 = 0x1_0000_0000;
// Small argument values are the common case; sharing their bigints saves an allocation each.
const SMALL: bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));
const EMPTY: bigint[] = [];

/** BigInt of the u64 hi * 2^32 + lo. */
export function u64Big(hi: number, lo: number): bigint {
  if (hi === 0) return lo < 4096 ? SMALL[lo] : BigInt(lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** the last EventBatch.serial handed out */
let serials = 0;

export class EventBatch {
  /**
   * Changes whenever the batch is refilled or rebased (unique across batches), so a consumer
   * that keeps what it made of a packet compares one number per run, not the bigint bases.
   */
  serial = 0;
  /** index of the target session within the input */
  session = 0;
  core = 0;
  /** packet sequence number the events came in */
  seq = 0;
  /** number of events */
  length = 0;

  /** time of event i in ns: nsBase + nsOff[i] */
  nsBase = 0n;
  nsOff: Float64Array;
  /**
   * nsBase as whole seconds and the ns within them, for formatting: the time of event i is
   * (nsBaseSec + floor((nsBaseFrac + nsOff[i]) / 1e9)) s, exact while nsBaseSec < 2^53
   * (nsBaseExact; else use tNs(i)).
   */
  nsBaseSec = 0;
  nsBaseFrac = 0;
  nsBaseExact = true;

  /** target timestamp of event i in ticks: ticksBase + ticksOff[i] */
  ticksBase = 0n;
  ticksOff: Float64Array;
  /** index into EVENT_KINDS */
  kind: Uint8Array;
  id: Uint32Array;
  /** arguments of event i: argLo/argHi[argStart[i], argStart[i + 1]); a blob event has none */
  argStart: Uint32Array;
  argLo: Uint32Array;
  argHi: Uint32Array;
  /** raw bytes of event i's blob argument (nargs = 7), else undefined; only when hasBlobs */
  blobs: (Uint8Array | undefined)[] = [];
  hasBlobs = false;
  /** tick offsets from the parser beyond 2^53 (a hostile dt), until the decoder rebases them */
  bigOff: Map<number, bigint> | null = null;

  constructor(events = 256, args = 1024) {
    this.nsOff = new Float64Array(events);
    this.ticksOff = new Float64Array(events);
    this.kind = new Uint8Array(events);
    this.id = new Uint32Array(events);
    this.argStart = new Uint32Array(events + 1);
    this.argLo = new Uint32Array(args);
    this.argHi = new Uint32Array(args);
  }

  /** Empties the batch with room for `events` events and `args` arguments. */
  reset(events: number, args: number): void {
    this.serial = ++serials;
    this.length = 0;
    if (this.hasBlobs) this.blobs.length = 0;
    this.hasBlobs = false;
    this.bigOff = null;
    if (events > this.kind.length) {
      const n = Math.max(events, this.kind.length * 2);
      this.nsOff = new Float64Array(n);
      this.ticksOff = new Float64Array(n);
      this.kind = new Uint8Array(n);
      this.id = new Uint32Array(n);
      this.argStart = new Uint32Array(n + 1);
    }
    if (args > this.argLo.length) {
      const n = Math.max(args, this.argLo.length * 2);
      this.argLo = new Uint32Array(n);
      this.argHi = new Uint32Array(n);
    }
  }

  /** Sets nsBase and its split into seconds. */
  setNsBase(ns: bigint): void {
    this.serial = ++serials;
    this.nsBase = ns;
    const sec = ns / 1_000_000_000n;
    this.nsBaseSec = Number(sec);
    this.nsBaseFrac = Number(ns - sec * 1_000_000_000n);
    this.nsBaseExact = this.nsBaseSec <= Number.MAX_SAFE_INTEGER;
  }

  tNs(i: number): bigint {
    return this.nsBase + BigInt(this.nsOff[i]);
  }

  ticks(i: number): bigint {
    return this.ticksBase + BigInt(this.ticksOff[i]);
  }

  kindName(i: number): TraceEvent['kind'] {
    return EVENT_KINDS[this.kind[i]];
  }

  argc(i: number): number {
    return this.argStart[i + 1] - this.argStart[i];
  }

  /** argument a of event i */
  arg(i: number, a: number): bigint {
    const j = this.argStart[i] + a;
    return u64Big(this.argHi[j], this.argLo[j]);
  }

  /** argument a of event i as a number: exact below 2^53 */
  argNumber(i: number, a: number): number {
    const j = this.argStart[i] + a;
    return this.argHi[j] * TWO32 + this.argLo[j];
  }

  blob(i: number): Uint8Array | undefined {
    return this.hasBlobs ? this.blobs[i] : undefined;
  }

  /** The event record the object path builds for event i. */
  event(i: number): TraceEvent {
    const s = this.argStart[i];
    const n = this.argStart[i + 1] - s;
    let args = EMPTY;
    if (n > 0) {
      args = [];
      for (let a = 0; a < n; a++) args.push(u64Big(this.argHi[s + a], this.argLo[s + a]));
    }
    const ev: TraceEvent = {
      type: 'event',
      session: this.session,
      core: this.core,
      seq: this.seq,
      ticks: this.ticks(i),
      tNs: this.tNs(i),
      kind: EVENT_KINDS[this.kind[i]],
      id: this.id[i],
      args,
    };
    const blob = this.blob(i);
    if (blob) ev.blob = blob;
    return ev;
  }

  /** Moves events [from, length) into `to` (emptied first), offsets unchanged; this keeps [0, from). */
  moveTail(from: number, to: EventBatch): void {
    const n = this.length - from;
    const a0 = this.argStart[from];
    const na = this.argStart[this.length] - a0;
    to.reset(n, na);
    to.session = this.session;
    to.core = this.core;
    to.seq = this.seq;
    to.ticksBase = this.ticksBase;
    to.ticksOff.set(this.ticksOff.subarray(from, this.length));
    to.kind.set(this.kind.subarray(from, this.length));
    to.id.set(this.id.subarray(from, this.length));
    for (let i = 0; i <= n; i++) to.argStart[i] = this.argStart[from + i] - a0;
    to.argLo.set(this.argLo.subarray(a0, a0 + na));
    to.argHi.set(this.argHi.subarray(a0, a0 + na));
    if (this.hasBlobs) {
      to.hasBlobs = true;
      to.blobs = this.blobs.slice(from, this.length);
    }
    if (this.bigOff) {
      for (const [i, v] of this.bigOff) {
        if (i >= from) (to.bigOff ??= new Map()).set(i - from, v);
      }
    }
    to.length = n;
    this.length = from;
  }
}

/** Seconds and ns within them of event i, into out; false when only tNs(i) is exact. */
export function eventSeconds(b: EventBatch, i: number, out: { sec: number; frac: number }): boolean {
  if (!b.nsBaseExact) return false;
  const t = b.nsBaseFrac + b.nsOff[i];
  const carry = Math.floor(t / NS_PER_S);
  out.sec = b.nsBaseSec + carry;
  out.frac = t - carry * NS_PER_S;
  return out.sec <= Number.MAX_SAFE_INTEGER;
}
