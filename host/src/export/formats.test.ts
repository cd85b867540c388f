// Chrome JSON, JSONL and CSV exports: structure, and exact round trips of counts and times.
import { describe, expect, it } from 'vitest';
import { decodeBytes, synthTrace } from '../../../test/export/synth.js';
import { recordToJson } from '../core/jsonl.js';
import type { LossRecord, TraceEvent, TraceRecord } from '../core/types.js';
import { ChromeJsonExporter, us } from './chrome.js';
import { nsToTicks } from './ctf.js';
import { CSV_COLUMNS, CsvExporter, csvField, parseCsvLine } from './csv.js';
import { JsonlExporter } from './jsonl.js';
import { MemorySink } from './sinks.js';
import { exportRecords } from './types.js';

const HZ = 25_000_000;
const lossy = decodeBytes(
  synthTrace({ evicted: [2], linkLost: [4], drops: [[1, 5]], packetsPerCore: 7, blob: new TextEncoder().encode('a,"b"\n<c>') }),
);
const events = lossy.records.filter((r): r is TraceEvent => r.type === 'event');
const losses = lossy.records.filter((r): r is LossRecord => r.type === 'loss');

describe('time helpers', () => {
  it('us() writes ns as exact µs decimals', () => {
    expect(us(0n)).toBe('0.000');
    expect(us(1n)).toBe('0.001');
    expect(us(1234567n)).toBe('1234.567');
    expect(us(9_007_199_254_740_993n)).toBe('9007199254740.993');
  });
  it('nsToTicks inverts the decoder time conversion at every tick', () => {
    for (const hz of [25_000_000, 32_768, 1_000_000, 48_000_000, 1_000_000_000, 64_000_000]) {
      for (const t of [0n, 1n, 2n, 3n, 12345n, 2n ** 40n + 7n, 2n ** 63n / 1_000_000_000n]) {
        const ns = (t * 1_000_000_000n) / BigInt(hz);
        expect(nsToTicks(ns, hz)).toBe(t);
      }
    }
  });
});

