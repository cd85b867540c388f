// What the batch exporters (CSV, Chrome JSON, CTF) make once per packet or per (kind, id)
// instead of per event.
import type { EventBatch } from '../core/batch.js';
import type { EventKind } from '../core/types.js';
import type { NameTable } from './types.js';

/** A batch's base time as a number, or Infinity when base + offset may not be exact (then use the bigint). */
export function exactBase(base: bigint): number {
  return base >= 0n && base <= MAX_SAFE_BIG ? Number(base) : Infinity;
}
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** What an exporter keeps per packet of a batch, with the batch's base times as exact numbers. */
export interface PacketCells<T> {
  session: number;
  seq: number;
  value: T;
  nsBig: bigint;
  /** exactBase(nsBase): nsBase + nsOff[i] is exact when at most 2^53 - 1 */
  ns: number;
  ticksBig: bigint;
  ticks: number;
}

/**
 * The merge hands out short runs (about 1.5 events on two interleaved cores), so what is the
 * same for a whole packet is made once per core and packet, not per run.
 */
export class PacketCache<T> {
  private readonly byCore: PacketCells<T>[] = [];
  /** the EventBatch.serial each core's cells were made for */
  private readonly serialOf: number[] = [];
  constructor(private readonly make: (b: EventBatch) => T) {}
  of(b: EventBatch): PacketCells<T> {
    const core = b.core;
    const c = this.byCore[core];
    if (c !== undefined && this.serialOf[core] === b.serial) return c;
    return this.remake(b, c);
  }
  private remake(b: EventBatch, c: PacketCells<T> | undefined): PacketCells<T> {
    this.serialOf[b.core] = b.serial;
    if (!c) {
      c = { session: b.session, seq: b.seq, value: this.make(b), nsBig: b.nsBase, ns: exactBase(b.nsBase), ticksBig: b.ticksBase, ticks: exactBase(b.ticksBase) };
      this.byCore[b.core] = c;
      return c;
    }
    if (c.session !== b.session || c.seq !== b.seq) {
      c.session = b.session;
      c.seq = b.seq;
      c.value = this.make(b);
    }
    if (c.nsBig !== b.nsBase) c.ns = exactBase((c.nsBig = b.nsBase));
    if (c.ticksBig !== b.ticksBase) c.ticks = exactBase((c.ticksBig = b.ticksBase));
    return c;
  }
}

/** Per (kind, id), a value made once: the exporters' name cells and labels, which depend on nothing else. */
export class KindIdCache<T> {
  private readonly byKind = new Map<string, Map<number, T>>();
  get(kind: string, id: number): T | undefined {
    return this.byKind.get(kind)?.get(id);
  }
  set(kind: string, id: number, v: T): T {
    let m = this.byKind.get(kind);
    if (!m) this.byKind.set(kind, (m = new Map()));
    m.set(id, v);
    return v;
  }
}

/** What the timeline exporters (Chrome JSON, Perfetto) call an event: its ELF name, else its kind and id. */
export function eventLabel(names: NameTable | undefined, kind: EventKind, id: number): string {
  const n = names?.eventName(kind, id);
  if (n !== undefined) return n;
  switch (kind) {
    case 'isr_enter':
    case 'isr_exit':
      return `ISR ${id}`;
    case 'span_begin':
    case 'span_end':
      return `span ${id}`;
    default:
      return `${kind} ${id}`;
  }
}
