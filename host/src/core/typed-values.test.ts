import { describe, expect, it } from 'vitest';
import type { Descriptor } from './metadata.js';
import type { TraceEvent } from './types.js';
import { typedValues, valueJson, valueText } from './typed-values.js';

function d(o: Partial<Descriptor> & Pick<Descriptor, 'kind' | 'types'>): Descriptor {
  return { id: 1, fixedId: false, blob: false, name: 'n', format: '', fields: [], file: 'main.c', line: 1, offset: 0, conversions: null, ...o };
}
function ev(kind: TraceEvent['kind'], args: number[], blob?: number[]): TraceEvent {
  return { type: 'event', session: 0, core: 0, seq: 0, ticks: 0n, tNs: 0n, kind, id: 1, args: args.map(BigInt), blob: blob && Uint8Array.from(blob) };
}

describe('typed values (issue 14 item 2)', () => {
  it('words: zigzag signed, unsigned, f32 bits; logs named by position, events by field (arg<i> when unnamed)', () => {
    const log = d({ kind: 'log', types: ['i32', 'u32', 'f32', 'i8'] });
    // zigzag(-42) = 83, 0x40490fd0 = 3.14159f, zigzag(-56) = 111
    expect(typedValues(log, ev('log', [83, 4000000000, 0x40490fd0, 111]))).toEqual([
      { name: 'a0', type: 'i32', value: -42n },
      { name: 'a1', type: 'u32', value: 4000000000n },
      { name: 'a2', type: 'f32', value: Math.fround(3.14159) },
      { name: 'a3', type: 'i8', value: -56n },
    ]);
    const e = d({ kind: 'event', types: ['u16', 'i16'], fields: ['raw', ''] });
    expect(typedValues(e, ev('event', [4095, 9]))).toEqual([
      { name: 'raw', type: 'u16', value: 4095n },
      { name: 'arg1', type: 'i16', value: -5n },
    ]);
    expect(typedValues(d({ kind: 'counter', types: ['u32'], format: 'mV' }), ev('counter', [3300]))).toEqual([{ name: 'value', type: 'u32', value: 3300n }]);
    expect(typedValues(d({ kind: 'mark', types: [] }), ev('mark', []))).toEqual([]);
  });

  it('blob: 64-bit integers exact, f64, strings; a short blob gives the reason', () => {
    const big = d({ kind: 'log', blob: true, types: ['u64', 'i64', 'str', 'f64'] });
    // u64 max as varint, zigzag(-2) = 3, "hi", 1.5 as f64 LE
    const blob = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x03, 2, 0x68, 0x69, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f];
    expect(typedValues(big, ev('log', [], blob)).valueOf()).toEqual([
      { name: 'a0', type: 'u64', value: 18446744073709551615n },
      { name: 'a1', type: 'i64', value: -2n },
      { name: 'a2', type: 'str', value: 'hi' },
      { name: 'a3', type: 'f64', value: 1.5 },
    ]);
    expect(typedValues(big, ev('log', [], blob.slice(0, 12)))).toBe('blob ends inside a string');
    expect(typedValues(big, ev('log', [1]))).toBe('expected a blob, got 1 argument words');
  });

  it('JSON: exact integers as numbers up to 2^53 - 1 either sign, else decimal strings; f32 shortest; non-finite as strings', () => {
    expect(valueJson(9007199254740991n)).toBe(9007199254740991);
    expect(valueJson(9007199254740992n)).toBe('9007199254740992');
    expect(valueJson(-9007199254740991n)).toBe(-9007199254740991);
    expect(valueJson(-9007199254740992n)).toBe('-9007199254740992');
    expect(valueJson(Math.fround(3.14159), 'f32')).toBe(3.14159);
    expect(valueJson(Math.fround(3.14159), 'f64')).toBe(Math.fround(3.14159));
    expect([valueJson(NaN), valueJson(Infinity), valueJson(-Infinity)]).toEqual(['nan', 'inf', '-inf']);
    expect(valueJson('s')).toBe('s');
    expect(valueText('f32', Math.fround(-1 / 3))).toBe('-0.33333334');
    expect(valueText('i64', -9000000000000000000n)).toBe('-9000000000000000000');
  });
});
