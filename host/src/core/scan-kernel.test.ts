// The stats path's scan of whole frames by the WebAssembly kernel (scan() of frame-kernel.c,
// FrameSplitter.scanned) and the decoder's booking of its rows in doubles (TraceDecoder.bookRow)
// against the paths they stand in for: the JavaScript splitter, onFrame's checks and the BigInt
// booking of acceptPacket. Streams built to sit on every edge the fast paths decline: packets
// whose times reach 2^52 ns, 2^53 and 2^64 ticks, the largest messages, offsets beyond 2^53
// within a packet, and damaged or refused packets in either place of a pair the kernel walks
// together. Each must give the same records, notices and books, in any chunking.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceDecoder } from './decoder.js';
import { frame, StreamWriter, type U64 } from './encode.js';
import { useFrameKernels } from './frame-kernel.js';
import { FrameSplitter } from './frames.js';
import { recordToJson, statsToJson } from './jsonl.js';
import { MAX_MESSAGE } from './wire-gen.js';
import type { TraceRecord } from './types.js';

/** Records (events included when objects) and books of bytes pushed in chunks of the given sizes. */
function decode(bytes: Uint8Array, sizes: number[], opts: { kernel: boolean; objects: boolean }): { all: string; books: string } {
  const was = useFrameKernels(opts.kernel);
  try {
    expect(new FrameSplitter({ frame: () => undefined, bad: () => undefined }).kernel !== null).toBe(opts.kernel);
    const recs: TraceRecord[] = [];
    const d = new TraceDecoder((r) => recs.push(r), { objects: opts.objects, merge: false });
    let p = 0;
    for (let i = 0; p < bytes.length; i++) {
      const n = sizes.length > 0 ? sizes[i % sizes.length] : bytes.length;
      d.push(bytes.subarray(p, p + n));
      p += n;
    }
    d.end();
    const books = JSON.stringify(statsToJson(d.stats()));
    const kept = recs.filter((r) => r.type !== 'event');
    return { all: JSON.stringify([kept.map(recordToJson), books]), books };
  } finally {
    useFrameKernels(was);
  }
}

/** The scan and its booking give what the JavaScript paths give, and the books full decoding gives. */
function expectSame(bytes: Uint8Array, sizes: number[] = []): void {
  const scanned = decode(bytes, sizes, { kernel: true, objects: false });
  expect(scanned.all).toBe(decode(bytes, sizes, { kernel: false, objects: false }).all);
  expect(scanned.all).toBe(decode(bytes, [], { kernel: true, objects: false }).all);
  expect(scanned.books).toBe(decode(bytes, sizes, { kernel: true, objects: true }).books);
}

/** What can sit between two good packets of a core. */
type Item =
  | { kind: 'good'; core: number; events: number; big: boolean }
  | { kind: 'fault'; core: number; fault: Fault }
  | { kind: 'status'; core: number; final: boolean }
  | { kind: 'header' | 'empty' | 'command' | 'junk' };

const FAULTS = [
  'trailing',
  'cut',
  'flip',
  'crc',
  'cobs',
  'garbled',
  'duplicate',
  'old_duplicate',
  'same_ts',
  'seq_back',
  'ts_back',
  'gap',
  'core',
  'beyond',
  'long_gap',
  'varint',
] as const;
type Fault = (typeof FAULTS)[number];

interface Regime {
  hz: number;
  timerBits: number;
  /** the first packet's ts_begin */
  ts0: U64;
  /** ticks between events (up to) */
  step: number;
  version: number;
}

const regimes: Regime[] = [
  { hz: 25_000_000, timerBits: 32, ts0: 1000, step: 300, version: 2 },
  // 1 GHz: ns = ticks, so the doubles' limit (2^52) falls inside the stream
  { hz: 1_000_000_000, timerBits: 64, ts0: 2 ** 52 - 3_000_000, step: 700, version: 2 },
  // ts_begin's high word crosses 2^21: the whole u64 is no longer an exact double
  { hz: 1_000_000_000, timerBits: 64, ts0: 2n ** 53n - 30_000n, step: 700, version: 2 },
  // a rate that does not divide 10^9 (ns = ticks * 1953125 / 64), and the old wire version
  { hz: 32_768, timerBits: 24, ts0: 5, step: 40, version: 1 },
  { hz: 3, timerBits: 64, ts0: 1000, step: 900, version: 2 },
  // ticks * 10^9 past 2^52 from the start: every time by BigInt
  { hz: 3, timerBits: 64, ts0: 2n ** 40n, step: 900, version: 2 },
  // events and packet ends that pass 2^64 ticks
  { hz: 16_000_000, timerBits: 64, ts0: 2n ** 64n - 60_000n, step: 500, version: 2 },
];

