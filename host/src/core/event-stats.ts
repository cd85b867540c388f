// Per-event statistics (`stats --events`, the view's table): per (session, core, event) the
// count and rate; for spans and ISRs the durations of their begin/end pairs and, for ISRs, the
// CPU share; for counters min/max/last. Pure: records go in one at a time, in timeline order.
//
// Memory is constant per (session, core, event) except for two things that grow with the data:
// the open-begin stack of a span or ISR (its nesting depth), and the duration samples kept for
// exact percentiles, at most `sampleLimit` per event. Beyond that limit min/mean/max stay exact
// but p50/p99 are reported as null (never an estimate): this project's figures are exact or absent.
//
// Pairing: an end pairs with the latest open begin of the same kind and id on the same core
// (a stack per core and id, so a re-entered span nests). A loss record on that core between the
// begin and the end may hide the true end (or a further begin/end), so such a pair is `cut`: it is
// counted but kept out of every duration figure and out of the CPU share.
//
// CPU share of an ISR = the time inside it (sum of its uncut pair durations) / the core's trace
// duration (first to last event on that core). It is INCLUSIVE: time spent in an ISR that preempted
// this one is counted in both, so the shares of nested ISRs can add up to more than their total.
// Cut pairs are left out, so with cut > 0 the share is a lower bound.
import { nameOf, type NamedEvent } from './metadata.js';
import type { EventKind, TraceRecord } from './types.js';

/** What a row describes: a span or ISR row counts both ends under the begin's name. */
export type EventGroup = 'event' | 'mark' | 'span' | 'counter' | 'isr' | 'log';

const GROUP: Record<EventKind, EventGroup> = {
  event: 'event',
  mark: 'mark',
  span_begin: 'span',
  span_end: 'span',
  counter: 'counter',
  isr_enter: 'isr',
  isr_exit: 'isr',
  log: 'log',
};

const BEGINS: ReadonlySet<EventKind> = new Set(['span_begin', 'isr_enter']);
const ENDS: ReadonlySet<EventKind> = new Set(['span_end', 'isr_exit']);

/** Default per-event bound on the duration samples kept for exact percentiles. */
export const DEFAULT_SAMPLE_LIMIT = 1 << 20;

export interface DurationStats {
  /** pairs that make up the figures below (not cut) */
  pairs: number;
  /** pairs with a loss record on the core between begin and end: excluded from the figures */
  cut: number;
  /** begins still open at the end of the trace */
  open: number;
  /** ends with no open begin before them (the begin was lost or precedes the trace) */
  unpaired_ends: number;
  /** ns; null without any pair */
  minNs: bigint | null;
  meanNs: number | null;
  /** nearest-rank percentiles (the smallest sample with at least p% of samples at or below it), ns;
   *  null without any pair or when more than sampleLimit pairs were seen */
  p50Ns: bigint | null;
  p99Ns: bigint | null;
  maxNs: bigint | null;
  /** sum of the pair durations, ns */
  totalNs: bigint;
  /** false when more pairs than sampleLimit came, so p50/p99 are null */
  percentilesExact: boolean;
}

export interface CounterStats {
  min: bigint;
  max: bigint;
  last: bigint;
}

export interface EventStatsRow {
  session: number;
  core: number;
  group: EventGroup;
  id: number;
  /** metadata name, else `<kind> <id>` of the begin (see metadata.ts nameOf) */
  name: string;
  /** events; for spans and ISRs the begins */
  count: number;
  /** count per second of the core's trace duration; null when that duration is 0 */
  ratePerS: number | null;
  durations?: DurationStats;
  /** ISRs only: inclusive time inside / the core's trace duration, 0..1; null when that duration is 0 */
  cpuShare?: number | null;
  counter?: CounterStats;
}

interface Acc {
  group: EventGroup;
  id: number;
  name: string | undefined;
  count: number;
  // durations
  open: { t: bigint; losses: number }[];
  pairs: number;
  cut: number;
  unpairedEnds: number;
  min: bigint | null;
  max: bigint | null;
  total: bigint;
  samples: number[];
  overLimit: boolean;
  // counters
  counter: CounterStats | null;
}

interface CoreAcc {
  session: number;
  core: number;
  first: bigint | null;
  last: bigint | null;
  /** loss records seen on this core so far: a pair whose begin saw fewer is cut */
  losses: number;
  events: Map<string, Acc>;
}

function counterValue(ev: NamedEvent): bigint | undefined {
  const v = ev.values?.[0]?.value;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return ev.args[0];
}

export class EventStats {
  private readonly cores = new Map<string, CoreAcc>();

  constructor(readonly sampleLimit = DEFAULT_SAMPLE_LIMIT) {}

  private coreAcc(session: number, core: number): CoreAcc {
    const key = `${session}/${core}`;
    let c = this.cores.get(key);
    if (!c) {
      c = { session, core, first: null, last: null, losses: 0, events: new Map() };
      this.cores.set(key, c);
    }
    return c;
  }

