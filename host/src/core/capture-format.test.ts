import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CAPTURE_MAGIC,
  CAPTURE_PREAMBLE_LEN,
  CaptureEncoder,
  CaptureFormatError,
  CaptureParser,
  MAX_JSON_DEPTH,
  NO_RECORD_LIMIT,
  V2_DATA_CHUNK,
  V2_HEADER_LEN,
  encodeCaptureStart,
  encodeDataRecords,
  encodeEventRecord,
  looksLikeCapture,
  sniffCapture,
  type CaptureDamage,
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
  damage: CaptureDamage[];
  warnings: string[];
}

function parse(file: Uint8Array, chunk = file.length || 1) {
  const got: Parsed = { data: [], events: [], damage: [], warnings: [] };
  const p = new CaptureParser({
    meta: (m) => (got.meta = m),
    data: (hostNs, bytes, offset) => got.data.push({ hostNs, bytes: [...bytes], offset }),
    event: (hostNs, event) => got.events.push({ hostNs, event }),
    damage: (d) => got.damage.push(d),
    warning: (w) => got.warnings.push(w),
  });
  for (let at = 0; at < file.length; at += chunk) p.push(file.subarray(at, at + chunk));
  return { got, end: p.end() };
}

const meta: CaptureMeta = { source: 'qemu', board: 'qemu-mps2-an385', port: '/dev/pts/3', baud: 115200 };
const T = 1_700_000_000_000_000_000n;
const payloads = [Uint8Array.of(0, 6, 0x10, 1, 2, 3, 0), Uint8Array.of(0xff, 0x00), Uint8Array.of(9)];

/** The same capture in version 1 (the legacy encoders) or version 2 (CaptureEncoder). */
function sample(version: 1 | 2): Uint8Array {
  if (version === 1) {
    return concat([
      encodeCaptureStart(meta),
      encodeEventRecord(T + 1n, { kind: 'open' }),
      ...encodeDataRecords(T + 2n, payloads[0]),
      ...encodeDataRecords(T + 3n, payloads[1]),
      encodeEventRecord(T + 4n, { kind: 'disconnect', message: 'EIO' }),
      ...encodeDataRecords(T + 5n, payloads[2]),
      encodeEventRecord(T + 6n, { kind: 'end' }),
    ]);
  }
  const e = new CaptureEncoder();
  return concat([
    e.start(meta),
    e.event(T + 1n, { kind: 'open' }),
    ...e.data(T + 2n, payloads[0]),
    ...e.data(T + 3n, payloads[1]),
    e.event(T + 4n, { kind: 'disconnect', message: 'EIO' }),
    ...e.data(T + 5n, payloads[2]),
    e.event(T + 6n, { kind: 'end' }),
  ]);
}

/** A longer v2 capture: n reads of 100..2000 bytes of a counting pattern. */
function longV2(n: number): { file: Uint8Array; stream: Uint8Array; records: { at: number; len: number }[] } {
  const e = new CaptureEncoder();
  const parts = [e.start(meta)];
  const stream: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = 100 + ((i * 7919) % 1900);
    const bytes = Uint8Array.from({ length: len }, (_, k) => (stream.length + k) & 0xff);
    stream.push(...bytes);
    parts.push(...e.data(T + BigInt(i) * 1000n, bytes));
  }
  parts.push(e.event(T + 10n ** 12n, { kind: 'end' }));
  const records: { at: number; len: number }[] = [];
  let at = 0;
  for (const p of parts) {
    records.push({ at, len: p.length });
    at += p.length;
  }
  return { file: concat(parts), stream: Uint8Array.from(stream), records };
}

const metaLen = (v: 1 | 2) => (v === 1 ? 5 : V2_HEADER_LEN + 4) + new TextEncoder().encode(JSON.stringify(meta)).length;