/** A stream of items for a regime: good packets keep each core's counters; faults break them as named. */
function stream(r: Regime, items: Item[], seed: number): Uint8Array {
  const w = new StreamWriter();
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
  const header = { boot: true, cores: 2, mode: 'discard' as const, timerBits: r.timerBits, timerHz: r.hz, packetSize: 1024, packets: 8, ts: 0, session: 7, version: r.version };
  w.header(header);
  const seq = [0, 0];
  const committed = [0, 0];
  const t: bigint[] = [BigInt(r.ts0), BigInt(r.ts0) + 3n];
  let lastBegin = 0n;
  /** a packet message of core c from its state; advances the state */
  const packet = (c: number, n: number, big: boolean): Uint8Array => {
    // ticks are u64 on the wire: a core that ran past 2^64 starts again (a reset, to the decoder)
    if (t[c] >= 2n ** 64n - 2n ** 50n) t[c] %= 2n ** 50n;
    const begin = t[c];
    lastBegin = begin;
    const pw = new StreamWriter();
    pw.header(header);
    const skip = pw.length;
    pw.beginPacket(c, seq[c], begin, committed[c], 0, 0);
    for (let k = 0; k < n && pw.packetBytes < MAX_MESSAGE - 80; k++) {
      // big: dt of 7 bytes (the counting walk's slow step) and sums past 2^53 within the packet
      t[c] += big && k % 3 === 0 ? BigInt(2 ** 48 + rnd()) : BigInt(1 + (rnd() % r.step));
      const v = rnd() & 0xff;
      if (v < 120) pw.event(0, v & 0x1f, t[c], [rnd() & 0x7f, rnd() & 0x3ff]);
      else if (v < 150) pw.event(0, 300 + v, t[c], [rnd(), rnd()]);
      // an argument of 9 varint bytes: the kernel leaves the packet to the checked parser
      else if (v === 150 && rnd() % 8 === 0) pw.event(0, 7, t[c], [BigInt(rnd()) << 30n]);
      else if (v < 180) pw.event('isr_enter', 16 + (v & 7), t[c]);
      else if (v < 200) pw.event('log', 5, t[c], [rnd() & 0xff, rnd(), rnd()]);
      else if (v < 215) pw.event(0, 9, t[c], undefined, Uint8Array.from({ length: rnd() % 40 }, () => rnd() & 0xff));
      else pw.event('counter', 4, t[c], [rnd() & 0xffff]);
      committed[c]++;
    }
    t[c] += 10n;
    pw.endPacket(t[c]);
    seq[c]++;
    const framed = pw.bytes().subarray(skip);
    // the message back from its frame: decode our own frame's COBS by pushing it to a splitter
    let msg = new Uint8Array(0);
    new FrameSplitter({ frame: (buf, len) => (msg = buf.slice(0, len - 4)), bad: () => undefined }).push(framed);
    return msg;
  };
  const put = (msg: Uint8Array, badCrc = false) => w.raw(frame(msg, { badCrc }));
  for (const it of items) {
    switch (it.kind) {
      case 'good':
        put(packet(it.core, it.events, it.big));
        break;
      case 'status':
        w.status({ core: it.core, final: it.final, ts: t[it.core], nextSeq: seq[it.core], committed: committed[it.core], dropped: 0, overwritten: 0 });
        break;
      case 'header':
        w.header({ ...header, boot: false, ts: t[0] < 2n ** 63n ? t[0] : 0 });
        break;
      case 'empty':
        w.raw(Uint8Array.of(0, 0));
        break;
      case 'command':
        w.command('start');
        break;
      case 'junk':
        w.raw(Uint8Array.from({ length: 1 + (rnd() % 30) }, () => rnd() & 0xff)).raw(Uint8Array.of(0));
        break;
      case 'fault': {
        const c = it.core;
        const m = packet(c, 1 + (rnd() % 60), false);
        const mBegin = lastBegin;
        switch (it.fault) {
          case 'trailing':
            put(Uint8Array.from([...m, 1]));
            break;
          case 'cut':
            put(m.subarray(0, m.length - 1 - (rnd() % 3)));
            break;
          case 'flip': {
            // a byte of the last events altered: an encoding, a varint's end, a length
            const e = Uint8Array.from(m);
            e[m.length - 1 - (rnd() % Math.min(12, m.length - 20))] ^= 1 << rnd() % 8;
            put(e);
            break;
          }
          case 'crc':
            put(m, true);
            break;
          case 'cobs': {
            const f = frame(m);
            f[0] = 0xfe;
            w.raw(f);
            break;
          }
          case 'garbled':
            // a head cut short, or an n_events the body cannot hold
            put(Uint8Array.from([...m.subarray(0, 8 + (rnd() % 14)), 0xff, 0x0f]));
            break;
          case 'duplicate':
            put(m);
            put(m);
            break;
          case 'old_duplicate': {
            // a packet again after a later one: its ts_begin is older than the last packet's
            put(m);
            put(packet(c, 4, false));
            put(m);
            break;
          }
          case 'same_ts': {
            // packets that begin at the same tick (the second ends where it begins), then the
            // first of them again: a duplicate whose ts_begin equals the last packet's
            put(m);
            const after = t[c];
            t[c] = mBegin;
            put(packet(c, 0, false));
            t[c] = after;
            put(m);
            break;
          }
          case 'seq_back':
            seq[c] = Math.max(0, seq[c] - 3);
            put(packet(c, 5, false));
            break;
          case 'ts_back':
            t[c] -= t[c] > 100_000n ? 50_000n : 0n;
            put(packet(c, 5, false));
            break;
          case 'gap':
            // m is lost on the link: its events are missing before the next one's count
            break;
          case 'core': {
            const e = Uint8Array.from(m);
            e[1] = 5;
            put(e);
            break;
          }
          case 'beyond':
          case 'long_gap': {
            // events beyond the packet's end, or spread over more than a wrap: built afresh
            if (t[c] >= 2n ** 64n - 2n ** 51n) t[c] %= 2n ** 50n;
            const begin = t[c];
            const pw = new StreamWriter();
            pw.header(header);
            const skip = pw.length;
            pw.beginPacket(c, seq[c], begin, committed[c], 0, 0);
            const far = it.fault === 'long_gap' ? 2n ** BigInt(Math.min(r.timerBits, 50)) + 5n : 100n;
            pw.event(0, 1, begin + 1n).event(0, 2, begin + far);
            committed[c] += 2;
            pw.endPacket(begin + (it.fault === 'beyond' ? 50n : far + 1n));
            t[c] = begin + far + 2n;
            seq[c]++;
            w.raw(pw.bytes().subarray(skip));
            break;
          }
          case 'varint': {
            // seq as a 6-byte varint: longer than a u32 may be
            const e = [m[0], m[1], 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, ...m.subarray(3)];
            put(Uint8Array.from(e));
            break;
          }
        }
        break;
      }
    }
  }
  for (let c = 0; c < 2; c++) {
    w.status({ core: c, final: true, ts: t[c] + 100n, nextSeq: seq[c], committed: committed[c], dropped: 0, overwritten: 0 });
  }
  return w.bytes();
}

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('good' as const), core: fc.integer({ min: 0, max: 1 }), events: fc.integer({ min: 0, max: 400 }), big: fc.integer({ min: 0, max: 7 }).map((k) => k === 0) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fault' as const), core: fc.integer({ min: 0, max: 1 }), fault: fc.constantFrom(...FAULTS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('status' as const), core: fc.integer({ min: 0, max: 1 }), final: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('header' as const, 'empty' as const, 'command' as const, 'junk' as const) }) },
);