describe('Chrome trace event JSON', () => {
  const sink = new MemorySink();
  exportRecords(new ChromeJsonExporter(sink), lossy.records, lossy.stats, {
    source: 'x.tpt',
    wallClock: { originUnixNs: 1_700_000_000_000_000_001n, driftPpm: 1.5, errorNs: 800, samples: 42 },
  });
  const text = sink.text();
  const doc = JSON.parse(text) as {
    traceEvents: Record<string, any>[];
    displayTimeUnit: string;
    otherData: any;
    metadata: any;
  };
  const te = doc.traceEvents;

  it('is one valid JSON document with track names per core', () => {
    expect(sink.closed).toBe(true);
    expect(doc.displayTimeUnit).toBe('ns');
    const threads = te.filter((e) => e.ph === 'M' && e.name === 'thread_name');
    expect(threads.map((e) => [e.tid, e.args.name])).toEqual([
      [1, 'core 0'],
      [2, 'core 1'],
    ]);
    expect(te.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
  });

  it('every event time round-trips to its ns and its tick', () => {
    const times = new Set<string>();
    for (const e of te) if (e.ts !== undefined) times.add(`${e.tid - 1}:${Math.round(e.ts * 1000)}`);
    for (const ev of events) {
      // slices carry begin times, instants/counters their own; every event time appears
      // unless it is the end of a slice (checked below through dur)
      if (ev.kind === 'isr_exit' || ev.kind === 'span_end') continue;
      expect(times.has(`${ev.core}:${ev.tNs}`)).toBe(true);
      expect(nsToTicks(BigInt(Math.round(Number(ev.tNs))), HZ)).toBe(ev.ticks);
    }
    // a number parsed back from the text equals the exact decimal
    const m = /"ts":(\d+\.\d{3})/.exec(text)!;
    expect(us(BigInt(Math.round(Number(m[1]) * 1000)))).toBe(m[1]);
  });

  it('ISR and span pairs become slices whose ends are the exit/end events', () => {
    const slices = te.filter((e) => e.ph === 'X' && (e.cat === 'isr' || e.cat === 'span'));
    const ends = events.filter((e) => e.kind === 'isr_exit' || e.kind === 'span_end');
    expect(slices.length).toBeGreaterThan(3);
    const endTimes = new Set(ends.map((e) => `${e.core}:${e.tNs}`));
    const lastByCore = new Map(events.map((e) => [e.core, e.tNs]));
    for (const s of slices) {
      const end = Math.round((s.ts + s.dur) * 1000);
      if (s.args.unfinished) expect(BigInt(end)).toBe(lastByCore.get(s.tid - 1));
      else expect(endTimes.has(`${s.tid - 1}:${end}`)).toBe(true);
      expect(s.name).toMatch(s.cat === 'isr' ? /^ISR \d+$/ : /^span \d+$/);
    }
  });

  it('counters are counter tracks, marks/events/logs instants', () => {
    const counters = te.filter((e) => e.ph === 'C' && /counter/.test(e.name));
    expect(counters.length).toBe(events.filter((e) => e.kind === 'counter').length);
    const c0 = events.find((e) => e.kind === 'counter')!;
    expect(counters.some((c) => c.args.value === Number(c0.args[0]) && Math.round(c.ts * 1000) === Number(c0.tNs))).toBe(true);
    const inst = te.filter((e) => e.ph === 'i' && !/^unmatched/.test(e.name));
    expect(inst.length).toBe(events.filter((e) => ['event', 'mark', 'log'].includes(e.kind)).length);
    const big = inst.find((e) => e.args.a0 === '18446744073709551600');
    expect(big).toBeDefined();
    const blob = inst.find((e) => e.args.blob_hex !== undefined)!;
    expect(blob.args.blob_text).toBe('a,"b"\\x0a<c>');
  });

  it('every loss is a slice on its core with cause, count and window', () => {
    const ls = te.filter((e) => e.cat === 'loss');
    expect(ls.length).toBe(losses.length);
    losses.forEach((l, i) => {
      const e = ls[i];
      expect(e.ph).toBe('X');
      expect(e.tid).toBe(l.core + 1);
      expect(e.args).toEqual({ cause: l.cause, count: l.count, from_ns: l.fromNs.toString(), to_ns: l.toNs.toString() });
      expect(Math.round(e.ts * 1000)).toBe(Number(l.fromNs));
      expect(Math.round((e.ts + e.dur) * 1000)).toBe(Number(l.toNs));
    });
    const total = ls.reduce((s, e) => s + e.args.count, 0);
    expect(total).toBe(lossy.stats.reduce((s, c) => s + c.dropped + c.overwritten + c.link_lost, 0));
  });

  it('metadata carries the wall-clock origin and the accounting', () => {
    expect(doc.metadata.wall_clock.origin_unix_ns).toBe('1700000000000000001');
    expect(doc.metadata.wall_clock.origin_utc).toBe('2023-11-14T22:13:20.000000001Z');
    expect(doc.metadata.accounting.identity).toBe(true);
    expect(doc.metadata.accounting.cores[0].link_lost).toBe(lossy.stats[0].link_lost);
    expect(doc.otherData).toEqual(doc.metadata);
  });
});

describe('JSONL', () => {
  const sink = new MemorySink();
  exportRecords(new JsonlExporter(sink), lossy.records, lossy.stats, { source: 'a.tpt' });
  const lines = sink.text().trimEnd().split('\n');

  it('starts with a schema line, then the decode lines, then the accounting', () => {
    const first = JSON.parse(lines[0]);
    expect(first).toMatchObject({ type: 'schema', schema_version: 1, int64: 'decimal-string', source: 'a.tpt' });
    expect(lines.slice(1, -1)).toEqual(lossy.records.map((r: TraceRecord) => JSON.stringify(recordToJson(r))));
    const last = JSON.parse(lines[lines.length - 1]);
    expect(last.type).toBe('stats');
    expect(last.identity).toBe(true);
    expect(last.cores.map((c: any) => c.dropped)).toEqual(lossy.stats.map((c) => c.dropped));
  });

  it('keeps 64-bit values exact', () => {
    const big = lines.map((l) => JSON.parse(l)).find((o) => o.type === 'event' && o.args?.[0] === '18446744073709551600');
    expect(big).toBeDefined();
    expect(typeof big.t_ns).toBe('string');
  });
});

describe('CSV', () => {
  const sink = new MemorySink();
  exportRecords(new CsvExporter(sink), lossy.records, lossy.stats);
  const rows = sink.text().split('\r\n').filter((l) => l.length > 0).map(parseCsvLine);

  it('has a header and one row per event or loss with exact values', () => {
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const body = rows.slice(1).map((r) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]])));
    expect(body.every((r) => Object.keys(r).length === CSV_COLUMNS.length)).toBe(true);
    const ev = body.filter((r) => r.type === 'event');
    const ls = body.filter((r) => r.type === 'loss');
    expect(ev.length).toBe(events.length);
    expect(ls.length).toBe(losses.length);
    ev.forEach((r, i) => {
      const e = events[i];
      expect(r.t_ns).toBe(e.tNs.toString());
      expect(r.ticks).toBe(e.ticks.toString());
      expect(r.kind).toBe(e.kind);
      expect(r.core).toBe(String(e.core));
      if (!e.blob) e.args.forEach((a, j) => expect(r[`a${j}`]).toBe(a.toString()));
      else expect(Buffer.from(r.blob_hex, 'hex').toString()).toBe('a,"b"\n<c>');
    });
    expect(ev.some((r) => r.a0 === '18446744073709551600')).toBe(true);
    ls.forEach((r, i) => {
      expect([r.cause, r.count, r.from_ns, r.to_ns]).toEqual([losses[i].cause, String(losses[i].count), losses[i].fromNs.toString(), losses[i].toNs.toString()]);
    });
  });

  it('quotes fields and defuses spreadsheet formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=cmd()')).toBe("'=cmd()");
    // typed values: a negative number is no formula and keeps its digits; text that only starts like one is quoted
    expect(csvField('-42')).toBe('-42');
    expect(csvField('-0.33333334')).toBe('-0.33333334');
    expect(csvField('-1+cmd()')).toBe("'-1+cmd()");
    expect(parseCsvLine(['x', csvField('a,"b"'), ''].join(','))).toEqual(['x', 'a,"b"', '']);
  });

  it('writes typed values quoted where needed, ELF names, and any excess of values in a7', () => {
    const names = { eventName: (_k: string, id: number) => (id === 9 ? 'say, "hi"' : id === 10 ? '=sum' : undefined) };
    const typed = (id: number, n: number) => ({
      type: 'event', session: 0, core: 1, seq: 2, ticks: 30n, tNs: 1200n, kind: 'event', id, args: Array.from({ length: n }, (_, i) => BigInt(i)),
      values: Array.from({ length: n }, (_, i) => ({ name: `f${i}`, type: i === 0 ? 'str' : 'i32', value: i === 0 ? 'a,b' : -i })),
      text: 'line\nbreak',
    }) as unknown as TraceRecord;
    const raw10 = { type: 'event', session: 0, core: 0, seq: 0, ticks: 1n, tNs: 40n, kind: 'mark', id: 11, args: Array.from({ length: 10 }, (_, i) => BigInt(i + 1)) } as TraceRecord;
    const out = new MemorySink();
    exportRecords(new CsvExporter(out), [typed(9, 2), typed(10, 10), raw10], [], { names });
    const lines = out.text().split('\r\n').slice(1, 4);
    const [a, b, c] = lines.map((l) => Object.fromEntries(parseCsvLine(l).map((v, i) => [CSV_COLUMNS[i], v])));
    expect(lines[0]).toContain('"say, ""hi"""');
    expect([a.name, a.nargs, a.a0, a.a1, a.a2, a.text, a.values, a.arg_names, a.args_raw]).toEqual(['say, "hi"', '2', 'a,b', '-1', '', 'line\nbreak', 'typed', 'f0;f1', '0 1']);
    expect([b.name, b.nargs, b.a6, b.a7, b.arg_names.split(';').length]).toEqual(["'=sum", '10', '-6', "'-7 -8 -9", 10]);
    expect([c.name, c.nargs, c.a0, c.a7, c.values, c.args_raw]).toEqual(['', '10', '1', '8 9 10', 'raw', '1 2 3 4 5 6 7 8 9 10']);
  });
});
