// Per-core accounting as a table (stats, run, capture, demo) and as the `stats --json` object.
import type { CoreStats } from '../core/types.js';

export interface StatsTotals {
  generated: number;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
}

export function totals(stats: CoreStats[]): StatsTotals {
  const t: StatsTotals = { generated: 0, decoded: 0, dropped: 0, overwritten: 0, link_lost: 0 };
  for (const s of stats) {
    t.generated += s.generated;
    t.decoded += s.decoded;
    t.dropped += s.dropped;
    t.overwritten += s.overwritten;
    t.link_lost += s.link_lost;
  }
  return t;
}

/** generated = decoded + dropped + overwritten + link_lost, for every core of every session. */
export function identityHolds(stats: CoreStats[]): boolean {
  return stats.every((s) => s.generated === s.decoded + s.dropped + s.overwritten + s.link_lost);
}

function pad(cells: string[][]): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) =>
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}

const ns = (v: bigint | null) => (v === null ? '-' : v.toString());

export function statsTable(stats: CoreStats[]): string[] {
  const sessions = new Set(stats.map((s) => s.session)).size;
  const head = ['core', 'generated', 'decoded', 'dropped', 'overwritten', 'link_lost', 'first_ns', 'last_ns'];
  const rows: string[][] = [sessions > 1 ? ['session', ...head] : head];
  for (const s of stats) {
    const row = [
      String(s.core),
      String(s.generated),
      String(s.decoded),
      String(s.dropped),
      String(s.overwritten),
      String(s.link_lost),
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
    firsts.length ? ns(firsts.reduce((a, b) => (b < a ? b : a))) : '-',
    lasts.length ? ns(lasts.reduce((a, b) => (b > a ? b : a))) : '-',
  ];
  rows.push(sessions > 1 ? ['', ...total] : total);
  const lines = pad(rows);
  lines.push(
    identityHolds(stats)
      ? 'identity: generated = decoded + dropped + overwritten + link_lost holds for every core'
      : 'identity: VIOLATED (generated != decoded + dropped + overwritten + link_lost for some core)',
  );
  if (sessions > 1) lines.push(`${sessions} target sessions (the target reset during the capture)`);
  return lines;
}
