import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyMetadata,
  BuildIdMismatchError,
  type Conversion,
  formatOne,
  type Metadata,
  MetadataApplier,
  MetadataError,
  nameOf,
  nameTable,
  parseDescriptors,
  parseFormat,
} from './metadata.js';
import type { EventKind, TraceEvent } from './types.js';

const KINDS: EventKind[] = ['event', 'mark', 'span_begin', 'span_end', 'counter', 'isr_enter', 'isr_exit', 'log'];
const TYPE_CODES: Record<string, number> = { u8: 1, u16: 2, u32: 3, u64: 4, i8: 5, i16: 6, i32: 7, i64: 8, f32: 9, f64: 10, str: 11 };

/** A descriptor laid out as the C macros lay it out (SPEC §11.3). */
function desc(o: {
  id: number;
  kind: EventKind;
  flags?: number;
  types?: string[];
  name?: string;
  format?: string;
  fields?: string[];
  file?: string;
  line?: number;
}): number[] {
  const types = o.types ?? [];
  const strs = [o.name ?? '', o.format ?? '', ...(o.fields ?? types.map(() => '')), o.file ?? 'main.c'];
  const enc = new TextEncoder();
  const strBytes = strs.flatMap((s) => [...enc.encode(s), 0]);
  const body = [...types.map((t) => TYPE_CODES[t]), 0, ...strBytes];
  const size = (14 + body.length + 3) & ~3;
  const out = new Array<number>(size).fill(0);
  const dv = new DataView(new ArrayBuffer(14));
  dv.setUint32(0, o.id, true);
  dv.setUint32(4, o.line ?? 10, true);
  dv.setUint16(8, size, true);
  dv.setUint8(10, 1);
  dv.setUint8(11, KINDS.indexOf(o.kind));
  dv.setUint8(12, o.flags ?? 0);
  dv.setUint8(13, types.length);
  for (let i = 0; i < 14; i++) out[i] = dv.getUint8(i);
  body.forEach((b, i) => (out[14 + i] = b));
  return out;
}

function metaOf(bytes: number[], buildId = 'aa'): Metadata {
  const descriptors = parseDescriptors(Uint8Array.from(bytes));
  const byId = new Map();
  const isrByNumber = new Map();
  for (const d of descriptors) (d.fixedId ? isrByNumber : byId).set(d.id, d);
  return { buildId, descriptors, byId, isrByNumber };
}

function ev(kind: EventKind, id: number, args: (number | bigint)[], blob?: number[]): TraceEvent {
  return {
    type: 'event',
    session: 0,
    core: 0,
    seq: 0,
    ticks: 0n,
    tNs: 0n,
    kind,
    id,
    args: args.map((a) => BigInt(a)),
    blob: blob ? Uint8Array.from(blob) : undefined,
  };
}

function fmt(f: string, ...vals: (bigint | number | string)[]): string {
  const p = parseFormat(f);
  if (!p) throw new Error(`unsupported ${f}`);
  return p.conversions.map((c: Conversion, i) => c.before + formatOne(vals[i], c)).join('') + p.tail;
}

