// Per-core accounting as a table (stats, run, capture, demo) and as the `stats --json` object;
// per-event statistics as text for `stats --events`.
import type { EventStatsRow } from '../core/event-stats.js';
import { escapeText } from '../core/text.js';
import type { CoreStats } from '../core/types.js';

export interface StatsTotals {
  generated: number;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
}

export function totals(stats: CoreStats[]): StatsTotals {
  const t: StatsTotals = { generated: 0, decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
  for (const s of stats) {
    t.generated += s.generated;
    t.decoded += s.decoded;
    t.dropped += s.dropped;
    t.overwritten += s.overwritten;
    t.link_lost += s.link_lost;
    t.rejected += s.rejected;
  }
  return t;
}

/** No contradiction and generated = decoded + dropped + overwritten + link_lost + rejected, for every core of every session. */
export function identityHolds(stats: CoreStats[]): boolean {
  return stats.every((s) => s.identity);
}

/** The identity lines of the table: holds (books closed), proven up to a point, or violated where. */
export function identityLines(stats: CoreStats[]): string[] {
  const multi = new Set(stats.map((s) => s.session)).size > 1;
  const who = (s: CoreStats) => (multi ? `session ${s.session} core ${s.core}` : `core ${s.core}`);
  const bad = stats.filter((s) => !s.identity);
  if (bad.length > 0) {
    const lines = ['identity: VIOLATED (the target\'s counters contradict each other or what arrived):'];
    for (const s of bad) {
      if (s.contradictions.length === 0) {
        lines.push(`  ${who(s)}: generated ${s.generated} != decoded + dropped + overwritten + link_lost + rejected ${s.decoded + s.dropped + s.overwritten + s.link_lost + s.rejected}`);
      }
      for (const c of s.contradictions.slice(0, 8)) lines.push(`  ${who(s)}: ${c.kind.replace('_', ' ')} at seq ${c.seq}, t_ns ${c.tNs}`);
      if (s.contradictions.length > 8) lines.push(`  ${who(s)}: ${s.contradictions.length - 8} more`);
    }
    return lines;
  }
  const open = stats.filter((s) => !s.closed);
  if (open.length === 0) {
    return ['identity: generated = decoded + dropped + overwritten + link_lost + rejected holds for every core (books closed by FINAL statuses)'];
  }
  const lines = [
    'identity: generated = decoded + dropped + overwritten + link_lost + rejected proven only up to the last counters the target sent; books NOT closed (no FINAL status after the last packet):',
  ];
  for (const s of open) {
    const point = s.provenSeq === null ? 'no counters at all' : `up to seq ${s.provenSeq} at t_ns ${s.provenNs}`;
    const tail = s.tailUnaccounted > 0 ? `, at least ${s.tailUnaccounted} later event(s) unaccounted` : ', tail unknown';
    lines.push(`  ${who(s)}: ${point}${tail}`);
  }
  return lines;
}

/** What `--fail-on-loss` refuses: any loss, unclosed books, or a failed identity; null when none. */
export function lossProblem(stats: CoreStats[]): string | null {
  const t = totals(stats);
  const why: string[] = [];
  if (!identityHolds(stats)) why.push('the identity fails');
  if (t.dropped > 0) why.push(`${t.dropped} dropped`);
  if (t.overwritten > 0) why.push(`${t.overwritten} overwritten`);
  if (t.link_lost > 0) why.push(`${t.link_lost} link_lost`);
  if (t.rejected > 0) why.push(`${t.rejected} rejected`);
  const open = stats.filter((s) => !s.closed).length;
  if (open > 0) why.push(`books not closed on ${open} core(s)`);
  const tail = stats.reduce((n, s) => n + s.tailUnaccounted, 0);
  if (tail > 0) why.push(`${tail} tail event(s) unaccounted`);
  return why.length > 0 ? why.join(', ') : null;
}

/** Columns before `left` are left-aligned (labels), the rest right-aligned (figures). */
function pad(cells: string[][], left = 1): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) =>
    r
      .map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

