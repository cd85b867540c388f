// Per-event statistics against a small capture whose figures are computed by hand below.
import { describe, expect, it } from 'vitest';
import { TraceDecoder } from './decoder.js';
import { StreamWriter } from './encode.js';
import { EventStats, eventStatsToJson, type EventStatsRow } from './event-stats.js';
import type { TraceRecord } from './types.js';

// 1 tick = 1 µs = 1000 ns, header ts 0: t_ns = 1000 * ticks.
const hdr = { boot: true, cores: 2, mode: 'discard' as const, timerBits: 32, timerHz: 1_000_000, packetSize: 256, packets: 4, ts: 0, session: 7 };

function handCapture(): Uint8Array {
  const w = new StreamWriter().header(hdr);
  // core 0, packet 0: 14 events
  w.beginPacket(0, 0, 0, 0, 0, 0)
    .event('mark', 1, 0)
    .event('isr_enter', 16, 100)
    .event('isr_enter', 17, 120) // nested in 16
    .event('isr_exit', 17, 150) // 17: 30 µs
    .event('isr_exit', 16, 200) // 16: 100 µs, inclusive of 17
    .event('span_begin', 5, 300)
    .event('span_begin', 5, 310) // re-entered: nests
    .event('span_end', 5, 330) // inner: 20 µs
    .event('span_end', 5, 400) // outer: 100 µs
    .event('counter', 2, 410, [7])
    .event('counter', 2, 420, [3])
    .event('counter', 2, 430, [9])
    .event('counter', 2, 440, [5])
    .event('isr_enter', 16, 500) // its exit comes after the drop: cut
    .endPacket(510);
  // core 1: an ISR that never exits
  w.beginPacket(1, 0, 0, 0, 0, 0).event('mark', 3, 50).event('isr_enter', 18, 100).event('mark', 3, 250).endPacket(260);
  // core 0, packet 1: 3 events dropped before it, so a loss record lies between 500 and 610
  w.beginPacket(0, 1, 600, 14, 3, 0)
    .event('isr_exit', 16, 610)
    .event('isr_enter', 16, 700)
    .event('isr_exit', 16, 740) // 40 µs
    .event('span_end', 5, 800) // no open begin
    .event('mark', 1, 1000)
    .endPacket(1010);
  w.status({ core: 0, final: true, ts: 1020, nextSeq: 2, committed: 19, dropped: 3, overwritten: 0 });
  w.status({ core: 1, final: true, ts: 1020, nextSeq: 1, committed: 3, dropped: 0, overwritten: 0 });
  return w.bytes();
}

function statsOf(bytes: Uint8Array, sampleLimit?: number): { rows: EventStatsRow[]; recs: TraceRecord[] } {
  const s = new EventStats(sampleLimit);
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => {
    recs.push(r);
    s.add(r);
  });
  d.push(bytes);
  d.end();
  return { rows: s.rows(), recs };
}

const row = (rows: EventStatsRow[], core: number, group: string, id: number) => {
  const r = rows.find((x) => x.core === core && x.group === group && x.id === id);
  if (!r) throw new Error(`no row core ${core} ${group} ${id}`);
  return r;
};

