// Properties of the whole decoder (issue 3 §6): hostile input never throws and stays within
// fixed memory, chunking never changes the result, and encoder -> decoder preserves every
// event and the accounting identity, with losses counted exactly.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TraceDecoder, type DecoderOptions } from './decoder.js';
import { StreamWriter, type U64 } from './encode.js';
import { crc32c } from './crc32c.js';
import { useFrameKernels } from './frame-kernel.js';
import { FrameScanner, newScanResult } from './frame-scan.js';
import { FrameSplitter, MAX_COBS } from './frames.js';
import { recordToJson, statsToJson } from './jsonl.js';
import type { TraceRecord } from './types.js';

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '../../../protocol/vectors');
const vectorBins: Uint8Array[] = ['valid', 'invalid'].flatMap((k) =>
  readdirSync(join(VECTORS, k))
    .filter((f) => f.endsWith('.bin'))
    .map((f) => new Uint8Array(readFileSync(join(VECTORS, k, f)))),
);

function run(chunks: Uint8Array[], opts?: DecoderOptions) {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), { holdLimit: 8, mergeLimit: 64, ...opts });
  let maxBuf = { mergeItems: 0, heldFrames: 0, pendingFrameBytes: 0 };
  for (const c of chunks) {
    d.push(c);
    const b = d.buffered();
    maxBuf = {
      mergeItems: Math.max(maxBuf.mergeItems, b.mergeItems),
      heldFrames: Math.max(maxBuf.heldFrames, b.heldFrames),
      pendingFrameBytes: Math.max(maxBuf.pendingFrameBytes, b.pendingFrameBytes),
    };
  }
  d.end();
  return { recs, stats: d.stats(), maxBuf, json: JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())]) };
}

function chunked(b: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  let i = 0;
  while (p < b.length) {
    const n = sizes.length ? sizes[i++ % sizes.length] : b.length;
    out.push(b.subarray(p, p + n));
    p += n;
  }
  return out;
}