describe('printf formatting matches glibc printf output', () => {
  // Expected strings were produced by glibc printf with the same formats and values.
  it('integers, chars and strings', () => {
    expect(
      fmt(
        '[%d][%5d][%-5d|][%05d][%+d][% d][%.3d][%x][%X][%08x][%#x][%#o][%o][%u][%c][%3c][%s][%.2s][%8s][%-8s|]',
        -42n, 42n, 42n, -42n, 7n, 7n, 5n, 0xbeefn, 0xbeefn, 0xbeefn, 255n, 8n, 8n, 4000000000n, 65n, 122n, 'hi', 'hello', 'abc', 'abc',
      ),
    ).toBe('[-42][   42][42   |][-0042][+7][ 7][005][beef][BEEF][0000beef][0xff][010][10][4000000000][A][  z][hi][he][     abc][abc     |]');
  });
  it('length modifiers reinterpret at their width', () => {
    expect(fmt('[%hhu][%hhd][%hu][%hd][%d][%u][%x]', 200n, -56n, 65535n, -1n, -1n, -1n, -1n)).toBe(
      '[200][-56][65535][-1][-1][4294967295][ffffffff]',
    );
    expect(fmt('[%lld][%llu][%llx][%020lld]', -9000000000000000000n, 18446744073709551615n, 0x123456789abcdefn, -12345678901n)).toBe(
      '[-9000000000000000000][18446744073709551615][123456789abcdef][-0000000012345678901]',
    );
  });
  it('floats, rounding ties to even like glibc', () => {
    expect(
      fmt('[%f][%.2f][%8.3f][%-8.1f|][%+.1f][%e][%.3e][%E][%f][%.0f][%f][%010.2f]',
        3.14159, 2.5, -1 / 3, 1.25, 1.0, 12345.678, 0.00012, 1e100, Math.fround(1.1), 2.0, -0, -3.5),
    ).toBe('[3.141590][2.50][  -0.333][1.2     |][+1.0][1.234568e+04][1.200e-04][1.000000E+100][1.100000][2][-0.000000][-000003.50]');
  });
  it('rejects conversions the host cannot render', () => {
    expect(parseFormat('%p')).toBeNull();
    expect(parseFormat('%*d')).toBeNull();
    expect(parseFormat('%g')).toBeNull();
    expect(parseFormat('100%% done')?.tail).toBe('100% done');
  });
});

describe('descriptors and events', () => {
  const bytes = [
    ...desc({ id: 0, kind: 'log', types: ['u32', 'i32'], format: 'adc ch%u = %d mV' }),
    ...desc({ id: 1, kind: 'event', types: ['u32', 'i16'], name: 'motor_step', fields: ['position', 'current'] }),
    ...desc({ id: 2, kind: 'log', flags: 1, types: ['u64', 'str', 'f64', 'i8'], format: '%llu %s %.2f %d' }),
    ...desc({ id: 3, kind: 'span_begin', name: 'flash_write' }),
    ...desc({ id: 4, kind: 'counter', types: ['u32'], name: 'queue_depth', format: 'items', fields: ['value'] }),
    ...desc({ id: 24, kind: 'isr_enter', flags: 2, name: 'TIMER0' }),
    0, 0, 0, 0, // inter-section padding
  ];
  const meta = metaOf(bytes);

  it('parses every descriptor with its strings', () => {
    expect(meta.descriptors.map((d) => [d.id, d.kind, d.name, d.format, d.file])).toEqual([
      [0, 'log', '', 'adc ch%u = %d mV', 'main.c'],
      [1, 'event', 'motor_step', '', 'main.c'],
      [2, 'log', '', '%llu %s %.2f %d', 'main.c'],
      [3, 'span_begin', 'flash_write', '', 'main.c'],
      [4, 'counter', 'queue_depth', 'items', 'main.c'],
      [24, 'isr_enter', 'TIMER0', '', 'main.c'],
    ]);
    expect(meta.descriptors[1].fields).toEqual(['position', 'current']);
  });

  it('formats a word-layout log; signed words are zigzag', () => {
    // -35 zigzag = 69
    const out = applyMetadata(meta, ev('log', 0, [3, 69]));
    expect(out.text).toBe('adc ch3 = -35 mV');
    expect(nameOf(out)).toBe('adc ch%u = %d mV');
  });

  it('names user events and their fields', () => {
    const out = applyMetadata(meta, ev('event', 1, [1200, 69]));
    expect(out.text).toBe('motor_step position=1200 current=-35');
    expect(out.fields).toEqual({ position: 1200n, current: -35n });
  });

  it('decodes a blob log (u64 varint, string, f64 LE, i8 zigzag)', () => {
    const f = new DataView(new ArrayBuffer(8));
    f.setFloat64(0, 2.345, true);
    const blob = [0xff, 0xff, 0xff, 0xff, 0x1f, 3, 0x61, 0x62, 0x63, ...new Uint8Array(f.buffer), 9];
    const out = applyMetadata(meta, ev('log', 2, [], blob));
    expect(out.text).toBe('8589934591 abc 2.35 -5');
  });

  it('a blob that does not fit says so, and never throws', () => {
    expect(applyMetadata(meta, ev('log', 2, [], [0x80])).text).toBe('%llu %s %.2f %d <blob ends inside a varint>');
    expect(applyMetadata(meta, ev('log', 0, [1])).text).toBe('adc ch%u = %d mV <expected 2 arguments, got 1>');
    expect(applyMetadata(meta, ev('event', 1, [], [1])).text).toBe('motor_step <expected argument words, got a blob>');
  });

  it('names spans (both ends), counters with units and ISRs', () => {
    expect(applyMetadata(meta, ev('span_begin', 3, [])).name).toBe('flash_write');
    expect(applyMetadata(meta, ev('span_end', 3, [])).name).toBe('flash_write');
    const c = applyMetadata(meta, ev('counter', 4, [7]));
    expect([c.name, c.text]).toEqual(['queue_depth', '7 items']);
    expect(applyMetadata(meta, ev('isr_exit', 24, [])).name).toBe('TIMER0');
  });

  it('gives exporters a name table', () => {
    const t = nameTable(meta);
    expect(t.eventName('span_end', 3)).toBe('flash_write');
    expect(t.eventName('log', 0)).toBe('adc ch%u = %d mV');
    expect(t.eventName('isr_enter', 24)).toBe('TIMER0');
    expect(t.eventName('mark', 3)).toBeUndefined();
  });

  it('leaves events without a matching descriptor raw', () => {
    const raw = ev('mark', 3, []); // id 3 is a span, not a mark
    expect(applyMetadata(meta, raw)).toBe(raw);
    expect(nameOf(raw)).toBe('mark 3');
    expect(applyMetadata(meta, ev('event', 99, [1])).name).toBeUndefined();
  });

  it('rejects a descriptor of another version or one that overruns the section', () => {
    const d = desc({ id: 0, kind: 'mark', name: 'x' });
    d[10] = 2;
    expect(() => parseDescriptors(Uint8Array.from(d))).toThrow(MetadataError);
    const e = desc({ id: 0, kind: 'mark', name: 'x' });
    expect(() => parseDescriptors(Uint8Array.from(e.slice(0, e.length - 4)))).toThrow(/does not fit/);
  });
});

