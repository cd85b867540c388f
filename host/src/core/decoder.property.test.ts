// Properties of the whole decoder (issue 3 §6): hostile input never throws and stays within
// fixed memory, chunking never changes the result, and encoder -> decoder preserves every
// event and the accounting identity, with losses counted exactly.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceDecoder, type DecoderOptions } from './decoder.js';
import { StreamWriter, type U64 } from './encode.js';
import { MAX_COBS } from './frames.js';
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
          { maxLength: 12 },
        ),
      }),
      { maxLength: 25 },
    ),
  })
  .map((t) => ({ ...t, packets: t.packets.map((p) => ({ ...p, core: p.core % t.cores })) }));

type Trace = typeof traceArb extends fc.Arbitrary<infer T> ? T : never;

/** Encodes a trace; lose(i) drops packet i on the "link". Returns bytes and expected per-core truth. */
function encodeTrace(t: Trace, lose: (i: number) => boolean = () => false) {
  const w = new StreamWriter();
  const o = t.origin;
  w.header({
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
      w.beginPacket(c, seq[c], begin, committed[c], dropped[c], 0);
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
    w.status({ core: c, final: true, ts: now + 5n, nextSeq: seq[c], committed: committed[c], dropped: dropped[c], overwritten: 0 });
  }
  return { bytes: w.bytes(), truth };
}

describe('decoder properties', () => {
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
    const streams = [...vectorBins, ...traces];
    fc.assert(
      fc.property(
        fc.nat(streams.length - 1),
        fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'insert', 'delete', 'zero', 'burst'), v: fc.integer({ min: 1, max: 255 }) }), {
          minLength: 1,
          maxLength: 8,
        }),
        (si, muts) => {
          const orig = streams[si];
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
          const mutated = run([Uint8Array.from(b)]);
          const original = run([orig]);
          const key = (r: TraceRecord) => {
            const j = recordToJson(r);
            delete j.session;
            return JSON.stringify(j);
          };
          const known = new Set(original.recs.filter((r) => r.type === 'event').map(key));
          for (const r of mutated.recs) if (r.type === 'event') expect(known.has(key(r))).toBe(true);
          expect(statsToJson(mutated.stats).identity).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
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