/** A random multi-core trace with its ground truth. */
const traceArb = fc
  .record({
    cores: fc.integer({ min: 1, max: 3 }),
    hz: fc.constantFrom(25_000_000, 1_000_000, 32_768, 16_000_000),
    origin: fc.constantFrom(0, 0xffff_fff0),
    packets: fc.array(
      fc.record({
        core: fc.nat(2),
        gap: fc.nat(1000),
        droppedBefore: fc.nat(3),
        events: fc.array(
          fc.record({
            kind: fc.nat(7),
            id: fc.oneof(fc.nat(200), fc.nat({ max: 0xffffffff })),
            dt: fc.oneof(fc.nat(300), fc.nat(1_000_000)),
            args: fc.array(fc.oneof(fc.nat(1000), fc.nat({ max: 0xffffffff }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 6 }),
            blob: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
          }),
          // at least one event: SPEC §6 forbids empty packets (the origin check relies on it)
          { minLength: 1, maxLength: 12 },
        ),
      }),
      { maxLength: 25 },
    ),
  })
  .map((t) => ({ ...t, packets: t.packets.map((p) => ({ ...p, core: p.core % t.cores })) }));

type Trace = typeof traceArb extends fc.Arbitrary<infer T> ? T : never;

/** A lie the target's counters tell (issue 14 §7): the stream stays well framed. */
interface Lie {
  /** index of the packet whose counter lies below the previous packet's, or for a FINAL status its core */
  at: number;
  field: 'events_before' | 'dropped_backwards' | 'final_committed';
  by: number;
}

/** Encodes a trace; lose(i) drops packet i on the "link". Returns bytes and expected per-core truth. */
function encodeTrace(t: Trace, lose: (i: number) => boolean = () => false, lie?: Lie, version?: number) {
  const w = new StreamWriter();
  const o = t.origin;
  w.header({
    version,
    boot: true,
    cores: t.cores,
    mode: 'discard',
    timerBits: 32,
    timerHz: t.hz,
    packetSize: 4096,
    packets: 4,
    ts: 0,
    session: 1,
    origin: Array.from({ length: t.cores }, () => ({ seq: o, events: o, dropped: o, overwritten: 0 })),
  });
  const seq = Array(t.cores).fill(o);
  const committed = Array(t.cores).fill(o);
  const dropped = Array(t.cores).fill(o);
  const truth = Array.from({ length: t.cores }, () => ({ decoded: [] as string[], dropped: 0, link_lost: 0 }));
  let now = 10n;
  t.packets.forEach((p, i) => {
    const c = p.core;
    now += BigInt(p.gap);
    dropped[c] = (dropped[c] + p.droppedBefore) >>> 0;
    truth[c].dropped += p.droppedBefore;
    const begin = now;
    const evs: { kind: number; id: number; t: bigint; args: U64[]; blob?: Uint8Array }[] = [];
    for (const e of p.events) {
      now += BigInt(e.dt);
      evs.push({ kind: e.kind, id: e.id, t: now, args: e.blob ? [] : e.args, blob: e.blob });
    }
    const end = now + 1n;
    now = end;
    if (!lose(i)) {
      const lies = lie?.at === i;
      const eb = lies && lie.field === 'events_before' ? (committed[c] + lie.by) >>> 0 : committed[c];
      const dr = lies && lie.field === 'dropped_backwards' ? (dropped[c] - p.droppedBefore - lie.by) >>> 0 : dropped[c];
      w.beginPacket(c, seq[c], begin, eb, dr, 0);
      for (const e of evs) w.event(e.kind, e.id, e.t, e.blob ? undefined : e.args, e.blob);
      w.endPacket(end);
      for (const e of evs) truth[c].decoded.push(`${e.t}/${e.kind}/${e.id}/${e.args.join(',')}/${e.blob ? Buffer.from(e.blob).toString('hex') : ''}`);
    } else {
      truth[c].link_lost += evs.length;
    }
    seq[c] = (seq[c] + 1) >>> 0;
    committed[c] = (committed[c] + evs.length) >>> 0;
  });
  for (let c = 0; c < t.cores; c++) {
    const lies = lie?.field === 'final_committed' && lie.at === c;
    const com = lies ? (committed[c] + lie.by) >>> 0 : committed[c];
    w.status({ core: c, final: true, ts: now + 5n, nextSeq: seq[c], committed: com, dropped: dropped[c], overwritten: 0 });
  }
  return { bytes: w.bytes(), truth };
}

const mutationsArb = fc.array(
  fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'insert', 'delete', 'zero', 'burst'), v: fc.integer({ min: 1, max: 255 }) }),
  { minLength: 1, maxLength: 8 },
);
type Mutation = { at: number; op: 'flip' | 'insert' | 'delete' | 'zero' | 'burst'; v: number };
// Raised locally (TP_MUTATION_RUNS=5000) to hunt; CI keeps it to a few seconds.
const MUTATION_RUNS = Number(process.env.TP_MUTATION_RUNS ?? 400);

function mutate(orig: Uint8Array, muts: Mutation[]): Uint8Array {
  const b = [...orig];
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.op === 'flip') b[at] ^= m.v;
    else if (m.op === 'insert') b.splice(at, 0, m.v);
    else if (m.op === 'delete') b.splice(at, 1);
    else if (m.op === 'zero') b[at] = 0;
    else b.splice(at, Math.min(m.v, b.length - at));
  }
  return Uint8Array.from(b);
}

/** Identity of an event as the wire carries it: everything but the header-derived tNs and session. */
function wireKey(core: number, seq: number, ticks: bigint, kind: number, id: number, args: readonly bigint[], blob?: Uint8Array): string {
  return `${core}/${seq}/${ticks}/${kind}/${id}/${args.join(',')}/${blob ? Buffer.from(blob).toString('hex') : '-'}`;
}

