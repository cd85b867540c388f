import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CAPTURE_MAGIC,
  CAPTURE_PREAMBLE_LEN,
  CaptureFormatError,
  CaptureParser,
  encodeCaptureStart,
  encodeDataRecords,
  encodeEventRecord,
  looksLikeCapture,
  type CaptureEvent,
  type CaptureMeta,
} from './capture-format.js';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

interface Parsed {
  meta?: CaptureMeta;
  data: { hostNs: bigint; bytes: number[]; offset: number }[];
  events: { hostNs: bigint; event: CaptureEvent }[];
}

function parse(file: Uint8Array, chunk = file.length || 1) {
  const got: Parsed = { data: [], events: [] };
  const p = new CaptureParser({
    meta: (m) => (got.meta = m),
    data: (hostNs, bytes, offset) => got.data.push({ hostNs, bytes: [...bytes], offset }),
    event: (hostNs, event) => got.events.push({ hostNs, event }),
  });
  for (let at = 0; at < file.length; at += chunk) p.push(file.subarray(at, at + chunk));
  return { got, end: p.end() };
}

const meta: CaptureMeta = { source: 'qemu', board: 'qemu-mps2-an385', port: '/dev/pts/3', baud: 115200 };

function sample(): Uint8Array {
  return concat([
    encodeCaptureStart(meta),
    encodeEventRecord(1n, { kind: 'open' }),
    ...encodeDataRecords(1_700_000_000_000_000_001n, Uint8Array.of(0, 6, 0x10, 1, 2, 3, 0)),
    ...encodeDataRecords(1_700_000_000_000_000_002n, Uint8Array.of(0xff, 0x00)),
    encodeEventRecord(3n, { kind: 'disconnect', message: 'EIO' }),
    ...encodeDataRecords(4n, Uint8Array.of(9)),
    encodeEventRecord(5n, { kind: 'end' }),
  ]);
}

describe('capture format', () => {
  it('round-trips metadata, data with receive times, and events', () => {
    const file = sample();
    expect([...file.subarray(0, 8)]).toEqual([...CAPTURE_MAGIC]);
    const { got, end } = parse(file);
    expect(got.meta).toEqual(meta);
    expect(got.data.map((d) => d.bytes)).toEqual([[0, 6, 0x10, 1, 2, 3, 0], [0xff, 0x00], [9]]);
    expect(got.data[0].hostNs).toBe(1_700_000_000_000_000_001n);
    // offsets point at the payload bytes inside the file
    for (const d of got.data) expect([...file.subarray(d.offset, d.offset + d.bytes.length)]).toEqual(d.bytes);
    expect(got.events.map((e) => e.event.kind)).toEqual(['open', 'disconnect', 'end']);
    expect(end.complete).toBe(true);
    expect(end.problem).toBeUndefined();
    expect(end.dataBytes).toBe(10);
  });

  it('any chunking gives the same records', () => {
    const file = sample();
    const whole = parse(file).got;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: file.length }), (chunk) => {
        expect(parse(file, chunk).got).toEqual(whole);
      }),
    );
  });

  it('a cut at every byte yields a prefix of the data and exactly one problem', () => {
    const file = sample();
    const whole = parse(file).got;
    const allBytes = whole.data.flatMap((d) => d.bytes);
    for (let cut = 1; cut < file.length; cut++) {
      const { got, end } = parse(file.subarray(0, cut), 7);
      expect(end.complete, `cut ${cut}`).toBe(false);
      expect(typeof end.problem).toBe('string');
      const bytes = got.data.flatMap((d) => d.bytes);
      expect(allBytes.slice(0, bytes.length)).toEqual(bytes);
    }
  });

  it('rejects a wrong magic and an unknown version', () => {
    expect(() => parse(new TextEncoder().encode('hello world, not a capture'))).toThrow(CaptureFormatError);
    const v2 = sample();
    v2[8] = 2;
    expect(() => parse(v2)).toThrow(/version 2/);
  });

  it('stops at an impossible record length and reports it once', () => {
    const file = sample();
    const damaged = file.slice();
    // the length field of the first record after META
    const firstRecord = CAPTURE_PREAMBLE_LEN + 5 + new TextEncoder().encode(JSON.stringify(meta)).length;
    new DataView(damaged.buffer).setUint32(firstRecord + 1, 0xfffffff0, true);
    const { got, end } = parse(damaged);
    expect(got.data).toEqual([]);
    expect(end.complete).toBe(false);
    expect(end.problem).toMatch(/damaged at byte/);
  });

  it('detects captures by magic, including a file cut inside the magic', () => {
    expect(looksLikeCapture(sample())).toBe(true);
    expect(looksLikeCapture(CAPTURE_MAGIC.subarray(0, 3))).toBe(true);
    expect(looksLikeCapture(Uint8Array.of(0x06, 0x10, 0x3e))).toBe(false);
    expect(looksLikeCapture(new Uint8Array(0))).toBe(false);
  });

  it('splits a huge data chunk into several records', () => {
    const big = new Uint8Array((1 << 24) + 10).fill(7);
    const recs = encodeDataRecords(1n, big);
    expect(recs.length).toBe(2);
    const { got } = parse(concat([encodeCaptureStart(meta), ...recs, encodeEventRecord(2n, { kind: 'end' })]));
    expect(got.data.reduce((n, d) => n + d.bytes.length, 0)).toBe(big.length);
  });
});