describe.each([[1 as const], [2 as const]])('capture format version %s', (version) => {
  it('round-trips metadata, data with receive times, and events', () => {
    const file = sample(version);
    expect([...file.subarray(0, 8)]).toEqual([...CAPTURE_MAGIC]);
    expect(file[8]).toBe(version);
    const { got, end } = parse(file);
    expect(got.meta).toEqual(meta);
    expect(got.data.map((d) => d.bytes)).toEqual(payloads.map((p) => [...p]));
    expect(got.data[0].hostNs).toBe(T + 2n);
    // offsets point at the payload bytes inside the file
    for (const d of got.data) expect([...file.subarray(d.offset, d.offset + d.bytes.length)]).toEqual(d.bytes);
    expect(got.events.map((e) => e.event.kind)).toEqual(['open', 'disconnect', 'end']);
    expect(end).toMatchObject({ complete: true, problem: undefined, dataBytes: 10, version, damaged: { regions: 0, bytes: 0 } });
    expect(got.damage).toEqual([]);
    expect(got.warnings).toEqual([]);
  });

  it('any chunking gives the same records', () => {
    const file = sample(version);
    const whole = parse(file).got;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: file.length }), (chunk) => {
        expect(parse(file, chunk).got).toEqual(whole);
      }),
    );
  });

  it('a cut at every byte yields a prefix of the data and exactly one problem, no damage', () => {
    const file = sample(version);
    const allBytes = payloads.flatMap((p) => [...p]);
    for (let cut = 1; cut < file.length; cut++) {
      const { got, end } = parse(file.subarray(0, cut), 7);
      expect(end.complete, `cut ${cut}`).toBe(false);
      expect(typeof end.problem).toBe('string');
      expect(got.damage, `cut ${cut}`).toEqual([]);
      const bytes = got.data.flatMap((d) => d.bytes);
      expect(allBytes.slice(0, bytes.length)).toEqual(bytes);
    }
  });

  it('a flipped bit in the first DATA record length: v2 repairs it, v1 loses that record only; both say where', () => {
    const file = sample(version).slice();
    const first = CAPTURE_PREAMBLE_LEN + metaLen(version) + (version === 1 ? 5 + 8 + 15 : V2_HEADER_LEN + 8 + 15 + 4);
    file[first + (version === 1 ? 2 : 6)] ^= 0x10; // the length's second byte: +4096 / -4096
    const { got, end } = parse(file, 5);
    if (version === 2) {
      // the record check proves the rebuilt header: nothing is lost
      expect(got.data.map((d) => d.bytes)).toEqual(payloads.map((p) => [...p]));
      expect(got.damage).toEqual([expect.objectContaining({ offset: first, bytes: 0, reason: expect.stringMatching(/repaired/) })]);
      return;
    }
    expect(got.data.map((d) => d.bytes)).toEqual([[...payloads[1]], [...payloads[2]]]);
    expect(got.events.map((e) => e.event.kind)).toEqual(['open', 'disconnect', 'end']);
    expect(got.damage.length).toBe(1);
    expect(got.damage[0].offset).toBe(first);
    expect(got.damage[0].bytes).toBe(5 + 8 + 7);
    expect(end.complete).toBe(true);
    expect(end.damaged).toMatchObject({ regions: 1 });
  });

  it('an inserted byte anywhere loses at most one record (v2), two (v1: a damaged header can cost the DATA record before it)', () => {
    const clean = sample(version);
    const whole = parse(clean).got;
    for (let pos = CAPTURE_PREAMBLE_LEN; pos < clean.length; pos++) {
      const file = concat([clean.subarray(0, pos), Uint8Array.of(0x5a), clean.subarray(pos)]);
      const { got, end } = parse(file, 3);
      const lost = whole.data.length - got.data.length + whole.events.length - got.events.length + (got.meta ? 0 : 1);
      expect(lost, `insert at ${pos}`).toBeLessThanOrEqual(version === 2 ? 1 : 2);
      // reported once: as damage, or (v1, damage in the last record) perhaps as a cut
      expect(got.damage.length, `insert at ${pos}`).toBeLessThanOrEqual(1);
      if (version === 2) expect(got.damage.length, `insert at ${pos}`).toBe(1);
      if (got.damage.length === 0) expect(end.problem, `insert at ${pos}`).toMatch(/cut inside a record/);
      // v2 passes a DATA record with a byte inserted in its data on to the frame checks: that one
      // record is the original with the byte in it; every other delivered payload is an original
      const passedOn = got.damage[0]?.bytes === 0;
      if (passedOn) expect(got.damage[0].reason).toMatch(/DATA record is 1 byte\(s\) longer than its header says; its \d+ bytes go on to the frame checks/);
      else if (got.damage.length) expect(got.damage[0].bytes).toBeGreaterThan(0);
      const originals = whole.data.map((w) => JSON.stringify(w.bytes));
      const foreign = got.data.filter((d) => !originals.includes(JSON.stringify(d.bytes)));
      expect(foreign.length, `insert at ${pos}`).toBe(passedOn ? 1 : 0);
      if (passedOn) expect(foreign[0].bytes.length).toBe(whole.data.find((w) => w.bytes.length === foreign[0].bytes.length - 1) ? foreign[0].bytes.length : -1);
    }
  });

  it('a metadata record of deeply nested JSON is ignored with one warning', () => {
    const deep = `{"kind":"open","x":${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}}`;
    const parts = [version === 1 ? encodeCaptureStart(meta) : new CaptureEncoder().start(meta)];
    const ev = JSON.parse(deep) as CaptureEvent;
    parts.push(version === 1 ? encodeEventRecord(T, ev) : new CaptureEncoder().event(T, ev));
    const { got } = parse(concat(parts));
    expect(got.warnings).toEqual([expect.stringMatching(/EVENT record at byte \d+: JSON nested deeper than 32 levels; ignored/)]);
    expect(got.events.map((e) => e.event.kind)).toEqual(['unknown']);
  });
});