const ns = (v: bigint | null) => (v === null ? '-' : v.toString());

export function statsTable(stats: CoreStats[]): string[] {
  const sessions = new Set(stats.map((s) => s.session)).size;
  const head = ['core', 'generated', 'decoded', 'dropped', 'overwritten', 'link_lost', 'rejected', 'first_ns', 'last_ns'];
  const rows: string[][] = [sessions > 1 ? ['session', ...head] : head];
  for (const s of stats) {
    const row = [
      String(s.core),
      String(s.generated),
      String(s.decoded),
      String(s.dropped),
      String(s.overwritten),
      String(s.link_lost),
      String(s.rejected),
      ns(s.firstNs),
      ns(s.lastNs),
    ];
    rows.push(sessions > 1 ? [String(s.session), ...row] : row);
  }
  const t = totals(stats);
  const firsts = stats.map((s) => s.firstNs).filter((v): v is bigint => v !== null);
  const lasts = stats.map((s) => s.lastNs).filter((v): v is bigint => v !== null);
  const total = [
    'total',
    String(t.generated),
    String(t.decoded),
    String(t.dropped),
    String(t.overwritten),
    String(t.link_lost),
    String(t.rejected),
    firsts.length ? ns(firsts.reduce((a, b) => (b < a ? b : a))) : '-',
    lasts.length ? ns(lasts.reduce((a, b) => (b > a ? b : a))) : '-',
  ];
  rows.push(sessions > 1 ? ['', ...total] : total);
  const lines = pad(rows);
  lines.push(...identityLines(stats));
  if (sessions > 1) lines.push(`${sessions} target sessions (the target reset during the capture)`);
  if (stats.some((s) => s.wireVersion < 2)) {
    lines.push('wire version 1: the target sends no rejected counter; its refusals are counted in dropped');
  }
  return lines;
}

/** The wall-clock fit as `stats` reports it (issue 6 §6): the fitted UTC time of target time 0. */
export interface WallClockFit {
  originUnixNs: bigint;
  driftPpm: number;
  errorNs: number;
  samples: number;
  rejected: number;
}

