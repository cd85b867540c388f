// The library entry on synthetic traces: the three ways to read a file agree, an early break
// stops the reader, stats are those of `stats --json`, exports land whole, and each assertion
// passes on a trace that satisfies it and fails, with its message, on one that does not.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureWriter } from '../io/capture-writer.js';
import { StreamWriter } from '../core/encode.js';
import type { TraceRecord } from '../core/types.js';
import {
  decodeTrace,
  expectIdentity,
  expectNoLosses,
  expectSequence,
  expectSpanBelow,
  exportTrace,
  readStats,
  readTrace,
  readTraceSync,
  runOnEmulator,
  spans,
  statsOf,
  traceRecords,
  TraceAssertionError,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tp-api-'));
// 1 MHz timer: a tick is 1 µs
const hdr = { cores: 2, mode: 'discard' as const, timerBits: 32, timerHz: 1_000_000, packetSize: 64, packets: 4, ts: 0, session: 1, boot: true };

/** Core 0: span 7 (10 µs), mark 1, span 7 (40 µs), mark 2; core 1: mark 3. Core 1 dropped 2. */
function stream(): Uint8Array {
  const w = new StreamWriter().header(hdr);
  w.beginPacket(0, 0, 100, 0, 0, 0)
    .event('span_begin', 7, 110)
    .event('span_end', 7, 120)
    .event('mark', 1, 130)
    .event('span_begin', 7, 200)
    .event('span_end', 7, 240)
    .event('mark', 2, 250)
    .endPacket(260);
  w.beginPacket(1, 0, 100, 0, 2, 0).event('mark', 3, 150).endPacket(160);
  w.status({ core: 0, final: true, ts: 300, nextSeq: 1, committed: 6, dropped: 0, overwritten: 0 });
  w.status({ core: 1, final: true, ts: 300, nextSeq: 1, committed: 1, dropped: 2, overwritten: 0 });
  return w.bytes();
}

function writeCapture(name: string, bytes: Uint8Array, pieces = 1): string {
  const path = join(dir, name);
  let t = 1_000_000n;
  const w = CaptureWriter.create(path, { source: 'serial', port: '/dev/null', baud: 115200 }, () => (t += 1000n));
  const step = Math.ceil(bytes.length / pieces);
  for (let i = 0; i < bytes.length; i += step) w.data(bytes.subarray(i, i + step));
  w.close();
  return path;
}

const events = (recs: TraceRecord[]) => recs.flatMap((r) => (r.type === 'event' ? [`${r.core}:${r.kind}:${r.id}`] : []));

describe('reading a trace', () => {
  it('streams, reads whole and reads synchronously the same records, from a capture and a raw stream', async () => {
    const capture = writeCapture('a.tpt', stream(), 7);
    const raw = join(dir, 'a.raw');
    writeFileSync(raw, stream());
    for (const path of [capture, raw]) {
      const streamed: TraceRecord[] = [];
      for await (const r of traceRecords(path)) streamed.push(r);
      const whole = await readTrace(path);
      const sync = readTraceSync(path);
      expect(events(streamed)).toEqual(['0:span_begin:7', '0:span_end:7', '0:mark:1', '1:mark:3', '0:span_begin:7', '0:span_end:7', '0:mark:2']);
      expect(whole.records).toEqual(streamed);
      expect(sync.records).toEqual(streamed);
      expect(sync.cores).toEqual(whole.cores);
    }
  });

  it('a loop that breaks early gets what it took, and the file reads again whole', async () => {
    // many packets in a file read 256 KiB at a time: several chunks
    const w = new StreamWriter().header({ ...hdr, cores: 1 });
    for (let i = 0; i < 40_000; i++) w.beginPacket(0, i, 10 * i, 4 * i, 0, 0).event('mark', 1, 10 * i).event('mark', 2, 10 * i + 1).event('mark', 3, 10 * i + 2).event('mark', 4, 10 * i + 3).endPacket(10 * i + 5);
    const path = join(dir, 'long.raw');
    writeFileSync(path, w.bytes());
    let n = 0;
    for await (const r of traceRecords(path)) {
      if (r.type === 'event') n++;
      if (n === 10) break;
    }
    expect(n).toBe(10);
    // the generator finished (its finally awaited the reader); another full read still works
    let all = 0;
    for await (const r of traceRecords(path)) if (r.type === 'event') all++;
    expect(all).toBe(160_000);
  });

  it('a file that is no trace fails, from the loop, in one line', async () => {
    const path = join(dir, 'junk.bin');
    writeFileSync(path, 'hello, this is not a trace\n');
    await expect(async () => {
      for await (const _ of traceRecords(path)) void _;
    }).rejects.toThrow(/junk\.bin is not a tracepipe trace \(no valid frame in 27 bytes\)/);
    expect(() => readTraceSync(path)).toThrow(/junk\.bin holds no valid tracepipe frame/);
    await expect(readTrace(join(dir, 'missing.tpt'))).rejects.toThrow(/missing\.tpt: no such file/);
  });

  it('stats are the stats --json object, with the wall-clock fit of a capture', async () => {
    const stats = await readStats(writeCapture('s.tpt', stream()));
    expect(stats.identity).toBe(true);
    expect(stats.total).toEqual({ generated: 9, decoded: 7, dropped: 2, overwritten: 0, link_lost: 0, rejected: 0 });
    expect(stats.cores.map((c) => [c.core, c.dropped])).toEqual([
      [0, 0],
      [1, 2],
    ]);
    expect(stats).toHaveProperty('wall_clock');
    expect(statsOf(decodeTrace(stream()).cores)).toMatchObject({ identity: true, total: stats.total });
  });
});

describe('runOnEmulator', () => {
  it('refuses an unknown board and a missing ELF before anything runs, in the CLI\'s words', async () => {
    await expect(runOnEmulator({ board: 'no-such-board', elf: 'x.elf' })).rejects.toThrow(/^unknown board 'no-such-board'\. Valid boards for run: .*qemu-mps2-an385/);
    await expect(runOnEmulator({ board: 'qemu-mps2-an385', elf: join(dir, 'none.elf') })).rejects.toThrow(/none\.elf: no such file$/);
  });
});

describe('exportTrace', () => {
  it('writes the jsonl export with one line per record and the stats', async () => {
    const out = join(dir, 'x.jsonl');
    const r = await exportTrace(writeCapture('x.tpt', stream()), { format: 'jsonl', output: out });
    expect(r).toEqual({ output: out, events: 7 });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type?: string });
    expect(lines.filter((l) => l.type === 'event')).toHaveLength(7);
  });

  it('refuses a non-empty CTF folder and writes nothing for a file that is no trace', async () => {
    const junk = join(dir, 'junk2.bin');
    writeFileSync(junk, 'not a trace');
    await expect(exportTrace(junk, { format: 'csv', output: join(dir, 'junk.csv') })).rejects.toThrow(/not a tracepipe trace/);
    expect(() => readFileSync(join(dir, 'junk.csv'))).toThrow(/ENOENT/);
    await expect(exportTrace(junk, { format: 'ctf', output: dir })).rejects.toThrow(/is not empty/);
  });
});