const KINDS = ['event', 'mark', 'span_begin', 'span_end', 'counter', 'isr_enter', 'isr_exit', 'log'];

/**
 * What a stream really contains, read by a parser of its own (not the decoder's): the events
 * of every CRC-valid PACKET frame, and the timer rates of every CRC-valid HEADER. The decoder
 * may legitimately emit any of these events (e.g. frames it discarded as belonging to an
 * earlier session come back when the BOOT header that proved it is corrupted), so the truth
 * is the wire, not the decoder's output on the unmutated stream.
 */
function wireTruth(bytes: Uint8Array): { events: Set<string>; hz: Set<number> } {
  const events = new Set<string>();
  const hz = new Set<number>();
  const frames: Uint8Array[] = [];
  new FrameSplitter({ frame: (buf, len) => frames.push(buf.slice(0, len)), bad: () => {} }).push(bytes);
  const valid = frames.filter((f) => f.length >= 5 && crc32c(f, 0, f.length - 4) === new DataView(f.buffer, f.byteOffset).getUint32(f.length - 4, true));
  // A packet has the layout of its session's header's version (SPEC §5); frames before the
  // first header belong to it (a late attach).
  let version = valid.find((f) => f[0] === 1 && f.length - 4 > 5)?.[5] ?? 2;
  for (const f of valid) {
    const end = f.length - 4;
    const dv = new DataView(f.buffer, f.byteOffset, f.length);
    let p = 1;
    const u8 = () => {
      if (p >= end) throw new Error('short');
      return f[p++];
    };
    const leb = () => {
      let v = 0n;
      for (let sh = 0n; ; sh += 7n) {
        const x = u8();
        v |= BigInt(x & 0x7f) << sh;
        if (x < 0x80) return v;
      }
    };
    const le = (n: number) => {
      let v = 0n;
      for (let i = 0; i < n; i++) v |= BigInt(u8()) << BigInt(8 * i);
      return v;
    };
    try {
      if (f[0] === 1 && end >= 14) {
        // type, magic[4], version, flags, cores, mode, timer_bits, then timer_hz (SPEC §5)
        version = f[5];
        const rate = dv.getUint32(10, true);
        if (rate > 0) hz.add(rate);
      } else if (f[0] === 2) {
        const core = u8();
        const seq = Number(leb());
        const tsBegin = le(8);
        leb(); // duration
        leb(); // events_before
        leb(); // dropped
        leb(); // overwritten
        if (version >= 2) leb(); // rejected
        const n = Number(leb());
        let off = 0n;
        for (let k = 0; k < n; k++) {
          const h = u8();
          const id = Number(leb());
          off += leb();
          const nargs = (h >> 2) & 7;
          const enc = h & 3;
          const args: bigint[] = [];
          let blob: Uint8Array | undefined;
          if (nargs === 7) {
            const len = Number(leb());
            blob = f.slice(p, p + len);
            p += len;
          } else for (let a = 0; a < nargs; a++) args.push(enc === 0 ? leb() : le(enc === 1 ? 4 : 8));
          events.add(wireKey(core, seq, tsBegin + off, h >> 5, id, args, blob));
        }
      }
    } catch {
      // a frame this simple parser cannot read contributes what it yielded so far
    }
  }
  return { events, hz };
}

/**
 * Every event the decoder emits for a mutated stream is one the original stream carries,
 * with a time derived from the timer rate of one of its headers; an event whose time differs
 * from the unmutated decode (its header was destroyed, so an older header's rate applies)
 * comes with at least one error notice telling the user a frame was lost.
 */
