// The accounting's fast paths against the general code they stand in for (issue 11): the
// splitter's whole-frame decode (JavaScript's and the kernel's) against its byte-group path, the event counter (JavaScript's
// and the WebAssembly kernel's, core/frame-kernel.ts) against the batch-filling parser, the
// word CRC against the byte CRC. Hostile bytes included: each fast
// path must accept exactly what the general one accepts, with the same result.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBatch } from './batch.js';
import { cobsEncode } from './cobs.js';
import { crc32c, crc32cWords } from './crc32c.js';
import { newFrameKernel, useFrameKernels } from './frame-kernel.js';
import { FrameSplitter, MAX_COBS } from './frames.js';
import { parseEvents, parseEventsChecked } from './messages.js';
import { Cursor, WireError } from './varint.js';

type Split = (string | number)[];

function split(chunks: Uint8Array[]): Split {
  const out: Split = [];
  const s = new FrameSplitter({
    frame: (buf, len, start, resume) => out.push('frame', Array.from(buf.subarray(0, len)).join(','), start, resume),
    bad: (code, start, resume, detail) => out.push(code, start, resume, detail),
  });
  for (const c of chunks) s.push(c);
  out.push('pending', s.pendingStart(), s.offset);
  return out;
}

/** Bytes rich in what COBS cares about: 0x00, 0xFF codes, long groups. */
const cobsish = fc.array(
  fc.oneof(
    fc.constantFrom(0, 0xff, 1, 2, 0xfe),
    fc.integer({ min: 0, max: 255 }),
    // a whole valid frame, some with groups of 254 bytes (code 0xFF)
    fc.uint8Array({ minLength: 0, maxLength: 600 }).map((b) => [...cobsEncode(b), 0]),
    fc.integer({ min: 250, max: 600 }).map((n) => [...cobsEncode(new Uint8Array(n).fill(7)), 0]),
  ),
  { maxLength: 200 },
).map((parts) => Uint8Array.from(parts.flat()));

