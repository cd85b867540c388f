// Assertions on traces for any test framework: each throws an Error whose message says what
// was expected and what the trace holds (vitest and jest show it as the failure), and returns
// nothing useful otherwise.
import { nameOf, type NamedEvent } from '../core/metadata.js';
import { LOSS_CAUSES, type TraceEvent, type TraceRecord } from '../core/types.js';
import type { Stats } from './trace.js';

/** The assertions' error, so a test can tell them from other failures. */
export class TraceAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceAssertionError';
  }
}

function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function coreLabel(c: Record<string, unknown>): string {
  return `core ${String(c.core)}${num(c, 'session') > 0 ? ` (session ${num(c, 'session')})` : ''}`;
}

function checkHasCores(stats: Stats, what: string): void {
  if (stats.cores.length === 0) throw new TraceAssertionError(`${what}: the trace has no core accounting (no stream header decoded)`);
}

/** Every core: dropped = overwritten = link_lost = rejected = 0. */
export function expectNoLosses(stats: Stats): void {
  checkHasCores(stats, 'expectNoLosses');
  const lines: string[] = [];
  for (const c of stats.cores) {
    const lost = LOSS_CAUSES.filter((k) => num(c, k) > 0).map((k) => `${k} ${num(c, k)}`);
    if (lost.length > 0) lines.push(`${coreLabel(c)}: ${lost.join(', ')} of ${num(c, 'generated')} generated`);
  }
  if (lines.length > 0) throw new TraceAssertionError(`expected no losses, but ${lines.join('; ')}`);
}

/** Every core: generated = decoded + dropped + overwritten + link_lost + rejected (the books close). */
export function expectIdentity(stats: Stats): void {
  checkHasCores(stats, 'expectIdentity');
  const why: string[] = [];
  for (const c of stats.cores) {
    if (num(c, 'generated') !== num(c, 'decoded') + LOSS_CAUSES.reduce((s, k) => s + num(c, k), 0)) {
      why.push(
        `${coreLabel(c)}: generated ${num(c, 'generated')} != decoded ${num(c, 'decoded')} + ${LOSS_CAUSES.map((k) => `${k} ${num(c, k)}`).join(' + ')}`,
      );
    } else if (c.identity === false) {
      // the decoder's own verdict per core, when the stats carry one (counters that contradict each other)
      why.push(`${coreLabel(c)}: the decoder found its counters inconsistent (identity false)`);
    }
  }
  if (why.length > 0 || !stats.identity) {
    throw new TraceAssertionError(`expected the identity generated = decoded + dropped + overwritten + link_lost + rejected, but ${why.join('; ') || 'stats.identity is false'}`);
  }
}

/**
 * What selects an event: a number is its id; a string is its name (from the ELF: the format
 * string for logs), its formatted text, or `<kind> <id>` for an event without a name.
 */
export type EventMatcher = string | number;

function matches(ev: NamedEvent, m: EventMatcher): boolean {
  if (typeof m === 'number') return ev.id === m;
  return nameOf(ev) === m || ev.text === m;
}

function describe(ev: NamedEvent): string {
  const name = nameOf(ev);
  return ev.text !== undefined && ev.text !== name ? `${ev.kind} ${JSON.stringify(ev.text)}` : `${ev.kind} ${JSON.stringify(name)}`;
}

function eventsOf(records: Iterable<TraceRecord>, core?: number): NamedEvent[] {
  const out: NamedEvent[] = [];
  for (const r of records) if (r.type === 'event' && (core === undefined || r.core === core)) out.push(r);
  return out;
}

/**
 * The events of `core` contain `sequence` in this order (other events may come between).
 * Fails at the first element that does not follow, showing the events seen after the last match.
 */
export function expectSequence(records: Iterable<TraceRecord>, core: number, sequence: readonly EventMatcher[]): void {
  const events = eventsOf(records, core);
  let i = 0;
  let lastMatch = -1;
  for (let k = 0; k < events.length && i < sequence.length; k++) {
    if (matches(events[k], sequence[i])) {
      i++;
      lastMatch = k;
    }
  }
  if (i === sequence.length) return;
  const after = events.slice(lastMatch + 1, lastMatch + 6).map(describe);
  const done = sequence.slice(0, i).map((m) => JSON.stringify(m)).join(', ');
  throw new TraceAssertionError(
    `expected core ${core} to record [${sequence.map((m) => JSON.stringify(m)).join(', ')}] in order, ` +
      `but ${JSON.stringify(sequence[i])} never came` +
      (i > 0 ? ` after [${done}]` : '') +
      ` (${events.length} events on core ${core}` +
      (after.length > 0 ? `; next were: ${after.join(', ')}${events.length - lastMatch - 1 > after.length ? ', ...' : ''}` : '') +
      ')',
  );
}

export interface SpanInstance {
  core: number;
  session: number;
  beginNs: bigint;
  endNs: bigint;
  /** endNs − beginNs in microseconds */
  durationUs: number;
}

/**
 * The closed spans whose span_begin `span` selects, in the order they ended: a span_begin paired with the
 * next span_end of the same id on the same core and session (nested ones pair innermost first).
 */
export function spans(records: Iterable<TraceRecord>, span: EventMatcher): SpanInstance[] {
  const open = new Map<string, TraceEvent[]>();
  const out: SpanInstance[] = [];
  for (const ev of eventsOf(records)) {
    if (ev.kind !== 'span_begin' && ev.kind !== 'span_end') continue;
    const key = `${ev.session}/${ev.core}/${ev.id}`;
    if (ev.kind === 'span_begin') {
      // the begin selects the span (an unnamed end is `span_end <id>`, not the begin's name)
      if (!matches(ev, span)) continue;
      const stack = open.get(key) ?? [];
      open.set(key, stack);
      stack.push(ev);
      continue;
    }
    const begin = open.get(key)?.pop();
    if (!begin) continue; // its begin was lost or recorded before the capture started
    out.push({ core: ev.core, session: ev.session, beginNs: begin.tNs, endNs: ev.tNs, durationUs: Number(ev.tNs - begin.tNs) / 1000 });
  }
  return out;
}

/** Every closed instance of `span` lasted less than `maxUs` microseconds (and there is one). */
export function expectSpanBelow(records: Iterable<TraceRecord>, span: EventMatcher, maxUs: number): void {
  const all = spans(records, span);
  if (all.length === 0) throw new TraceAssertionError(`expected span ${JSON.stringify(span)} below ${maxUs} us, but the trace holds no closed instance of it`);
  const over = all.filter((s) => !(s.durationUs < maxUs));
  if (over.length === 0) return;
  const worst = over.reduce((a, b) => (b.durationUs > a.durationUs ? b : a));
  throw new TraceAssertionError(
    `expected span ${JSON.stringify(span)} below ${maxUs} us, but ${over.length} of ${all.length} instances were not; ` +
      `the longest lasted ${worst.durationUs} us on core ${worst.core} (from t=${worst.beginNs} ns)`,
  );
}