  /** Takes any record; only events and losses count. Events may carry metadata names. */
  add(rec: TraceRecord): void {
    if (rec.type === 'loss') {
      this.coreAcc(rec.session, rec.core).losses++;
      return;
    }
    if (rec.type !== 'event') return;
    const ev = rec as NamedEvent;
    const c = this.coreAcc(ev.session, ev.core);
    if (c.first === null) c.first = ev.tNs;
    c.last = ev.tNs;
    const group = GROUP[ev.kind];
    const key = `${group}/${ev.id}`;
    let a = c.events.get(key);
    if (!a) {
      a = {
        group,
        id: ev.id,
        name: undefined,
        count: 0,
        open: [],
        pairs: 0,
        cut: 0,
        unpairedEnds: 0,
        min: null,
        max: null,
        total: 0n,
        samples: [],
        overLimit: false,
        counter: null,
      };
      c.events.set(key, a);
    }
    // A span's row is named by its begin; an end names it only if no begin came.
    if (a.name === undefined && (!ENDS.has(ev.kind) || ev.name !== undefined)) a.name = nameOf(ev);
    if (ENDS.has(ev.kind)) {
      const b = a.open.pop();
      if (!b) {
        a.unpairedEnds++;
        return;
      }
      if (b.losses !== c.losses) {
        a.cut++;
        return;
      }
      this.addDuration(a, ev.tNs - b.t);
      return;
    }
    a.count++;
    if (BEGINS.has(ev.kind)) a.open.push({ t: ev.tNs, losses: c.losses });
    else if (group === 'counter') {
      const v = counterValue(ev);
      if (v === undefined) return;
      if (!a.counter) a.counter = { min: v, max: v, last: v };
      else {
        if (v < a.counter.min) a.counter.min = v;
        if (v > a.counter.max) a.counter.max = v;
        a.counter.last = v;
      }
    }
  }

  private addDuration(a: Acc, d: bigint): void {
    a.pairs++;
    a.total += d;
    if (a.min === null || d < a.min) a.min = d;
    if (a.max === null || d > a.max) a.max = d;
    if (a.overLimit) return;
    if (a.samples.length >= this.sampleLimit) {
      a.overLimit = true;
      a.samples = [];
      return;
    }
    // ns durations below 2^53 (104 days) are exact as numbers
    a.samples.push(Number(d));
  }

  /** Rows by session, core, then most frequent first, then group and name. */
  rows(): EventStatsRow[] {
    const out: EventStatsRow[] = [];
    const cores = [...this.cores.values()].sort((x, y) => x.session - y.session || x.core - y.core);
    for (const c of cores) {
      const spanNs = c.first === null || c.last === null ? 0n : c.last - c.first;
      const rows: EventStatsRow[] = [];
      for (const a of c.events.values()) {
        const row: EventStatsRow = {
          session: c.session,
          core: c.core,
          group: a.group,
          id: a.id,
          name: a.name ?? `${a.group === 'isr' ? 'isr_enter' : 'span_begin'} ${a.id}`,
          count: a.count,
          ratePerS: spanNs > 0n ? (a.count * 1e9) / Number(spanNs) : null,
        };
        if (a.group === 'span' || a.group === 'isr') {
          row.durations = durationStats(a);
          if (a.group === 'isr') row.cpuShare = spanNs > 0n ? Number(a.total) / Number(spanNs) : null;
        }
        if (a.counter) row.counter = { ...a.counter };
        rows.push(row);
      }
      rows.sort((x, y) => y.count - x.count || x.group.localeCompare(y.group) || x.name.localeCompare(y.name) || x.id - y.id);
      out.push(...rows);
    }
    return out;
  }
}

function nearestRank(sorted: Float64Array, p: number): bigint {
  return BigInt(sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]);
}

function durationStats(a: Acc): DurationStats {
  const exact = !a.overLimit;
  const sorted = exact && a.samples.length > 0 ? Float64Array.from(a.samples).sort() : null;
  return {
    pairs: a.pairs,
    cut: a.cut,
    open: a.open.length,
    unpaired_ends: a.unpairedEnds,
    minNs: a.min,
    meanNs: a.pairs > 0 ? Number(a.total) / a.pairs : null,
    p50Ns: sorted ? nearestRank(sorted, 50) : null,
    p99Ns: sorted ? nearestRank(sorted, 99) : null,
    maxNs: a.max,
    totalNs: a.total,
    percentilesExact: exact,
  };
}

/** One JSON-ready object per row: 64-bit ns and counter values as decimal strings (as in stats --json). */
export function eventStatsToJson(rows: EventStatsRow[]): Record<string, unknown>[] {
  const s = (v: bigint | null) => (v === null ? null : v.toString());
  return rows.map((r) => {
    const o: Record<string, unknown> = {};
    if (r.session > 0) o.session = r.session;
    o.core = r.core;
    o.kind = r.group;
    o.id = r.id;
    o.name = r.name;
    o.count = r.count;
    o.rate_per_s = r.ratePerS;
    if (r.durations) {
      const d = r.durations;
      o.durations = {
        pairs: d.pairs,
        cut: d.cut,
        open: d.open,
        unpaired_ends: d.unpaired_ends,
        min_ns: s(d.minNs),
        mean_ns: d.meanNs,
        p50_ns: s(d.p50Ns),
        p99_ns: s(d.p99Ns),
        max_ns: s(d.maxNs),
        total_ns: d.totalNs.toString(),
        percentiles_exact: d.percentilesExact,
      };
    }
    if (r.cpuShare !== undefined) o.cpu_share = r.cpuShare;
    if (r.counter) o.counter = { min: r.counter.min.toString(), max: r.counter.max.toString(), last: r.counter.last.toString() };
    return o;
  });
}
