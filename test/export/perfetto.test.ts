// `export --format perfetto` read back by a real protobuf decoder: protoc with a subset of
// Perfetto's own schema (perfetto-subset.proto). Every event, span, ISR, counter, loss and
// notice that `tracepipe decode` gives must be in the decoded packets with its exact time, name,
// track and arguments; `protoc --decode_raw` must take the file too. Traces: a synthetic one
// with every record kind, arguments small and full range, losses of every cause, damaged frames
// and a second session; a long one through the two-thread decode (the same bytes as one thread);
// and a real QEMU capture with drops.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { boardElf, requireBoardBuilt } from '../boards/helpers.js';
import { artifactDir, cli } from '../e2e/helpers.js';
import { parseText, protocDecode, protocDecodeRaw, readTrace, type ReadEvent, type Track } from './perfetto-text.js';
import { StreamWriter } from '../../host/src/core/encode.js';
import { synthTrace } from './synth.js';

const dir = artifactDir('perfetto');

interface Want {
  events: Map<string, string[]>;
  losses: string[];
  /** the codes of the notices decode warns of, in order */
  notices: string[];
}

async function decoded(file: string): Promise<Want> {
  const r = await cli(['decode', '--format', 'jsonl', file]);
  expect(r.code, r.stderr).toBe(0);
  const want: Want = { events: new Map(), losses: [], notices: [] };
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const j = JSON.parse(line);
    const key = `${j.session ?? 0}/${j.core}`;
    if (j.type === 'event') {
      const args = (j.args as (number | string)[]).map(String);
      const row = `${j.t_ns} ${j.kind} ${j.id} [${args.join(',')}]${j.blob !== undefined ? ` blob=${j.blob}` : ''}`;
      if (!want.events.has(key)) want.events.set(key, []);
      want.events.get(key)!.push(row);
    }
    if (j.type === 'loss') want.losses.push(`${key} ${j.cause} ${j.count} ${j.from_ns} ${j.to_ns}`);
  }
  for (const m of r.stderr.matchAll(/^tracepipe: warning: .*\[([a-z_]+)\]$/gm)) want.notices.push(m[1]);
  return want;
}

/** Session and core of a track: a core's thread track, its ISR track or a counter track under it. */
function coreOf(tracks: Map<string, Track>, uuid: string): { session: number; core: number; role: 'thread' | 'isr' | 'counter' | 'tracepipe' | 'loss' } {
  const t = tracks.get(uuid)!;
  if (t.tid !== undefined) return { session: t.pid! - 1, core: t.tid - t.pid! * 1000, role: 'thread' };
  const parent = tracks.get(t.parent!)!;
  if (t.counter) return { ...coreOf(tracks, parent.uuid), role: 'counter' };
  const isr = /^core (\d+) ISR$/.exec(t.name ?? '');
  if (isr) return { session: parent.pid! - 1, core: Number(isr[1]), role: 'isr' };
  if (t.name === 'tracepipe') return { session: parent.pid! - 1, core: -1, role: 'tracepipe' };
  const loss = /^core (\d+) (dropped|overwritten|link_lost|rejected)( \d+)?$/.exec(t.name ?? '');
  if (loss) return { session: parent.pid! - 1, core: Number(loss[1]), role: 'loss' };
  throw new Error(`unknown track ${t.name}`);
}

const KIND_OF_SLICE: Record<string, [string, string]> = {
  isr: ['isr_enter', 'isr_exit'],
  thread: ['span_begin', 'span_end'],
};

