// The batch API (core/batch.ts) against the object path: the same records in the same order,
// on every protocol vector and on random multi-core streams in random chunkings, and the
// columns' number views agree with their exact bigint values.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSeconds, type EventBatch } from './batch.js';
import { writeJsonEvents, writeTextEvents } from './batch-format.js';
import { ByteOut } from './byte-out.js';
import { TraceDecoder, type DecoderOptions } from './decoder.js';
import { recordToJson } from './jsonl.js';
import { jsonLine, recordToText } from './text.js';
import { StreamWriter } from './encode.js';
import type { TraceRecord } from './types.js';

const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '../../../protocol/vectors');

function chunks(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0, i = 0; p < bytes.length; i++) {
    const n = sizes.length ? sizes[i % sizes.length] : bytes.length;
    out.push(bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

function objectPath(parts: Uint8Array[], opts: DecoderOptions): TraceRecord[] {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), opts);
  for (const c of parts) d.push(c);
  d.end();
  return recs;
}

const sec = { sec: 0, frac: 0 };
const handed: Uint8Array[] = [];
const out = new ByteOut({ write: (b) => handed.push(b) }, 64);
const utf8 = new TextDecoder();
/** What the writers wrote since the last call. */
function written(): string {
  out.flush();
  const s = utf8.decode(Buffer.concat(handed));
  handed.length = 0;
  return s;
}

/** Checks the number views of event i against its bigint values. */
function checkColumns(b: EventBatch, i: number): void {
  const t = b.tNs(i);
  if (eventSeconds(b, i, sec)) expect(BigInt(sec.sec) * 1_000_000_000n + BigInt(sec.frac)).toBe(t);
  expect(Number.isInteger(b.nsOff[i]) && b.nsOff[i] >= 0 && b.nsOff[i] < 2 ** 52).toBe(true);
  expect(Number.isInteger(b.ticksOff[i]) && b.ticksOff[i] >= 0).toBe(true);
  for (let a = 0; a < b.argc(i); a++) {
    const v = b.arg(i, a);
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) expect(b.argNumber(i, a)).toBe(Number(v));
  }
  // the batch writers give the object path's lines byte for byte
  const ev = b.event(i);
  writeTextEvents(out, b, i, i + 1);
  expect(written()).toBe(`${recordToText(ev)}\n`);
  writeJsonEvents(out, b, i, i + 1);
  expect(written()).toBe(`${jsonLine(recordToJson(ev))}\n`);
}

function batchPath(parts: Uint8Array[], opts: DecoderOptions): TraceRecord[] {
  const recs: TraceRecord[] = [];
  const d = new TraceDecoder((r) => recs.push(r), {
    ...opts,
    onEvents: (b, from, to) => {
      expect(from).toBeLessThan(to);
      expect(to).toBeLessThanOrEqual(b.length);
      for (let i = from; i < to; i++) {
        checkColumns(b, i);
        recs.push(b.event(i));
      }
    },
  });
  for (const c of parts) d.push(c);
  d.end();
  return recs;
}

function same(bytes: Uint8Array, sizes: number[], opts: DecoderOptions = {}): void {
  const parts = chunks(bytes, sizes);
  const want = objectPath(parts, opts);
  expect(batchPath(parts, opts)).toEqual(want);
  // merge off: stream order, the same records either way
  expect(batchPath(parts, { ...opts, merge: false })).toEqual(objectPath(parts, { ...opts, merge: false }));
}

describe('batch path = object path', () => {
  for (const kind of ['valid', 'invalid']) {
    const dir = join(VECTORS, kind);
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.bin'))) {
      it(`${kind}/${f}`, () => {
        const bytes = new Uint8Array(readFileSync(join(dir, f)));
        same(bytes, []);
        same(bytes, [1, 7, 64], { mergeLimit: 8 });
      });
    }
  }

  // Several cores whose packets overlap in time, non-final statuses (which wait aside in the
  // merge), repeat headers (which sort at their time), resets (sessions > 0), lost packets, gaps far beyond exact
  // doubles, full-range arguments and blobs.
  const streamArb = fc.record({
    cores: fc.integer({ min: 1, max: 3 }),
    hz: fc.constantFrom(25_000_000, 32_768, 12_345_677, 1),
    tsStart: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 63n })),
    steps: fc.array(
      fc.record({
        what: fc.constantFrom('packet', 'packet', 'packet', 'packet', 'lost', 'status', 'header', 'reset'),
        core: fc.nat(2),
        gap: fc.oneof(fc.nat(2000), fc.bigInt({ min: 0n, max: 2n ** 60n })),
        events: fc.array(
          fc.record({
            kind: fc.nat(7),
            id: fc.oneof(fc.nat(100), fc.nat({ max: 0xffffffff })),
            dt: fc.oneof(fc.nat(500), fc.nat(5_000_000), fc.bigInt({ min: 0n, max: 2n ** 58n })),
            args: fc.array(fc.oneof(fc.nat(5000), fc.nat({ max: 0xffffffff }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { maxLength: 6 }),
            blob: fc.option(fc.uint8Array({ maxLength: 20 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
      }),
      { maxLength: 30 },
    ),
    sizes: fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 4 }),
    mergeLimit: fc.constantFrom(4, 64, 65536),
  });

  it('on random multi-core streams in any chunking', () => {
    fc.assert(
      fc.property(streamArb, (t) => {
        const w = new StreamWriter();
        const header = { boot: true, cores: t.cores, mode: 'discard' as const, timerBits: 32, timerHz: t.hz, packetSize: 4096, packets: 4, ts: t.tsStart, session: 3 };
        w.header(header);
        const now = Array.from({ length: t.cores }, () => t.tsStart + 10n);
        const seq = new Array<number>(t.cores).fill(0);
        const committed = new Array<number>(t.cores).fill(0);
        for (const s of t.steps) {
          const c = s.core % t.cores;
          now[c] += BigInt(s.gap);
          if (s.what === 'status') {
            w.status({ core: c, final: false, ts: now[c], nextSeq: seq[c], committed: committed[c], dropped: 0, overwritten: 0 });
            continue;
          }
          if (s.what === 'header' || s.what === 'reset') {
            // a BOOT header after data is a target reset: a new session, counters from 0
            w.header({ ...header, boot: s.what === 'reset', ts: now[c] });
            if (s.what === 'reset') {
              seq.fill(0);
              committed.fill(0);
            }
            continue;
          }
          const begin = now[c];
          const evs = s.events.map((e) => {
            now[c] += BigInt(e.dt);
            return { ...e, t: now[c] };
          });
          now[c] += 1n;
          if (s.what === 'packet') {
            w.beginPacket(c, seq[c], begin, committed[c], 0, 0);
            for (const e of evs) w.event(e.kind, e.id, e.t, e.blob ? undefined : e.args, e.blob);
            w.endPacket(now[c]);
          }
          seq[c]++;
          committed[c] += evs.length;
        }
        for (let c = 0; c < t.cores; c++) {
          w.status({ core: c, final: true, ts: now[c] + 5n, nextSeq: seq[c], committed: committed[c], dropped: 0, overwritten: 0 });
        }
        same(w.bytes(), t.sizes, { mergeLimit: t.mergeLimit });
      }),
      { numRuns: 150 },
    );
  });
});