function checkNothingInvented(truth: { events: Set<string>; hz: Set<number> }, original: TraceRecord[], mutated: TraceRecord[]) {
  const origTime = new Map<string, bigint>();
  for (const r of original) if (r.type === 'event') origTime.set(wireKey(r.core, r.seq, r.ticks, KINDS.indexOf(r.kind), r.id, r.args, r.blob), r.tNs);
  const errors = mutated.some((r) => r.type === 'notice' && r.level === 'error');
  for (const r of mutated) {
    if (r.type !== 'event') continue;
    const k = wireKey(r.core, r.seq, r.ticks, KINDS.indexOf(r.kind), r.id, r.args, r.blob);
    expect(truth.events.has(k), `invented event ${k}`).toBe(true);
    expect([...truth.hz].some((hz) => (r.ticks * 1_000_000_000n) / BigInt(hz) === r.tNs), `t_ns ${r.tNs} of ${k} fits no header rate`).toBe(true);
    if (origTime.get(k) !== r.tNs) expect(errors, `event ${k} re-timed without an error notice`).toBe(true);
  }
}

/**
 * The tests of a describe block with the WebAssembly frame kernels (core/frame-kernel.ts) on or
 * off, so that every property holds on both paths; checks that the setting took.
 */
function kernelMode(on: boolean): void {
  let was = true;
  beforeAll(() => {
    was = useFrameKernels(on);
    expect(new FrameSplitter({ frame: () => undefined, bad: () => undefined }).kernel !== null).toBe(on);
  });
  afterAll(() => {
    useFrameKernels(was);
  });
}
const MODES = [true, false].map((on) => ({ on, name: on ? 'WebAssembly kernel' : 'JavaScript' }));

