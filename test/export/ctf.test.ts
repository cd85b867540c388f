// CTF export checked by the real reader: babeltrace2 must print exactly the events the
// decoder produces (number, order, fields, times) and report discarded events and
// packets that match tracepipe's loss accounting.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExport } from '../../host/src/api/export.js';
import { recordToJson } from '../../host/src/core/jsonl.js';
import { StreamWriter } from '../../host/src/core/encode.js';
import { ticksToNs } from '../../host/src/core/time.js';
import type { CoreStats, LossRecord, TraceEvent, TraceRecord } from '../../host/src/core/types.js';
import { CtfExporter } from '../../host/src/export/ctf.js';
import { DirSinkFactory } from '../../host/src/export/sinks.js';
import { exportRecords } from '../../host/src/export/types.js';
import { babeltrace, type BtEvent } from './babeltrace.js';
import { decodeBytes, synthTrace } from './synth.js';

const HZ = 25_000_000;
const tmp = mkdtempSync(join(tmpdir(), 'tp-ctf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function exportCtf(name: string, bytes: Uint8Array) {
  const { records, stats } = decodeBytes(bytes);
  const dir = join(tmp, name);
  exportRecords(new CtfExporter(new DirSinkFactory(dir)), records, stats, { source: 'synthetic "trace"' });
  return { dir, records, stats };
}

/** The decoder's event as babeltrace2 shows it: class name and payload fields. */
function expectedFields(ev: TraceEvent): { name: string; fields: Record<string, string>; data?: number[] } {
  const nargs = ev.blob ? -1 : ev.args.length;
  const fields: Record<string, string> = {};
  fields[ev.kind === 'isr_enter' || ev.kind === 'isr_exit' ? 'irq' : 'id'] = String(ev.id);
  let name: string;
  if (ev.blob) {
    name = `${ev.kind}_blob`;
    fields.len = String(ev.blob.length);
  } else if (ev.kind === 'counter' && nargs === 1) {
    name = 'counter';
    fields.value = ev.args[0].toString();
  } else {
    name = ev.kind === 'event' || ev.kind === 'log' || ev.kind === 'counter' || nargs > 0 ? `${ev.kind}_${nargs}args` : ev.kind;
    ev.args.forEach((a, i) => (fields[`a${i}`] = a.toString()));
  }
  return { name, fields, data: ev.blob ? [...ev.blob] : undefined };
}

function sameEvent(bt: BtEvent, ev: TraceEvent) {
  const e = expectedFields(ev);
  expect(bt.name).toBe(e.name);
  expect(bt.cpu).toBe(ev.core);
  expect(Object.fromEntries(bt.fields)).toEqual(e.fields);
  expect(bt.data).toEqual(e.data);
}

/** babeltrace2's discarded-events/packets messages against tracepipe's losses and stats. */
function checkDiscards(dir: string, losses: LossRecord[], stats: CoreStats[]) {
  const bt = babeltrace(dir, 'seconds');
  for (const st of stats) {
    const mine = bt.discards.filter((d) => d.stream === st.core);
    const ev = mine.filter((d) => d.what === 'events');
    // every lost event, whatever the cause, is a babeltrace2 "discarded event"
    expect(ev.reduce((s, d) => s + d.count, 0)).toBe(st.dropped + st.overwritten + st.link_lost + st.rejected);
    expect(st.dropped + st.overwritten + st.link_lost + st.rejected).toBe(st.generated - st.decoded);
    // each babeltrace2 window is a tracepipe loss window with the same total
    const windows = new Map<string, number>();
    for (const l of losses.filter((x) => x.core === st.core)) {
      const k = `${l.fromNs}-${l.toNs}`;
      windows.set(k, (windows.get(k) ?? 0) + l.count);
    }
    expect(new Map(ev.map((d) => [`${d.from}-${d.to}`, d.count]))).toEqual(windows);
    // one discarded packet per link-loss window
    const pk = mine.filter((d) => d.what === 'packets');
    const linkWindows = new Set(losses.filter((x) => x.core === st.core && x.cause === 'link_lost').map((l) => `${l.fromNs}-${l.toNs}`));
    expect(pk.every((d) => d.count === 1)).toBe(true);
    expect(new Set(pk.map((d) => `${d.from}-${d.to}`))).toEqual(linkWindows);
    expect(linkWindows.size).toBeGreaterThan(0);
  }
}

describe('CTF export read by babeltrace2', () => {
  const bytes = synthTrace({
    evicted: [2],
    linkLost: [4],
    corrupted: [6],
    drops: [[1, 5], [7, 2]],
    rejects: [[3, 1]],
    packetsPerCore: 9,
    eventsPerPacket: 25,
    blob: new TextEncoder().encode('log "text" <b>'),
  });
  const { dir, records, stats } = exportCtf('lossy', bytes);
  const events = records.filter((r): r is TraceEvent => r.type === 'event');
  const losses = records.filter((r): r is LossRecord => r.type === 'loss');

  it('writes a metadata file and one stream per core', () => {
    expect(readdirSync(dir).sort()).toEqual(['metadata', 'stream_core0', 'stream_core1']);
    const meta = readFileSync(join(dir, 'metadata'), 'utf8');
    expect(meta.startsWith('/* CTF 1.8 */')).toBe(true);
    expect(meta).toContain(`freq = ${HZ};`);
    expect(meta).toContain('source = "synthetic \\"trace\\"";');
    const s0 = readFileSync(join(dir, 'stream_core0'));
    expect(s0.readUInt32LE(0)).toBe(0xc1fc1fc1);
  });

  it('babeltrace2 prints the decoded events: same number, order, fields and tick times', () => {
    const bt = babeltrace(dir, 'cycles');
    expect(events.length).toBeGreaterThan(150);
    expect(bt.events.length).toBe(events.length);
    bt.events.forEach((b, i) => {
      expect(b.time).toBe(events[i].ticks);
      sameEvent(b, events[i]);
    });
  });

  it('babeltrace2 times in ns equal the decoder t_ns (as printed by decode --format jsonl)', () => {
    const bt = babeltrace(dir, 'seconds');
    expect(bt.events.map((b) => b.time.toString())).toEqual(events.map((e) => recordToJson(e).t_ns));
  });

  it('discarded events and packets match the loss accounting, per core and window', () => {
    expect(losses.some((l) => l.cause === 'dropped')).toBe(true);
    expect(losses.some((l) => l.cause === 'overwritten')).toBe(true);
    expect(losses.some((l) => l.cause === 'link_lost')).toBe(true);
    expect(losses.some((l) => l.cause === 'rejected')).toBe(true);
    checkDiscards(dir, losses, stats);
  });

  it('losses before the first packet received (from the BOOT baseline) are reported too', () => {
    const first = exportCtf('first-lost', synthTrace({ evicted: [0], linkLost: [1], drops: [[0, 4]], packetsPerCore: 4 }));
    const fl = first.records.filter((r): r is LossRecord => r.type === 'loss');
    expect(fl.some((l) => l.cause === 'overwritten')).toBe(true);
    checkDiscards(first.dir, fl, first.stats);
  });

  it('a clean trace gives no babeltrace2 warnings', () => {
    const clean = exportCtf('clean', synthTrace({ packetsPerCore: 3 }));
    const bt = babeltrace(clean.dir, 'cycles');
    expect(bt.discards).toEqual([]);
    expect(bt.events.length).toBe(clean.records.filter((r) => r.type === 'event').length);
    expect(clean.stats.every((s) => s.generated === s.decoded)).toBe(true);
  });

  it('a target reset makes the later session its own trace in session-N/', () => {
    const a = synthTrace({ packetsPerCore: 2 });
    const b = synthTrace({ packetsPerCore: 3, seed: 99 });
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const { dir, records } = exportCtf('sessions', both);
    const ev = records.filter((r): r is TraceEvent => r.type === 'event');
    const s0 = ev.filter((e) => e.session === 0);
    const s1 = ev.filter((e) => e.session === 1);
    expect(s0.length).toBeGreaterThan(0);
    expect(s1.length).toBeGreaterThan(0);
    expect(babeltrace(dir, 'cycles').events.map((e) => e.time)).toEqual(s0.map((e) => e.ticks));
    expect(babeltrace(join(dir, 'session-1'), 'cycles').events.map((e) => e.time)).toEqual(s1.map((e) => e.ticks));
  });

  it('carries the wall-clock origin as the clock offset', () => {
    const { records: r2, stats: s2 } = decodeBytes(synthTrace({ packetsPerCore: 2 }));
    const d = join(tmp, 'wall');
    const origin = 1_764_000_000_123_456_789n;
    exportRecords(new CtfExporter(new DirSinkFactory(d)), r2, s2, {
      wallClock: { originUnixNs: origin, driftPpm: 0, errorNs: 1000, samples: 10 },
    });
    const meta = readFileSync(join(d, 'metadata'), 'utf8');
    expect(meta).toContain('offset_s = 1764000000;');
    expect(meta).toContain('absolute = true;');
    const bt = babeltrace(d, 'seconds');
    const first = r2.find((r): r is TraceEvent => r.type === 'event')!;
    // offset cycles are whole ticks (40 ns at 25 MHz): the origin is kept to within one tick
    const expected = origin + ticksToNs(first.ticks, HZ);
    expect(Number(bt.events[0].time - expected)).toBeGreaterThan(-40);
    expect(Number(bt.events[0].time - expected)).toBeLessThanOrEqual(0);
  });
});

describe('CTF export of records whose time goes back', () => {
  it('keeps each stream monotonic for babeltrace2 and counts the clamped events', () => {
    const { records, stats } = decodeBytes(synthTrace({ packetsPerCore: 2, cores: 1 }));
    const evs = records.filter((r): r is TraceEvent => r.type === 'event');
    // as a time_unproven packet could deliver: one event earlier than its predecessor
    const bad = { ...evs[5], ticks: evs[4].ticks - 3n, tNs: ticksToNs(evs[4].ticks - 3n, HZ) };
    const recs = records.map((r) => (r === evs[5] ? bad : r));
    const dir = join(tmp, 'backwards');
    const ctf = new CtfExporter(new DirSinkFactory(dir));
    exportRecords(ctf, recs, stats);
    expect(ctf.timeClamped).toBe(1);
    const bt = babeltrace(dir, 'cycles');
    expect(bt.events.length).toBe(evs.length);
    expect(bt.events[5].time).toBe(evs[4].ticks);
  });
});

describe('CTF export with names from ELF metadata', () => {
  it('names event classes after the ELF names, escaped for TSDL', () => {
    const { records, stats } = decodeBytes(synthTrace({ packetsPerCore: 2 }));
    const dir = join(tmp, 'named');
    const names = {
      eventName: (kind: string, id: number) =>
        kind === 'mark' ? 'boot "phase"\n1' : kind === 'event' && id === 3 ? 'sensor_read' : undefined,
    };
    exportRecords(new CtfExporter(new DirSinkFactory(dir)), records, stats, { names });
    const meta = readFileSync(join(dir, 'metadata'), 'utf8');
    expect(meta).toContain('name = "boot \\"phase\\"?1";');
    const bt = spawnSync('babeltrace2', [dir], { encoding: 'utf8' });
    expect(bt.status).toBe(0);
    const evs = records.filter((r): r is TraceEvent => r.type === 'event');
    const lines = bt.stdout.trim().split('\n');
    expect(lines.length).toBe(evs.length);
    expect(lines.filter((l) => / sensor_read: /.test(l)).length).toBe(evs.filter((e) => e.kind === 'event' && e.id === 3).length);
    expect(lines.filter((l) => /boot "phase"\?1: /.test(l)).length).toBe(evs.filter((e) => e.kind === 'mark').length);
  });
});

describe('CTF export with typed fields from ELF metadata', () => {
  it('writes named user events with their ELF field names and types', () => {
    const w = new StreamWriter();
    w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: HZ, packetSize: 256, packets: 4, ts: 0, session: 3 });
    w.beginPacket(0, 0, 1000, 0, 0, 0);
    w.event('event', 5, 1010, [0xfffffffb, 300, 7]);
    w.event('event', 6, 1020, [1]);
    w.event('event', 5, 1030, [3, 4]); // does not fit its descriptor
    w.endPacket(1040);
    const { records, stats } = decodeBytes(w.bytes());
    // what core/metadata.ts applyMetadata gives named user events (typed values, core/typed-values.ts)
    const named = records.map((r) => {
      if (r.type === 'event' && r.id === 6)
        return { ...r, name: 'temperature', values: [{ name: 'celsius', type: 'f32', value: 21.5 }, { name: 'precise', type: 'f64', value: 21.123456789 }] };
      if (r.type === 'event' && r.id === 5 && r.args.length !== 3) return { ...r, name: 'sensor', mismatch: 'expected 3 arguments, got 2' };
      if (r.type !== 'event' || r.id !== 5) return r;
      return {
        ...r,
        name: 'sensor',
        values: [
          { name: 'temp', type: 'i32', value: -5n },
          { name: 'raw value', type: 'u16', value: 300n },
          { name: 'string', type: 'str', value: 'a"b\u0000c' },
        ],
      };
    }) as TraceRecord[];
    const dir = join(tmp, 'typed');
    exportRecords(new CtfExporter(new DirSinkFactory(dir)), named, stats, {
      names: { eventName: (kind, id) => (kind === 'event' && id === 5 ? 'sensor' : kind === 'event' && id === 6 ? 'temperature' : undefined) },
    });
    const bt = spawnSync('babeltrace2', [dir], { encoding: 'utf8' });
    expect(bt.stderr).toBe('');
    const lines = bt.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    // `string` is a TSDL keyword: declared as `_string`, which babeltrace2 shows without the `_`
    expect(readFileSync(join(dir, 'metadata'), 'utf8')).toContain('string _string;');
    expect(lines[0]).toMatch(/ sensor: \{ cpu_id = 0 \}, \{ id = 5, temp = -5, raw_value = 300, string = "a\\"b" \}$/);
    expect(lines[1]).toMatch(/ temperature: .*\{ id = 6, celsius = 21\.5, precise = 21\.12\d* \}$/);
    expect(lines[2]).toMatch(/ sensor_raw: .*\{ id = 5, a0 = 3, a1 = 4 \}$/);
  });
});

/** One core: packet 0 with 4 events in [1000, 1400] ticks, then a FINAL status at 50000 booking 7 drops. */
function packetThenFinal(mode: 'discard' | 'overwrite'): StreamWriter {
  const w = new StreamWriter();
  w.header({ boot: true, cores: 1, mode, timerBits: 32, timerHz: HZ, packetSize: 256, packets: 4, ts: 0, session: 1 });
  w.beginPacket(0, 0, 1000, 0, 0, 0);
  for (let i = 0; i < 4; i++) w.event('event', 3, 1010 + i * 10, [i]);
  w.endPacket(1400);
  w.status({ core: 0, final: true, ts: 50_000, nextSeq: 1, committed: 4, dropped: 7, overwritten: 0 });
  return w;
}

describe('CTF export of events inside a loss window (issue 14 item 1)', () => {
  // As an an521 capture stopped mid-run delivers: a FINAL status books the drops up to its
  // time, then packets recorded before that time still arrive, and book drops of their own.
  function lateAfterFinal(): Uint8Array {
    const w = packetThenFinal('discard');
    w.beginPacket(0, 1, 2000, 4, 7, 0);
    for (let i = 0; i < 4; i++) w.event('event', 3, 2010 + i * 10, [10 + i]);
    w.endPacket(2100);
    w.beginPacket(0, 2, 3000, 8, 12, 0);
    w.event('event', 3, 3005, [20]);
    w.endPacket(3010);
    w.beginPacket(0, 3, 60_000, 9, 12, 0);
    w.event('event', 3, 60_005, [30]);
    w.endPacket(60_010);
    return w.bytes();
  }

  it('keeps every event at its decoded tick and shows the losses as one window with their sum', () => {
    const { records, stats } = decodeBytes(lateAfterFinal());
    const events = records.filter((r): r is TraceEvent => r.type === 'event');
    const losses = records.filter((r): r is LossRecord => r.type === 'loss');
    // the decoder's view: windows [1400, 50000] (7) and [2100, 3000] (5) overlap, and events lie inside
    expect(losses.map((l) => l.count)).toEqual([7, 5]);
    expect(events.some((e) => e.tNs > losses[0].fromNs && e.tNs < losses[0].toNs)).toBe(true);
    const dir = join(tmp, 'inside-window');
    const ctf = new CtfExporter(new DirSinkFactory(dir));
    exportRecords(ctf, records, stats);
    expect(ctf.timeClamped).toBe(0);
    expect(ctf.lossWindowsChanged).toBe(1);
    const bt = babeltrace(dir, 'cycles');
    expect(bt.events.map((e) => e.time)).toEqual(events.map((e) => e.ticks));
    // windows in ns (40 ns a tick): [1400, 50000] ticks holds both windows and the events in it
    const d = babeltrace(dir, 'seconds').discards.filter((x) => x.what === 'events');
    expect(d).toEqual([{ what: 'events', count: 12, from: 1400n * 40n, to: 50_000n * 40n, stream: 0 }]);
  });
});

describe('CTF export of a packet that arrives after a FINAL status with an eviction before it', () => {
  it('the zero-length window the decoder books at the status time joins the FINAL window: no event moved', () => {
    const w = packetThenFinal('overwrite');
    // seq 1 (3 events) was evicted; seq 2 was recorded long before the status but arrives after it
    w.beginPacket(0, 2, 2000, 7, 7, 3);
    for (let i = 0; i < 4; i++) w.event('event', 3, 2010 + i * 10, [10 + i]);
    w.endPacket(2100);
    const { records, stats } = decodeBytes(w.bytes());
    const events = records.filter((r): r is TraceEvent => r.type === 'event');
    const losses = records.filter((r): r is LossRecord => r.type === 'loss');
    expect(losses.map((l) => [l.cause, l.count, l.fromNs === l.toNs])).toEqual([
      ['dropped', 7, false],
      ['overwritten', 3, true],
    ]);
    const dir = join(tmp, 'after-final-evicted');
    const ctf = new CtfExporter(new DirSinkFactory(dir));
    exportRecords(ctf, records, stats);
    expect(ctf.timeClamped).toBe(0);
    expect(babeltrace(dir, 'cycles').events.map((e) => e.time)).toEqual(events.map((e) => e.ticks));
    const d = babeltrace(dir, 'seconds').discards.filter((x) => x.what === 'events');
    expect(d).toEqual([{ what: 'events', count: 10, from: 1400n * 40n, to: 50_000n * 40n, stream: 0 }]);
  });
});

describe("CTF's compact event header: the low 27 bits of the time, extended by babeltrace2", () => {
  const W = 2 ** 27;
  /** CTF packet header and context bytes (export/ctf.ts HEADER_BYTES + CONTEXT_BYTES) */
  const PACKET_HEAD = 84;
  /** events in order, each with its absolute tick, its kind and arguments, and whether its header must be compact */
  const plan: { t: number; kind: 'event' | 'log' | 'counter'; args: bigint[]; compact?: boolean }[] = [];
  const w = new StreamWriter();
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: HZ, packetSize: 1024, packets: 4, ts: 0, session: 1 });
  // the high word set, and 100 ticks before the low 27 bits wrap
  const base = 2 ** 40 + W - 100;
  const two = (t: number, compact: boolean) => plan.push({ t, kind: 'event', args: [BigInt(t % 1000), 7n], compact });
  let t = base;
  w.beginPacket(0, 0, base, 0, 0, 0);
  for (const [dt, compact] of [
    [10, true],
    [89, true],
    [1, true], // the low 27 bits are 0 here: the reader must carry into bit 27
    [5, true],
    [W - 1, true], // the longest step a compact header holds
    [W, false], // one tick more: the extended header
    [3 * W + 7, false],
    [1, true], // compact again after an extended one
  ] as const) two((t += dt), compact);
  for (const p of plan) w.event(p.kind, 1, p.t, p.args);
  w.endPacket(t + 1);
  // after a loss, 5 × 2^27 ticks after the last event: the first event ends the window's CTF
  // packet, and the next begins a CTF packet 2^27 + 3 ticks later; both are compact, read
  // against their packet's timestamp_begin, not against the event before
  const second = plan.length;
  t += 5 * W;
  w.beginPacket(0, 1, t, plan.length, 2, 0);
  two(t, true);
  two((t += W + 3), true);
  two((t += W + 5), false);
  two((t += 2), true);
  // the same CTF packet: 39 classes (3 kinds × 0 arguments, or 1..6 of 32 or 64 bits), the first 31 compact
  two((t += 10), true);
  const classes = 1;
  let n = classes;
  for (const kind of ['log', 'counter', 'event'] as const) {
    for (let nargs = 0; nargs <= 6; nargs++) {
      for (const wide of [false, true]) {
        if (kind === 'event' && nargs === 2 && !wide) continue; // the first class
        const args = Array.from({ length: nargs }, (_, i) => (wide ? (1n << 40n) + BigInt(i) : BigInt(i * 1000)));
        if (wide && nargs === 0) continue; // no arguments: one width
        plan.push({ t: (t += 1), kind, args, compact: n++ < 31 });
      }
    }
  }
  for (const p of plan.slice(second)) w.event(p.kind, 1, p.t, p.args);
  w.endPacket(t + 1);
  w.status({ core: 0, final: true, ts: t + 2, nextSeq: 2, committed: plan.length, dropped: 2, overwritten: 0 });
  const bytes = w.bytes();

  /** Bytes of a stream's events: its length less each packet's header and context. */
  function eventBytes(stream: Buffer): number {
    let packets = 0;
    for (let at = 0; at < stream.length; packets++) {
      expect(stream.readUInt32LE(at)).toBe(0xc1fc1fc1);
      at += Number(stream.readBigUInt64LE(at + 56)) / 8;
    }
    return stream.length - packets * PACKET_HEAD;
  }

  it('covers what it says: 39 classes, a 27-bit wrap inside a packet, steps of 2^27 - 1 and 2^27', () => {
    expect(n).toBe(39);
    expect(plan.some((p, i) => i > 0 && p.t % W < plan[i - 1].t % W && p.t - plan[i - 1].t < W)).toBe(true);
    expect(plan.filter((p) => p.compact === false).length).toBe(3 + 8);
  });

  for (const path of ['records', 'batches'] as const) {
    it(`${path}: babeltrace2 reads every time and value; each header is compact exactly where the plan says`, async () => {
      const { records, stats } = decodeBytes(bytes);
      const dir = join(tmp, `compact-${path}`);
      const ctf = new CtfExporter(new DirSinkFactory(dir), { uuid: '11111111-2222-3333-4444-555555555555' });
      if (path === 'records') exportRecords(ctf, records, stats);
      else {
        const file = join(tmp, 'compact.bin');
        writeFileSync(file, bytes);
        await runExport(file, ctf, { name: 'compact', label: 'ctf', info: {}, warn: () => undefined, threads: false });
      }
      expect(records.filter((r) => r.type === 'notice')).toEqual([]);
      const events = records.filter((r): r is TraceEvent => r.type === 'event');
      expect(events.map((e) => Number(e.ticks))).toEqual(plan.map((p) => p.t));
      const bt = babeltrace(dir, 'cycles');
      expect(bt.events.length).toBe(events.length);
      bt.events.forEach((b, i) => {
        expect(b.time).toBe(events[i].ticks);
        sameEvent(b, events[i]);
      });
      // the loss before the second packet: a CTF packet boundary there
      expect(babeltrace(dir, 'seconds').discards.map((d) => [d.what, d.count])).toEqual([['events', 2]]);
      const expected = plan.reduce((s, p) => s + (p.compact ? 4 : 12) + 4 + p.args.length * (p.args.some((a) => a > 0xffff_ffffn) ? 8 : 4), 0);
      expect(eventBytes(readFileSync(join(dir, 'stream_core0')))).toBe(expected);
    });
  }
});