describe('capture format version 2', () => {
  it('writers split reads into records of at most V2_DATA_CHUNK bytes with consecutive stream offsets', () => {
    const e = new CaptureEncoder();
    const big = new Uint8Array(3 * V2_DATA_CHUNK + 10).fill(7);
    const recs = e.data(1n, big);
    expect(recs.length).toBe(4);
    const { got, end } = parse(concat([new CaptureEncoder().start(meta), ...recs]));
    expect(got.data.reduce((n, d) => n + d.bytes.length, 0)).toBe(big.length);
    expect(end.damaged.regions).toBe(0);
  });

  it('a burst inside one record loses exactly its stream bytes, reported with the stream offset', () => {
    const { file, stream, records } = longV2(50);
    const victim = records[20];
    const damaged = file.slice();
    for (let i = 20; i < 50; i++) damaged[victim.at + i] ^= 0xff; // header intact
    const { got } = parse(damaged, 4096);
    const victimData = victim.len - V2_HEADER_LEN - 16 - 4;
    const bytes = got.data.flatMap((d) => d.bytes);
    expect(bytes.length).toBe(stream.length - victimData);
    expect(got.damage).toEqual([
      expect.objectContaining({ offset: victim.at, bytes: victim.len, records: { DATA: 1 }, streamBytes: victimData }),
    ]);
    const s = got.damage[0].streamOffset!;
    expect([...bytes]).toEqual([...stream.subarray(0, s), ...stream.subarray(s + victimData)]);
  });

  it('a DATA record changed in place (header, stream offset and next header intact) goes on to the frame checks', () => {
    const { file, stream, records } = longV2(10);
    const victim = records[4];
    const damaged = file.slice();
    damaged[victim.at + V2_HEADER_LEN + 16 + 5] ^= 0x08; // a received byte
    damaged[victim.at + V2_HEADER_LEN + 2] ^= 0x40; // its host time
    const { got } = parse(damaged, 1000);
    const bytes = got.data.flatMap((d) => d.bytes);
    expect(bytes.length).toBe(stream.length);
    const s = got.damage[0].streamOffset!;
    expect(bytes[s + 5]).toBe(stream[s + 5] ^ 0x08);
    expect(got.damage).toEqual([expect.objectContaining({ offset: victim.at, bytes: 0, streamBytes: 0, reason: expect.stringMatching(/check failed; its \d+ bytes go on to the frame checks/) })]);
    // the damaged time is not used: the previous record's stands in
    expect(got.data[3].hostNs).toBe(got.data[2].hostNs);
  });

  it('a header changed in place is rebuilt and proven by the record check: nothing lost', () => {
    const { file, stream, records } = longV2(10);
    for (const byte of [0, 3, 4, 6, 8, 10, 12]) {
      const damaged = file.slice();
      damaged[records[5].at + byte] ^= 0x21;
      const { got } = parse(damaged, 700);
      expect(got.data.flatMap((d) => d.bytes), `header byte ${byte}`).toEqual([...stream]);
      expect(got.damage).toEqual([expect.objectContaining({ offset: records[5].at, bytes: 0, streamBytes: 0, reason: 'DATA record header damaged; repaired (the record check holds)' })]);
    }
  });

  it('a META or EVENT header changed in place is rebuilt as its own type: the payload tells it, not the record check', () => {
    // (the record check holds for any type: after hcrc the CRC register no longer depends on the
    // header; a reader that tried DATA first read the META JSON as a DATA record and lost the rest)
    const e = new CaptureEncoder();
    const parts = [e.start(meta), ...e.data(T, payloads[0]), e.event(T + 1n, { kind: 'disconnect', message: 'EIO' }), ...e.data(T + 2n, payloads[1]), e.event(T + 3n, { kind: 'end' })];
    const file = concat(parts);
    const clean = parse(file).got;
    const metaAt = CAPTURE_PREAMBLE_LEN;
    const eventAt = parts[0].length + parts[1].length;
    for (const [at, kind] of [[metaAt, 'META'], [eventAt, 'EVENT']] as const) {
      for (const byte of [0, 4, 5, 6, 9, 12]) {
        const damaged = file.slice();
        damaged[at + byte] ^= 0x10;
        const { got, end } = parse(damaged, 7);
        const where = `${kind} header byte ${byte}`;
        expect(got.damage, where).toEqual([expect.objectContaining({ offset: at, bytes: 0, streamBytes: 0, reason: `${kind} record header damaged; repaired (the record check holds)` })]);
        expect(got.meta, where).toEqual(clean.meta);
        expect(got.events, where).toEqual(clean.events);
        expect(got.data, where).toEqual(clean.data);
        expect(end.complete, where).toBe(true);
      }
    }
  });

  it('a length field damaged to a huge value is seen at once by the header check (no wait for the bytes)', () => {
    const { file, records } = longV2(5);
    const damaged = file.slice();
    damaged[records[2].at + 8] = 0x7f; // length about 2^31
    const { got } = parse(damaged);
    expect(got.damage.length).toBe(1);
    expect(got.damage[0].reason).toMatch(/header damaged; repaired/);
    expect(got.data.length).toBe(5);
  });

  it('gives up after NO_RECORD_LIMIT bytes without a valid record', () => {
    const p = new CaptureParser({});
    p.push(new CaptureEncoder().start(meta).subarray(0, CAPTURE_PREAMBLE_LEN));
    const junk = new Uint8Array(1 << 20);
    expect(() => {
      for (let i = 0; i <= NO_RECORD_LIMIT >> 20; i++) p.push(junk);
    }).toThrow(/no valid capture record in the first 16 MiB/);
  });
});