describe('EventStats on a hand-computed capture', () => {
  const { rows, recs } = statsOf(handCapture());

  it('the capture has the one drop it was built with', () => {
    expect(recs.filter((r) => r.type === 'loss').map((r) => r.type === 'loss' && [r.core, r.cause, r.count])).toEqual([[0, 'dropped', 3]]);
  });

  it('counts and rates per core over first to last event', () => {
    // core 0 spans 0..1000 µs = 1 ms; core 1 spans 50..250 µs = 0.2 ms
    expect(rows.map((r) => [r.core, r.group, r.id, r.name, r.count, r.ratePerS])).toEqual([
      [0, 'counter', 2, 'counter 2', 4, 4000],
      [0, 'isr', 16, 'isr_enter 16', 3, 3000],
      [0, 'mark', 1, 'mark 1', 2, 2000],
      [0, 'span', 5, 'span_begin 5', 2, 2000],
      [0, 'isr', 17, 'isr_enter 17', 1, 1000],
      [1, 'mark', 3, 'mark 3', 2, 10000],
      [1, 'isr', 18, 'isr_enter 18', 1, 5000],
    ]);
  });

  it('ISR durations exclude the pair cut by the drop; the share is inclusive', () => {
    const isr16 = row(rows, 0, 'isr', 16);
    expect(isr16.durations).toEqual({
      pairs: 2,
      cut: 1,
      open: 0,
      unpaired_ends: 0,
      minNs: 40_000n,
      meanNs: 70_000,
      p50Ns: 40_000n, // nearest rank: ceil(0.5 * 2) = 1st of [40, 100] µs
      p99Ns: 100_000n, // ceil(0.99 * 2) = 2nd
      maxNs: 100_000n,
      totalNs: 140_000n,
      percentilesExact: true,
    });
    expect(isr16.cpuShare).toBeCloseTo(0.14, 12); // (100 + 40) µs / 1000 µs
    const isr17 = row(rows, 0, 'isr', 17);
    expect(isr17.durations).toMatchObject({ pairs: 1, cut: 0, minNs: 30_000n, p50Ns: 30_000n, p99Ns: 30_000n, maxNs: 30_000n });
    expect(isr17.cpuShare).toBeCloseTo(0.03, 12);
  });

  it('a re-entered span nests; an end with no open begin is counted apart', () => {
    expect(row(rows, 0, 'span', 5).durations).toEqual({
      pairs: 2,
      cut: 0,
      open: 0,
      unpaired_ends: 1,
      minNs: 20_000n,
      meanNs: 60_000,
      p50Ns: 20_000n,
      p99Ns: 100_000n,
      maxNs: 100_000n,
      totalNs: 120_000n,
      percentilesExact: true,
    });
    expect(row(rows, 0, 'span', 5).cpuShare).toBeUndefined();
  });

  it('an ISR still open at the end has no figures', () => {
    const r = row(rows, 1, 'isr', 18);
    expect(r.durations).toMatchObject({ pairs: 0, open: 1, minNs: null, meanNs: null, p50Ns: null, maxNs: null });
    expect(r.cpuShare).toBe(0);
  });

  it('counters: min, max, last', () => {
    expect(row(rows, 0, 'counter', 2).counter).toEqual({ min: 3n, max: 9n, last: 5n });
  });

  it('JSON carries 64-bit figures as decimal strings', () => {
    const j = eventStatsToJson(rows).find((o) => o.kind === 'isr' && o.id === 16)!;
    expect(j).toMatchObject({ core: 0, name: 'isr_enter 16', count: 3, rate_per_s: 3000, cpu_share: 0.14 });
    expect(j.durations).toMatchObject({ pairs: 2, cut: 1, min_ns: '40000', mean_ns: 70000, p50_ns: '40000', p99_ns: '100000', max_ns: '100000' });
    expect(eventStatsToJson(rows).find((o) => o.kind === 'counter')!.counter).toEqual({ min: '3', max: '9', last: '5' });
  });

  it('beyond the sample limit p50/p99 are absent, never estimated; min/mean/max stay exact', () => {
    const capped = row(statsOf(handCapture(), 1).rows, 0, 'isr', 16).durations!;
    expect(capped).toMatchObject({ pairs: 2, minNs: 40_000n, meanNs: 70_000, maxNs: 100_000n, p50Ns: null, p99Ns: null, percentilesExact: false });
  });

  it('names come from the events when metadata named them', () => {
    const s = new EventStats();
    const base = { type: 'event' as const, session: 0, core: 0, seq: 0, ticks: 0n, args: [] };
    s.add({ ...base, tNs: 0n, kind: 'span_end', id: 4 });
    s.add({ ...base, tNs: 10n, kind: 'span_begin', id: 4, name: 'filter' });
    s.add({ ...base, tNs: 30n, kind: 'span_end', id: 4, name: 'filter' });
    expect(s.rows().map((r) => [r.name, r.count, r.durations!.pairs, r.durations!.unpaired_ends, r.durations!.minNs])).toEqual([['filter', 1, 1, 1, 20n]]);
  });
});

describe('EventStats and refused events', () => {
  it('a pair with a rejected window between its ends is cut, like one with a drop', () => {
    const w = new StreamWriter().header({ ...hdr, cores: 1 });
    w.beginPacket(0, 0, 0, 0, 0, 0).event('span_begin', 5, 10).event('span_end', 5, 20).event('span_begin', 5, 30).endPacket(40);
    // the recorder refused 2 events (e.g. a record too large) between the packets
    w.beginPacket(0, 1, 100, 3, 0, 0, 2).event('span_end', 5, 110).endPacket(120);
    w.status({ core: 0, final: true, ts: 130, nextSeq: 2, committed: 4, dropped: 0, overwritten: 0, rejected: 2 });
    const { rows, recs } = statsOf(w.bytes());
    expect(recs.filter((r) => r.type === 'loss').map((r) => r.type === 'loss' && [r.cause, r.count])).toEqual([['rejected', 2]]);
    expect(row(rows, 0, 'span', 5).durations).toMatchObject({ pairs: 1, cut: 1, minNs: 10_000n, maxNs: 10_000n });
  });
});