/** The exported events as decode's rows, per session/core; the tracepipe track's instants apart. */
function exportedRows(file: string): { events: Map<string, string[]>; tracepipe: ReadEvent[]; losses: string[]; tracks: Map<string, Track> } {
  const { tracks, events } = readTrace(parseText(protocDecode(file)));
  const rows = new Map<string, string[]>();
  const tracepipe: ReadEvent[] = [];
  const losses: string[] = [];
  /** by loss track: its open slice, whose end comes next on the track */
  const open = new Map<string, ReadEvent>();
  for (const e of events) {
    const where = coreOf(tracks, e.track);
    if (where.role === 'tracepipe') {
      tracepipe.push(e);
      continue;
    }
    if (where.role === 'loss') {
      // a slice over the window: its begin at from_ns with the facts, its end at to_ns
      const begin = open.get(e.track);
      if (e.type === 'TYPE_SLICE_BEGIN') {
        expect(begin, 'loss slices on a track do not overlap').toBeUndefined();
        expect(e.args.get('cause')).toBe(e.name);
        expect(tracks.get(e.track)!.name).toMatch(new RegExp(`^core ${e.args.get('core')} ${e.name}( \\d+)?$`));
        expect(e.t).toBe(BigInt(e.args.get('from_ns')!));
        open.set(e.track, e);
      } else {
        expect(e.type).toBe('TYPE_SLICE_END');
        expect(begin).toBeDefined();
        expect(e.t).toBe(BigInt(begin!.args.get('to_ns')!));
        open.delete(e.track);
        losses.push(`${where.session}/${where.core} ${begin!.name} ${begin!.args.get('count')} ${begin!.args.get('from_ns')} ${begin!.args.get('to_ns')}`);
      }
      continue;
    }
    let row: string;
    if (e.type === 'TYPE_COUNTER') {
      expect(where.role).toBe('counter');
      const m = /^core(\d+) counter (\d+)$/.exec(tracks.get(e.track)!.name!)!;
      expect(Number(m[1])).toBe(where.core);
      row = `${e.t} counter ${m[2]} [${e.counter}]`;
    } else if (e.type === 'TYPE_INSTANT') {
      expect(where.role).toBe('thread');
      const [kind, id] = e.name!.split(' ');
      const args: string[] = [];
      for (let a = 0; e.args.has(`a${a}`); a++) args.push(e.args.get(`a${a}`)!);
      const blob = e.args.get('blob_hex');
      expect(e.args.size).toBe(args.length + (blob !== undefined ? 1 : 0));
      row = `${e.t} ${kind} ${id} [${args.join(',')}]${blob !== undefined ? ` blob=${blob}` : ''}`;
    } else {
      const kinds = KIND_OF_SLICE[where.role];
      expect(kinds, `${e.type} on a ${where.role} track`).toBeDefined();
      const [label, id] = e.name!.split(' ');
      expect(label).toBe(where.role === 'isr' ? 'ISR' : 'span');
      expect(e.args.size).toBe(0);
      row = `${e.t} ${e.type === 'TYPE_SLICE_BEGIN' ? kinds[0] : kinds[1]} ${id} []`;
    }
    const key = `${where.session}/${where.core}`;
    if (!rows.has(key)) rows.set(key, []);
    rows.get(key)!.push(row);
  }
  expect(open.size, 'every loss slice ends').toBe(0);
  return { events: rows, tracepipe, losses, tracks };
}

/** Exports `trace` as Perfetto and checks it against decode's output; returns the tracepipe instants. */
async function check(name: string, trace: string, extra: string[] = []): Promise<{ want: Want; tracepipe: ReadEvent[]; file: string }> {
  const out = join(dir, `${name}.perfetto-trace`);
  const ex = await cli(['export', trace, '-o', out, '--no-wall-clock', ...extra]);
  expect(ex.code, ex.stderr).toBe(0);
  expect(ex.stderr).toMatch(/\(perfetto, \d+ events\)/);
  expect(protocDecodeRaw(out).length).toBeGreaterThan(0);
  const want = await decoded(trace);
  const got = exportedRows(out);
  expect([...got.events.keys()].sort()).toEqual([...want.events.keys()].sort());
  for (const [key, rows] of want.events) expect(got.events.get(key), key).toEqual(rows);
  expect([...got.losses].sort()).toEqual([...want.losses].sort());
  const notices = got.tracepipe.filter((e) => e.name!.startsWith('notice ') && e.args.get('level') !== 'info').map((e) => e.args.get('code'));
  expect(notices).toEqual(want.notices);
  return { want, tracepipe: got.tracepipe, file: out };
}