describe('capture detection', () => {
  it('detects captures by magic, including a file cut inside the magic', () => {
    expect(looksLikeCapture(sample(1))).toBe(true);
    expect(looksLikeCapture(CAPTURE_MAGIC.subarray(0, 3))).toBe(true);
    expect(looksLikeCapture(Uint8Array.of(0x06, 0x10, 0x3e))).toBe(false);
    expect(looksLikeCapture(new Uint8Array(0))).toBe(false);
    expect(sniffCapture(sample(2))).toEqual({ capture: true, version: 2 });
    expect(sniffCapture(CAPTURE_MAGIC.subarray(0, 5))).toEqual({ capture: true });
  });

  it('a magic a few bits off, followed by valid records, is a capture with a warning', () => {
    for (const version of [1, 2] as const) {
      const file = sample(version).slice();
      file[1] ^= 0x04;
      file[6] ^= 0x80;
      expect(sniffCapture(file)).toMatchObject({ capture: true, version, warning: expect.stringMatching(/magic damaged \(2 bit/) });
      const { got, end } = parse(file);
      expect(got.warnings.length).toBe(1);
      expect(got.data.length).toBe(3);
      expect(end.complete).toBe(true);
    }
  });

  it('a magic a few bits off with no record structure after it, or far off, is not a capture', () => {
    const file = sample(2).slice();
    file[0] ^= 1;
    file[CAPTURE_PREAMBLE_LEN + 2] ^= 1; // the sync
    expect(sniffCapture(file).capture).toBe(false);
    const far = sample(2).slice();
    for (let i = 0; i < 5; i++) far[i] ^= 0x11;
    expect(sniffCapture(far).capture).toBe(false);
    expect(() => parse(far)).toThrow(CaptureFormatError);
    expect(() => parse(new TextEncoder().encode('hello world, not a capture'))).toThrow(CaptureFormatError);
  });

  it('a damaged version field is outvoted by the records; an unknown version with unknown records is refused', () => {
    for (const version of [1, 2] as const) {
      const file = sample(version).slice();
      file[8] = 3;
      const { got } = parse(file);
      expect(got.warnings).toEqual([expect.stringMatching(new RegExp(`version field damaged \\(reads 3\\); its records are version ${version}`))]);
      expect(got.data.length).toBe(3);
    }
    const v9 = sample(2).slice();
    v9[8] = 9;
    v9[CAPTURE_PREAMBLE_LEN + 3] = 9; // a future version's records
    expect(() => parse(v9)).toThrow(/version 9 is not supported \(this reader knows versions 1 and 2\)/);
  });
});