describe('assertions', () => {
  const { records, cores } = decodeTrace(stream());
  const stats = statsOf(cores);

  it('expectNoLosses names the core and the cause', () => {
    expect(() => expectNoLosses(stats)).toThrow(new TraceAssertionError('expected no losses, but core 1: dropped 2 of 3 generated'));
    expectNoLosses(statsOf(cores.filter((c) => c.core === 0)));
    expect(() => expectNoLosses(statsOf([]))).toThrow(/no core accounting/);
    // refused events are a loss too, named by their own cause
    const refused = statsOf([{ ...cores[0], generated: cores[0].generated + 3, rejected: 3 }]);
    expect(() => expectNoLosses(refused)).toThrow(new TraceAssertionError('expected no losses, but core 0: rejected 3 of 9 generated'));
  });

  it('expectIdentity holds for closed books and fails for open ones', () => {
    expectIdentity(stats);
    const open = statsOf([{ ...cores[0], generated: cores[0].generated + 5 }]);
    expect(() => expectIdentity(open)).toThrow(/core 0: generated 11 != decoded 6 \+ dropped 0 \+ overwritten 0 \+ link_lost 0 \+ rejected 0$/);
    // rejected is a term of the identity: the same extra events, booked as rejected, close it
    expectIdentity(statsOf([{ ...cores[0], generated: cores[0].generated + 5, rejected: 5 }]));
    // a core the decoder itself judged inconsistent fails even when its sum adds up
    const judged = { ...stats, identity: false, cores: [{ ...stats.cores[0], identity: false }] };
    expect(() => expectIdentity(judged)).toThrow('expected the identity generated = decoded + dropped + overwritten + link_lost + rejected, but core 0: the decoder found its counters inconsistent (identity false)');
  });

  it('expectSequence finds an ordered subsequence on one core, by id or by `<kind> <id>`', () => {
    expectSequence(records, 0, [1, 2]);
    expectSequence(records, 0, ['span_begin 7', 'mark 1', 'span_end 7', 2]);
    expectSequence(records, 1, ['mark 3']);
    expect(() => expectSequence(records, 0, [2, 1])).toThrow(
      'expected core 0 to record [2, 1] in order, but 1 never came after [2] (6 events on core 0)',
    );
    // another core's event does not count
    expect(() => expectSequence(records, 0, [3])).toThrow(/3 never came \(6 events on core 0; next were: span_begin "span_begin 7"/);
  });

  it('spans pair begin and end per core; expectSpanBelow reports the longest one over', () => {
    expect(spans(records, 7).map((s) => s.durationUs)).toEqual([10, 40]);
    expectSpanBelow(records, 7, 41);
    expect(() => expectSpanBelow(records, 'span_begin 7', 40)).toThrow(
      'expected span "span_begin 7" below 40 us, but 1 of 2 instances were not; the longest lasted 40 us on core 0 (from t=200000 ns)',
    );
    expect(() => expectSpanBelow(records, 99, 1)).toThrow(/holds no closed instance/);
  });
});