describe('Perfetto export read by protoc with Perfetto\'s schema', () => {
  it('a synthetic trace: every kind, small and full-range arguments, losses of every cause, damage, two sessions', async () => {
    const a = synthTrace({ evicted: [2], linkLost: [4], corrupted: [6], drops: [[1, 5]], rejects: [[3, 2]], packetsPerCore: 9, eventsPerPacket: 20, blob: new TextEncoder().encode('hi\n') });
    const b = synthTrace({ cores: 3, packetsPerCore: 3, seed: 9, timerHz: 16_000_000 });
    const file = join(dir, 'synth.bin');
    writeFileSync(file, Buffer.concat([a, b]));
    const { want, tracepipe } = await check('synth', file);
    expect(want.losses.map((l) => l.split(' ')[1]).sort()).toEqual(expect.arrayContaining(['dropped', 'link_lost', 'overwritten', 'rejected']));
    expect(want.events.size).toBe(5);
    expect(want.notices).toEqual(expect.arrayContaining(['crc_mismatch', 'session_reset']));
    // the accounting of every core, and what was lost, also on the tracepipe track
    const acc = tracepipe.filter((e) => e.name === 'accounting');
    expect(acc.length).toBe(5);
    expect(acc.every((e) => e.args.get('identity') === 'true')).toBe(true);
    const rows = [...want.events.values()].flat();
    // full-range arguments (32 and 64 bits) and small ones went through
    expect(rows.some((r) => r.includes('3735928559'))).toBe(true);
    expect(rows.some((r) => r.includes('18446744073709551600'))).toBe(true);
    for (const k of ['isr_enter', 'isr_exit', 'span_begin', 'span_end', 'counter', 'mark', 'log', 'event']) expect(rows.some((r) => r.split(' ')[1] === k), k).toBe(true);
  });

  it('a packet that begins before the last event of its core (time_unproven): every time exact', async () => {
    const w = new StreamWriter();
    w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 256, packets: 8, ts: 0, session: 1 });
    w.beginPacket(0, 0, 1000, 0, 0, 0).event(0, 1, 1100, [1]).event(0, 1, 1500, [2]).endPacket(1600);
    w.beginPacket(0, 1, 1200, 2, 0, 0).event(0, 1, 1250, [3]).event(0, 1, 1300, [4]).event(0, 1, 1700, [5]).endPacket(1800);
    w.status({ core: 0, final: true, ts: 2000, nextSeq: 2, committed: 5, dropped: 0, overwritten: 0 });
    const file = join(dir, 'back.bin');
    writeFileSync(file, w.bytes());
    const { want } = await check('back', file);
    expect(want.events.get('0/0')!.map((r) => r.split(' ')[0])).toEqual(['1100000', '1500000', '1250000', '1300000', '1700000']);
  });

  it('a long stream file on two threads: the same bytes as on one thread', async () => {
    // past the pool's 16 MiB threshold (io/decode-pool.ts); too long for protoc's text here, so
    // the proof is the equality with the one-thread export, which the tests above read back
    const file = join(dir, 'long.bin');
    writeFileSync(file, synthTrace({ packetsPerCore: 40_000, eventsPerPacket: 40, drops: [[100, 3]], linkLost: [200], seed: 3 }));
    expect(readFileSync(file).length).toBeGreaterThan(17 << 20);
    const out = (n: number) => join(dir, `long-${n}.perfetto-trace`);
    for (const n of [1, 2]) {
      const r = await cli(['export', file, '-o', out(n), '--no-wall-clock', '--threads', String(n)]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readFileSync(out(1)).equals(readFileSync(out(2)))).toBe(true);
  }, 180_000);

  describe('a QEMU capture', () => {
    const board = 'qemu-mps2-an385';
    const capture = join(dir, 'overload.tpt');
    beforeAll(async () => {
      requireBoardBuilt(board, 'e2e_overload');
      const r = await cli(['run', '--board', board, boardElf(board, 'e2e_overload'), '-o', capture], { timeoutMs: 90_000 });
      expect(r.code, r.stderr).toBe(0);
    }, 120_000);

    it('single core with drops: every event and loss, times exact', async () => {
      const { want } = await check('overload', capture);
      expect(want.losses.some((l) => l.includes(' dropped '))).toBe(true);
    });
  });
});