for (const mode of MODES) describe(`decoder properties (${mode.name})`, () => {
  kernelMode(mode.on);
  it('random bytes never throw, and buffering stays bounded', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 4 }), (b, sizes) => {
        const r = run(chunked(b, sizes));
        expect(r.maxBuf.mergeItems).toBeLessThanOrEqual(64 + 4096);
        expect(r.maxBuf.heldFrames).toBeLessThanOrEqual(8);
        expect(r.maxBuf.pendingFrameBytes).toBeLessThanOrEqual(MAX_COBS);
        expect(statsToJson(r.stats).identity).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('well-framed messages with random bodies never throw', () => {
    const header = new StreamWriter()
      .header({ boot: true, cores: 2, mode: 'discard', timerBits: 16, timerHz: 1000, packetSize: 64, packets: 2, ts: 0, session: 1 })
      .bytes();
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(
          fc.record({
            type: fc.oneof(fc.constantFrom(1, 2, 2, 2, 3, 0x10, 0x14), fc.nat(255)),
            body: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constant(new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1]))),
          }),
          { maxLength: 40 },
        ),
        (withHeader, msgs) => {
          const w = new StreamWriter();
          if (withHeader) w.raw(header);
          for (const m of msgs) w.message(Uint8Array.from([m.type, ...m.body]));
          const r = run([w.bytes()]);
          expect(statsToJson(r.stats).identity).toBe(true);
          for (const rec of r.recs) expect(typeof JSON.stringify(recordToJson(rec))).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('mutated valid streams never throw and never invent an event', () => {
    const traces = fc.sample(traceArb, { numRuns: 10, seed: 7 }).map((t) => encodeTrace(t).bytes);
    // a version-1 session, then the target restarts with version-2 firmware: losing the v2
    // BOOT header leaves v2 frames under the v1 header's layout
    const [a, b] = fc.sample(traceArb, { numRuns: 2, seed: 8 });
    const reflashed = Buffer.concat([encodeTrace(a, undefined, undefined, 1).bytes, encodeTrace(b).bytes]);
    const streams = [...vectorBins, ...traces, new Uint8Array(reflashed)];
    const truths = streams.map(wireTruth);
    // The oracle reads every version it is given: unmutated, each stream's events are all in
    // its truth (a v1-only oracle takes a v2 packet's rejected for its event count).
    streams.forEach((st, i) => {
      const recs = run([st]).recs;
      checkNothingInvented(truths[i], recs, recs);
    });
    expect(truths[streams.length - 1].events.size).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.nat(streams.length - 1), mutationsArb, (si, muts) => {
        const orig = streams[si];
        const mutated = run([mutate(orig, muts)]);
        const original = run([orig]);
        checkNothingInvented(truths[si], original.recs, mutated.recs);
        // Losing frames leaves sequence gaps, which the books explain; within one target session
        // it cannot make intact counters contradict each other. (Across a reset whose header was
        // lost it can: the new session's counters then follow the old ones. The contradictory
        // vectors are false from the start.) A failed identity is never silent.
        const oneSession = original.stats.every((c) => c.session === 0);
        if (oneSession && statsToJson(original.stats).identity) expect(statsToJson(mutated.stats).identity).toBe(true);
        for (const c of mutated.stats.filter((x) => x.contradictions.length > 0)) {
          expect(mutated.recs.some((r) => r.type === 'notice' && r.code === 'counter_mismatch' && r.core === c.core)).toBe(true);
        }
        expect(mutated.stats.filter((x) => !x.identity && x.contradictions.length === 0)).toEqual([]);
      }),
      { numRuns: MUTATION_RUNS },
    );
  });

  it('a flipped delimiter that swallows a BOOT header re-times events but invents none (CI seed 870734582)', () => {
    // Bit 0 of the 0x00 between the last packet and the BOOT header of time_64bit.bin: the two
    // frames fuse and fail their CRC, so the next session's packet is read with the older
    // header's timer rate. Its events are real; only their nanoseconds change, under an error.
    const orig = new Uint8Array(readFileSync(join(VECTORS, 'valid', 'time_64bit.bin')));
    expect(orig[88]).toBe(0);
    const mutated = run([mutate(orig, [{ at: 88, op: 'flip', v: 1 }])]);
    const original = run([orig]);
    checkNothingInvented(wireTruth(orig), original.recs, mutated.recs);
    expect(mutated.recs.some((r) => r.type === 'notice' && r.code === 'crc_mismatch')).toBe(true);
    const before = new Map(original.recs.flatMap((r) => (r.type === 'event' ? [[`${r.ticks}/${r.id}/${r.args}`, r.tNs]] : [])));
    const retimed = mutated.recs.filter((r) => r.type === 'event' && before.has(`${r.ticks}/${r.id}/${r.args}`) && before.get(`${r.ticks}/${r.id}/${r.args}`) !== r.tNs);
    expect(retimed.length).toBe(2);
  });

  it('any chunking from 1 B to 64 KiB equals one-shot decoding', () => {
    fc.assert(
      fc.property(traceArb, fc.array(fc.integer({ min: 1, max: 65536 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (t, sizes, small) => {
        const { bytes } = encodeTrace(t);
        const s = small ? sizes.map((x) => 1 + (x % 7)) : sizes;
        expect(run(chunked(bytes, s)).json).toBe(run([bytes]).json);
      }),
      { numRuns: 60 },
    );
  });

  it('encoder -> decoder keeps every event exactly, in order per core, time-sorted overall', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const { bytes, truth } = encodeTrace(t);
        const r = run([bytes], { mergeLimit: 1 << 16 });
        const evs = r.recs.filter((x) => x.type === 'event');
        for (let c = 0; c < t.cores; c++) {
          const mine = evs
            .filter((e) => e.core === c)
            .map((e) => `${e.ticks}/${['event', 'mark', 'span_begin', 'span_end', 'counter', 'isr_enter', 'isr_exit', 'log'].indexOf(e.kind)}/${e.id}/${e.args.join(',')}/${e.blob ? Buffer.from(e.blob).toString('hex') : ''}`);
          expect(mine).toEqual(truth[c].decoded);
        }
        for (let i = 1; i < evs.length; i++) {
          const a = evs[i - 1];
          const b = evs[i];
          expect(a.tNs < b.tNs || (a.tNs === b.tNs && a.core <= b.core)).toBe(true);
        }
        for (const e of evs) expect(e.tNs).toBe((e.ticks * 1_000_000_000n) / BigInt(t.hz));
        const js = statsToJson(r.stats);
        expect(js.identity).toBe(true);
        for (let c = 0; c < t.cores; c++) {
          expect(r.stats[c]).toMatchObject({ decoded: truth[c].decoded.length, dropped: truth[c].dropped, overwritten: 0, link_lost: 0 });
        }
      }),
      { numRuns: 80 },
    );
  });

  it('packets lost on the link are counted exactly as link_lost', () => {
    fc.assert(
      fc.property(traceArb, fc.func(fc.boolean()), (t, lose) => {
        const { bytes, truth } = encodeTrace(t, (i) => lose(i));
        const r = run([bytes], { objects: false });
        for (let c = 0; c < t.cores; c++) {
          expect(r.stats[c]).toMatchObject({
            decoded: truth[c].decoded.length,
            dropped: truth[c].dropped,
            link_lost: truth[c].link_lost,
            generated: truth[c].decoded.length + truth[c].dropped + truth[c].link_lost,
          });
        }
      }),
      { numRuns: 80 },
    );
  });

  it('a stream whose counters lie gives identity false, naming the core, in any chunking', () => {
    const lieArb = fc.record({
      field: fc.constantFrom('events_before' as const, 'dropped_backwards' as const, 'final_committed' as const),
      at: fc.nat(30),
      by: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(traceArb, lieArb, fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }), (t, l, sizes) => {
        // the lie must fall on a packet that has an earlier packet of its core to contradict
        // (events_before, dropped), or on a FINAL status of an existing core
        const lie: Lie = { ...l };
        let core: number;
        if (l.field === 'final_committed') {
          core = l.at % t.cores;
          lie.at = core;
        } else {
          const later = t.packets.map((p, i) => ({ p, i })).filter(({ p, i }) => t.packets.slice(0, i).some((q) => q.core === p.core));
          fc.pre(later.length > 0);
          const pick = later[l.at % later.length];
          lie.at = pick.i;
          core = pick.p.core;
        }
        const { bytes } = encodeTrace(t, () => false, lie);
        const whole = run([bytes]);
        const js = statsToJson(whole.stats);
        expect(js.identity).toBe(false);
        const bad = whole.stats.filter((s) => !s.identity);
        expect(bad.map((s) => s.core)).toContain(core);
        expect(bad.every((s) => s.contradictions.length > 0)).toBe(true);
        expect(
          whole.recs.some((r) => r.type === 'notice' && r.code === 'counter_mismatch' && r.core === core && r.message.startsWith(`core ${core}: `)),
        ).toBe(true);
        expect(run(chunked(bytes, sizes)).json).toBe(whole.json);
      }),
      { numRuns: 150 },
    );
  });

  it('the counting fast path gives the same accounting as full decoding', () => {
    fc.assert(
      fc.property(traceArb, (t) => {
        const { bytes } = encodeTrace(t, (i) => i % 3 === 1);
        const a = run([bytes]);
        const b = run([bytes], { objects: false });
        expect(b.stats).toEqual(a.stats);
        expect(b.recs.filter((x) => x.type !== 'event')).toEqual(a.recs.filter((x) => x.type !== 'event'));
        expect(b.recs.some((x) => x.type === 'event')).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});

for (const mode of MODES) describe(`scanned stretches (core/frame-scan.ts, the stats path on two cores; ${mode.name})`, () => {
  kernelMode(mode.on);
  /**
   * bytes cut into stretches that end at a delimiter after each cut point, each scanned by its
   * own scanner (as by any of several workers) and handed to pushScanned; the undelimited tail
   * goes to push(), as io/scan-pool.ts does. objects: false, the path stats takes.
   */
  function runScanned(bytes: Uint8Array, cuts: number[], opts?: DecoderOptions) {
    const recs: TraceRecord[] = [];
    const d = new TraceDecoder((r) => recs.push(r), { holdLimit: 8, mergeLimit: 64, objects: false, ...opts });
    const scanners = [new FrameScanner(), new FrameScanner()];
    let p = 0;
    let k = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      if (cut < p) continue;
      const z = bytes.indexOf(0, cut);
      if (z < 0) break;
      const stretch = bytes.slice(p, z + 1);
      d.pushScanned(stretch, scanners[k++ % 2].scan(stretch, newScanResult()));
      p = z + 1;
    }
    d.push(bytes.subarray(p));
    d.end();
    return JSON.stringify([recs.map(recordToJson), statsToJson(d.stats())]);
  }
  const direct = (bytes: Uint8Array, opts?: DecoderOptions) => run([bytes], { objects: false, ...opts }).json;
  const cutsArb = fc.array(fc.nat(), { maxLength: 12 });

  it('any split of every vector gives what push() gives', () => {
    for (const bin of vectorBins) {
      fc.assert(fc.property(fc.array(fc.nat(bin.length), { maxLength: 8 }), (cuts) => {
        expect(runScanned(bin, cuts)).toBe(direct(bin));
      }), { numRuns: 30 });
    }
  });

  it('any split of random traces, with link loss, lies and damage, gives what push() gives', () => {
    fc.assert(
      fc.property(traceArb, cutsArb, mutationsArb, fc.boolean(), fc.constantFrom(1, 2), (t, cuts, muts, damage, version) => {
        const { bytes: clean } = encodeTrace(t, (i) => i % 4 === 2, undefined, version);
        const bytes = damage ? mutate(clean, muts) : clean;
        const at = cuts.map((c) => c % (bytes.length + 1));
        expect(runScanned(bytes, at)).toBe(direct(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('two streams back to back (a reset between sessions) and random bytes split anywhere', () => {
    fc.assert(
      fc.property(traceArb, traceArb, fc.uint8Array({ maxLength: 300 }), cutsArb, (a, b, junk, cuts) => {
        const bytes = Uint8Array.from([...encodeTrace(a).bytes, ...junk, ...encodeTrace(b).bytes, ...junk]);
        const at = cuts.map((c) => c % (bytes.length + 1));
        expect(runScanned(bytes, at)).toBe(direct(bytes));
        expect(runScanned(junk, at)).toBe(direct(junk));
      }),
      { numRuns: 150 },
    );
  });

  it('a scan books the packets it proved; packets of another wire version are left to the decoder', () => {
    const t = { cores: 1, hz: 1_000_000, origin: 0, packets: [{ core: 0, gap: 5, droppedBefore: 0, events: [{ kind: 0, id: 1, dt: 3, args: [7] }] }] };
    for (const version of [1, 2]) {
      const { bytes } = encodeTrace(t as Trace, undefined, undefined, version);
      const scan = new FrameScanner().scan(bytes, newScanResult());
      // one PACKET in a v2 scan; a v1 packet's head read as v2 leaves bytes over, or not: either way the decoder decides
      if (version === 2) expect(scan.count).toBe(1);
      expect(runScanned(bytes, [0, bytes.length >> 1])).toBe(direct(bytes));
    }
  });
});

describe('the WebAssembly kernel and the JavaScript paths agree', () => {
  it('on damaged traces and random bytes, counting and full decoding alike', () => {
    fc.assert(
      fc.property(traceArb, mutationsArb, fc.uint8Array({ maxLength: 200 }), fc.boolean(), (t, muts, junk, objects) => {
        const bytes = Uint8Array.from([...mutate(encodeTrace(t).bytes, muts), ...junk]);
        const was = useFrameKernels(true);
        try {
          const withKernel = run([bytes], { objects }).json;
          useFrameKernels(false);
          expect(run([bytes], { objects }).json).toBe(withKernel);
        } finally {
          useFrameKernels(was);
        }
      }),
      { numRuns: 200 },
    );
  });
});