/** ISO 8601 UTC with all nine fraction digits: Date alone would round the origin to a millisecond. */
export function isoUtcNs(unixNs: bigint): string {
  let sec = unixNs / 1_000_000_000n;
  let frac = unixNs % 1_000_000_000n;
  if (frac < 0n) {
    sec -= 1n;
    frac += 1_000_000_000n;
  }
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac.toString().padStart(9, '0')}Z`;
}

function duration(ns: number): string {
  if (ns < 1e3) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/**
 * A fit whose error bound exceeds 10 ms is flagged unreliable. The bound is the distance from
 * the line to the best (least delayed) sample of some window; on a healthy link that best
 * sample waits only for FIFOs, USB frames (1 ms) and a scheduler slice (a few ms on a busy
 * host). Beyond 10 ms, some window had no sample that was not held up by something else (a
 * stalled host, a paused process, a link that stopped), so the fitted UTC times are not
 * trustworthy to better than that and are printed as a rough figure only.
 */
export const WALL_CLOCK_RELIABLE_NS = 10_000_000;

export function wallClockReliable(fit: WallClockFit): boolean {
  return fit.errorNs <= WALL_CLOCK_RELIABLE_NS;
}

export function wallClockLine(fit: WallClockFit | undefined): string {
  if (!fit) return 'wall clock: none (a raw stream, or too few host receive times to fit)';
  const drift = `${fit.driftPpm >= 0 ? '+' : ''}${fit.driftPpm.toFixed(2)} ppm`;
  const used = `(${fit.samples - fit.rejected} samples used, ${fit.rejected} rejected)`;
  if (!wallClockReliable(fit)) {
    return (
      `wall clock: UNRELIABLE, error bound ${duration(fit.errorNs)} exceeds ${duration(WALL_CLOCK_RELIABLE_NS)} ` +
      `(host receive times were delayed); rough t_ns 0 = ${isoUtcNs(fit.originUnixNs)}, drift ${drift} ${used}`
    );
  }
  return `wall clock: t_ns 0 = ${isoUtcNs(fit.originUnixNs)}, drift ${drift}, error bound ${duration(fit.errorNs)} ${used}`;
}

/** `wall_clock` of `stats --json`; null without a fit. */
export function wallClockJson(fit: WallClockFit | undefined): Record<string, unknown> | null {
  if (!fit) return null;
  return {
    origin_utc: isoUtcNs(fit.originUnixNs),
    origin_unix_ns: fit.originUnixNs.toString(),
    drift_ppm: fit.driftPpm,
    // a bound: round up, a fraction of a nanosecond means nothing here
    error_bound_ns: Math.ceil(fit.errorNs),
    samples_used: fit.samples - fit.rejected,
    samples_rejected: fit.rejected,
    reliable: wallClockReliable(fit),
  };
}

const nsCell = (v: bigint | null) => (v === null ? '-' : v.toString());

/** `stats --events` as text: counts and rates, then durations of spans and ISRs, then counters. */
export function eventStatsLines(rows: EventStatsRow[]): string[] {
  const multi = new Set(rows.map((r) => r.session)).size > 1;
  const where = (r: EventStatsRow) => (multi ? [String(r.session), String(r.core)] : [String(r.core)]);
  const whereHead = multi ? ['session', 'core'] : ['core'];
  // Names come from the ELF: escaped, one line each.
  const name = (r: EventStatsRow) => escapeText(r.name);
  const labels = whereHead.length + 2;
  if (rows.length === 0) return ['events: none'];
  const lines = ['events (rate over each core\'s first to last event):'];
  lines.push(
    ...pad([
      [...whereHead, 'kind', 'name', 'count', 'rate/s'],
      ...rows.map((r) => [...where(r), r.group, name(r), String(r.count), r.ratePerS === null ? '-' : r.ratePerS.toFixed(1)]),
    ], labels).map((l) => `  ${l}`),
  );
  const timed = rows.filter((r) => r.durations);
  if (timed.length > 0) {
    lines.push('durations, ns (pairs cut by a loss excluded; p50/p99 nearest-rank; cpu_share inclusive of nested ISRs):');
    lines.push(
      ...pad([
        [...whereHead, 'kind', 'name', 'pairs', 'cut', 'open', 'min', 'mean', 'p50', 'p99', 'max', 'cpu_share'],
        ...timed.map((r) => {
          const d = r.durations!;
          return [
            ...where(r),
            r.group,
            name(r),
            String(d.pairs),
            String(d.cut),
            String(d.open),
            nsCell(d.minNs),
            d.meanNs === null ? '-' : d.meanNs.toFixed(1),
            nsCell(d.p50Ns),
            nsCell(d.p99Ns),
            nsCell(d.maxNs),
            r.cpuShare === undefined || r.cpuShare === null ? '-' : `${(r.cpuShare * 100).toFixed(3)}%`,
          ];
        }),
      ], labels).map((l) => `  ${l}`),
    );
    const capped = timed.filter((r) => !r.durations!.percentilesExact);
    if (capped.length > 0) lines.push(`  p50/p99 not given for ${capped.length} row(s): more pairs than the exact sample limit`);
    const unpaired = timed.reduce((n, r) => n + r.durations!.unpaired_ends, 0);
    if (unpaired > 0) lines.push(`  ${unpaired} end(s) without an open begin (not counted in any pair)`);
  }
  const counters = rows.filter((r) => r.counter);
  if (counters.length > 0) {
    lines.push('counters:');
    lines.push(
      ...pad([
        [...whereHead, 'name', 'count', 'min', 'max', 'last'],
        ...counters.map((r) => [...where(r), name(r), String(r.count), String(r.counter!.min), String(r.counter!.max), String(r.counter!.last)]),
      ], labels - 1).map((l) => `  ${l}`),
    );
  }
  return lines;
}