describe('the kernel scan and the row booking equal the JavaScript paths', () => {
  it('in every time regime, with faults in either place of a pair, in any chunking', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...regimes),
        fc.array(itemArb, { minLength: 1, maxLength: 60 }),
        fc.integer(),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 4 }),
        (r, items, seed, sizes) => expectSame(stream(r, items, seed), sizes),
      ),
      { numRuns: 200 },
    );
  });

  it('a long stream of good packets: many pieces of the stage, frames across them', () => {
    for (const r of regimes) {
      const items: Item[] = Array.from({ length: 600 }, (_, k) => ({ kind: 'good', core: k & 1, events: 150, big: false }));
      const bytes = stream(r, items, 99);
      expect(bytes.length).toBeGreaterThan(3 * 65536);
      expectSame(bytes, []);
      expectSame(bytes, [65536 + 17, 1000]);
    }
  });

  it('every fault after an even and an odd number of good packets', () => {
    for (const r of regimes) {
      for (const fault of FAULTS) {
        for (let before = 0; before < 4; before++) {
          const items: Item[] = [];
          for (let k = 0; k < before; k++) items.push({ kind: 'good', core: k & 1, events: 30, big: false });
          items.push({ kind: 'fault', core: before & 1, fault });
          for (let k = 0; k < 3; k++) items.push({ kind: 'good', core: k & 1, events: 30, big: false });
          expectSame(stream(r, items, before * 31 + fault.length));
        }
      }
    }
  });

  it('times the doubles cannot hold are booked as BigInts, exactly', () => {
    // 1 GHz: t_ns = ticks. Core 0's packets from 2^52 - 3e6 ticks run past 2^52 (where doubles
    // stop being exact for the ns sum); from 2^53 - 30000 ticks they cross 2^53
    const items: Item[] = Array.from({ length: 200 }, (_, k) => ({ kind: 'good', core: k & 1, events: 100, big: false }));
    for (const r of [regimes[1], regimes[2]]) {
      const bytes = stream(r, items, 5);
      expectSame(bytes);
      const recs: TraceRecord[] = [];
      const d = new TraceDecoder((x) => recs.push(x), { objects: false, merge: false });
      d.push(bytes);
      d.end();
      const [c0] = d.stats();
      expect(c0.identity).toBe(true);
      // the last event's time, as the full decoder gives it (events as objects, BigInt throughout)
      let lastNs = 0n;
      const full = new TraceDecoder((x) => {
        if (x.type === 'event' && x.core === 0) lastNs = x.tNs;
      });
      full.push(bytes);
      full.end();
      expect(c0.lastNs).toBe(lastNs);
      expect(lastNs > 2n ** 52n).toBe(true);
    }
  });
});