describe('build-id check', () => {
  const meta = metaOf(desc({ id: 0, kind: 'mark', name: 'm' }), 'abcd');
  const header = (buildId: string) =>
    ({ type: 'header', session: 0, offset: 0, header: { buildId } }) as never;

  it('passes a matching stream', () => {
    const warnings: string[] = [];
    const a = new MetadataApplier(meta, false, (m) => warnings.push(m));
    a.apply(header('abcd'));
    expect(a.apply(ev('mark', 0, [])).name).toBe('m');
    expect(warnings).toEqual([]);
  });
  it('rejects a mismatch with one line naming both ids', () => {
    const a = new MetadataApplier(meta, false, () => {});
    expect(() => a.apply(header('beef'))).toThrow(BuildIdMismatchError);
    try {
      a.apply(header('beef'));
    } catch (e) {
      expect((e as Error).message).toContain('abcd');
      expect((e as Error).message).toContain('beef');
      expect((e as Error).message).not.toContain('\n');
    }
  });
  it('--force decodes anyway and warns once', () => {
    const warnings: string[] = [];
    const a = new MetadataApplier(meta, true, (m) => warnings.push(m));
    a.apply(header('beef'));
    a.apply(header('beef'));
    expect(a.apply(ev('mark', 0, [])).name).toBe('m');
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/--force/);
  });
});

describe('robustness (property tests)', () => {
  const meta = metaOf([
    ...desc({ id: 0, kind: 'log', types: ['u32', 'i32', 'f32'], format: '%u %d %f' }),
    ...desc({ id: 1, kind: 'log', flags: 1, types: ['u64', 'str', 'f64', 'i8', 'f32'], format: '%llu %s %f %d %e' }),
    ...desc({ id: 2, kind: 'event', flags: 1, types: ['i64', 'str'], name: 'e', fields: ['a', 'b'] }),
  ]);

  it('applyMetadata never throws, whatever the arguments or blob', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<EventKind>('log', 'event', 'mark'),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 7 }),
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
        (kind, id, args, blob) => {
          const out = applyMetadata(meta, { ...ev(kind, id, []), args, blob });
          expect(out.id).toBe(id);
        },
      ),
    );
  });

  it('parseDescriptors on random bytes either parses or throws MetadataError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        try {
          parseDescriptors(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MetadataError);
        }
      }),
    );
  });
});