describe('fast paths equal the general ones', () => {
  it('whole-frame COBS decoding gives the frames and errors that byte-by-byte chunks give', () => {
    fc.assert(
      fc.property(cobsish, (bytes) => {
        const oneByte = Array.from(bytes, (b) => Uint8Array.of(b));
        const whole = split([bytes]);
        expect(whole).toEqual(split(oneByte));
        // a Buffer (what the CLI reads) goes the same way as a plain Uint8Array
        expect(split([Buffer.from(bytes)])).toEqual(whole);
        // the JavaScript whole-frame decode (no kernel) the same as the kernel's
        const was = useFrameKernels(false);
        try {
          expect(new FrameSplitter({ frame: () => undefined, bad: () => undefined }).kernel).toBeNull();
          expect(split([bytes])).toEqual(whole);
        } finally {
          useFrameKernels(was);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a chunk longer than the kernel\'s stage splits the same as with no kernel', () => {
    // frames across the stage's piece boundaries (64 KiB), bad frames and a long one among them
    const parts: number[] = [];
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
    for (let k = 0; parts.length < 200_000; k++) {
      const body = Uint8Array.from({ length: rnd() % 900 }, () => (rnd() % 5 === 0 ? 0 : rnd() & 0xff));
      const enc = [...cobsEncode(body), 0];
      if (k % 40 === 39) enc[rnd() % enc.length] = rnd() & 0xff;
      parts.push(...enc);
      if (k % 97 === 96) parts.push(...cobsEncode(new Uint8Array(5000).fill(1)), 0);
    }
    const bytes = Uint8Array.from(parts);
    expect(new FrameSplitter({ frame: () => undefined, bad: () => undefined }).kernel!.stage.length).toBeLessThan(bytes.length / 2);
    const withKernel = split([bytes]);
    const was = useFrameKernels(false);
    try {
      expect(withKernel).toEqual(split([bytes]));
    } finally {
      useFrameKernels(was);
    }
    expect(withKernel).toContain('frame_too_long');
    expect(withKernel).toContain('cobs_error');
  });

  it('a frame longer than the limit is refused the same in one chunk as in many', () => {
    const long = Uint8Array.from([...cobsEncode(new Uint8Array(5000).fill(3)), 0, ...cobsEncode(Uint8Array.of(9, 0, 9)), 0]);
    const got = split([long]);
    expect(got).toEqual(split(Array.from(long, (b) => Uint8Array.of(b))));
    expect(got).toContain('frame_too_long');
    expect(got).toContain('9,0,9');
  });

  /** Event bodies: mostly well-formed events, with hostile varints, reserved encodings and blobs. */
  const varint = fc.oneof(
    fc.integer({ min: 0, max: 127 }).map((v) => [v]),
    fc.integer({ min: 128, max: 2 ** 14 - 1 }).map((v) => [0x80 | (v & 0x7f), v >> 7]),
    fc.integer({ min: 128, max: 2 ** 21 }).map((v) => [0x80 | (v & 0x7f), 0x80 | ((v >> 7) & 0x7f), v >> 14]),
    fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 11 }).chain((c) => fc.integer({ min: 0, max: 0x7f }).map((t) => [...c, t])),
  );
  const event = fc.tuple(fc.integer({ min: 0, max: 255 }), varint, varint, fc.array(varint, { maxLength: 6 }), fc.uint8Array({ maxLength: 12 })).map(
    ([h, id, dt, args, fixed]) => {
      const nargs = (h >> 2) & 7;
      const body = nargs === 7 ? [fixed.length, ...fixed] : (h & 3) === 0 ? args.slice(0, nargs).flat() : [...fixed];
      return [h, ...id, ...dt, ...body];
    },
  );

  it('counting events steps over exactly the bytes the full parser reads, with the same times', () => {
    // what follows the body in its buffer: nothing, bytes that would end varints, bytes that would not
    const after = fc.oneof(fc.constant([]), fc.uint8Array({ maxLength: 12 }).map((b) => [...b]), fc.constant([0x80, 0x80, 0x80]));
    const kernel = newFrameKernel(MAX_COBS)!;
    // the kernel's frame past the bytes put there: left from an earlier frame
    const stale = fc.oneof(fc.constant(0), fc.constant(0x80), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.integer({ min: -3, max: 3 }), fc.uint8Array({ maxLength: 4 }), after, stale, (evs, dn, tail, past, junk) => {
        const body = Uint8Array.from([...evs.flat(), ...tail]);
        const n = Math.max(0, evs.length + dn);
        // bytes after the body: a parser must not read into them
        const buf = Uint8Array.from([...body, ...past]);
        kernel.frame.fill(junk, buf.length, buf.length + 64);
        kernel.frame.set(buf);
        const parse = (out: EventBatch | null, parser = parseEvents, onKernel = false) => {
          const c = new Cursor(onKernel ? kernel.frame : buf, 0, body.length);
          const span = { first: -1 as number | bigint };
          try {
            const last = parser(c, n, out, span, onKernel ? kernel : null);
            return { pos: c.pos, last, first: span.first };
          } catch (e) {
            if (!(e instanceof WireError)) throw e;
            return { error: e.code, message: e.message };
          }
        };
        const batch = () => new EventBatch(Math.max(1, n), Math.max(1, body.length));
        const checked = parse(batch(), parseEventsChecked);
        expect(parse(null)).toEqual(checked);
        expect(parse(null, parseEvents, true)).toEqual(checked);
        expect(parse(null, parseEventsChecked)).toEqual(checked);
        expect(parse(batch())).toEqual(checked);
      }),
      { numRuns: 3000 },
    );
  });

  it('the word CRC equals the byte CRC at every length', () => {
    const bytes = new Uint8Array(4104);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    const words = new Uint32Array(bytes.buffer, 0, bytes.length >> 2);
    for (let len = 0; len <= 4100; len += len < 80 ? 1 : 37) {
      const byByte = crc32c(bytes.subarray(1), 0, len); // unaligned: the byte loop
      expect(crc32cWords(new Uint32Array(bytes.buffer, 4, 1025), bytes.subarray(4), len)).toBe(crc32c(bytes, 4, 4 + len));
      expect(crc32cWords(words, bytes, len)).toBe(crc32c(bytes, 0, len));
      expect(byByte).toBe(crc32c(bytes.slice(1, 1 + len)));
    }
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
});
