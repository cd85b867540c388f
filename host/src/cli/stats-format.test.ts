// The wall-clock part of `stats` (issue 6 §6): exact UTC text for a ns origin, and the JSON shape.
import { describe, expect, it } from 'vitest';
import { EventStats } from '../core/event-stats.js';
import { eventStatsLines, isoUtcNs, wallClockJson, wallClockLine } from './stats-format.js';

describe('stats wall clock', () => {
  it('isoUtcNs keeps all nine fraction digits', () => {
    expect(isoUtcNs(1_795_678_140_061_331_355n)).toBe('2026-11-26T07:29:00.061331355Z');
    expect(isoUtcNs(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(isoUtcNs(1_000_000_007n)).toBe('1970-01-01T00:00:01.000000007Z');
    expect(isoUtcNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });

  it('wallClockJson: used excludes the rejected; the bound rounds up; no fit is null', () => {
    const fit = { originUnixNs: 1_000_000_000_000_000_123n, driftPpm: -7.5, errorNs: 27917.2, samples: 40, rejected: 3 };
    expect(wallClockJson(fit)).toEqual({
      origin_utc: '2001-09-09T01:46:40.000000123Z',
      origin_unix_ns: '1000000000000000123',
      drift_ppm: -7.5,
      error_bound_ns: 27918,
      samples_used: 37,
      samples_rejected: 3,
      reliable: true,
    });
    expect(wallClockJson(undefined)).toBeNull();
    expect(wallClockLine(fit)).toBe(
      'wall clock: t_ns 0 = 2001-09-09T01:46:40.000000123Z, drift -7.50 ppm, error bound 27.9 µs (37 samples used, 3 rejected)',
    );
    expect(wallClockLine(undefined)).toMatch(/^wall clock: none/);
  });
});

import { TraceDecoder } from '../core/decoder.js';
import { StreamWriter } from '../core/encode.js';
import type { CoreStats } from '../core/types.js';
import { identityLines, lossProblem, statsTable } from './stats-format.js';

const hdr = { cores: 1, mode: 'discard' as const, timerBits: 32, timerHz: 1_000_000, packetSize: 64, packets: 4, ts: 0, session: 1, boot: true };

function statsOf(w: StreamWriter): CoreStats[] {
  const d = new TraceDecoder(() => {});
  d.push(w.bytes());
  d.end();
  return d.stats();
}

/** Two packets of 2 events; a non-final status then says 3 more were committed and 1 dropped. */
function openBooks(): StreamWriter {
  const w = new StreamWriter().header(hdr);
  w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 110).event('mark', 1, 120).endPacket(130);
  w.beginPacket(0, 1, 200, 2, 0, 0).event('mark', 1, 210).event('mark', 1, 220).endPacket(230);
  return w.status({ core: 0, final: false, ts: 300, nextSeq: 3, committed: 7, dropped: 1, overwritten: 0 });
}

describe('stats identity lines', () => {
  it('books without a FINAL status are proven only up to the last counters, never "holds"', () => {
    const s = statsOf(openBooks());
    expect(s[0]).toMatchObject({ identity: true, closed: false, provenSeq: 1, provenNs: 230_000n, tailUnaccounted: 4 });
    const lines = identityLines(s);
    expect(lines.join('\n')).not.toMatch(/holds/);
    expect(lines[0]).toMatch(/proven only up to the last counters the target sent; books NOT closed/);
    expect(lines[1]).toBe('  core 0: up to seq 1 at t_ns 230000, at least 4 later event(s) unaccounted');
    expect(lossProblem(s)).toBe('books not closed on 1 core(s), 4 tail event(s) unaccounted');
  });

  it('a FINAL status closes the books: "holds", and --fail-on-loss passes only without losses', () => {
    const w = openBooks().status({ core: 0, final: true, ts: 400, nextSeq: 2, committed: 4, dropped: 0, overwritten: 0 });
    const s = statsOf(w);
    expect(s[0]).toMatchObject({ identity: true, closed: true, tailUnaccounted: 0, generated: 4, decoded: 4 });
    expect(identityLines(s)).toEqual([
      'identity: generated = decoded + dropped + overwritten + link_lost + rejected holds for every core (books closed by FINAL statuses)',
    ]);
    expect(lossProblem(s)).toBeNull();
    const lossy = statsOf(openBooks().status({ core: 0, final: true, ts: 400, nextSeq: 3, committed: 7, dropped: 1, overwritten: 0 }));
    expect(lossy[0]).toMatchObject({ identity: true, closed: true, link_lost: 3, dropped: 1, generated: 8 });
    expect(lossProblem(lossy)).toBe('1 dropped, 3 link_lost');
    // refused events are a loss too (docs: --fail-on-loss), named apart from dropped
    const refused = statsOf(openBooks().status({ core: 0, final: true, ts: 400, nextSeq: 2, committed: 4, dropped: 0, overwritten: 0, rejected: 2 }));
    expect(refused[0]).toMatchObject({ identity: true, closed: true, dropped: 0, rejected: 2, generated: 6 });
    expect(lossProblem(refused)).toBe('2 rejected');
  });

  it('a contradiction is VIOLATED with the core and the point', () => {
    const w = new StreamWriter().header(hdr);
    w.beginPacket(0, 0, 100, 0, 0, 0).event('mark', 1, 110).endPacket(130);
    // seq 1 follows seq 0 directly, yet claims 5 events before it where seq 0 ended at 1
    w.beginPacket(0, 1, 200, 5, 0, 0).event('mark', 1, 210).endPacket(230);
    const s = statsOf(w);
    expect(s[0].identity).toBe(false);
    expect(s[0].contradictions).toEqual([{ kind: 'count_disagrees', seq: 1, tNs: 130_000n }]);
    const t = statsTable(s);
    expect(t).toContain('  core 0: count disagrees at seq 1, t_ns 130000');
    expect(t.some((l) => /holds/.test(l))).toBe(false);
    expect(lossProblem(s)).toBe('the identity fails, books not closed on 1 core(s)');
  });
});

describe('wall clock reliability', () => {
  it('a bound above 10 ms is flagged unreliable in text and JSON', () => {
    const fit = { originUnixNs: 1_000_000_000_000_000_123n, driftPpm: 0, errorNs: 616_980_300, samples: 10, rejected: 1 };
    expect(wallClockJson(fit)?.reliable).toBe(false);
    expect(wallClockLine(fit)).toMatch(/^wall clock: UNRELIABLE, error bound 616\.98 ms exceeds 10\.00 ms/);
    expect(wallClockLine(fit)).not.toMatch(/error bound 616\.98 ms \(/);
    expect(wallClockJson({ ...fit, errorNs: 10_000_000 })?.reliable).toBe(true);
  });
});

describe('eventStatsLines', () => {
  const base = { type: 'event' as const, session: 0, core: 0, seq: 0, ticks: 0n, args: [] };
  it('prints rows with dashes for missing figures and says when percentiles were capped', () => {
    const s = new EventStats(1);
    s.add({ ...base, tNs: 0n, kind: 'isr_enter', id: 16, name: 'TIMER' });
    s.add({ ...base, tNs: 100n, kind: 'isr_exit', id: 16 });
    s.add({ ...base, tNs: 200n, kind: 'isr_enter', id: 16 });
    s.add({ ...base, tNs: 300n, kind: 'isr_exit', id: 16 });
    s.add({ ...base, tNs: 400n, kind: 'span_begin', id: 3 });
    const lines = eventStatsLines(s.rows());
    // 2 begins over 400 ns: 5e6/s; 200 ns inside of 400 ns: 50 %
    expect(lines).toContain('  0     isr   TIMER             2  5000000.0');
    expect(lines).toContain('  0     isr   TIMER             2    0     0  100  100.0    -    -  100    50.000%');
    expect(lines).toContain('  0     span  span_begin 3      0    0     1    -      -    -    -    -          -');
    expect(lines).toContain('  p50/p99 not given for 1 row(s): more pairs than the exact sample limit');
    expect(eventStatsLines([])).toEqual(['events: none']);
  });
});
