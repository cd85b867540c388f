import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, FaultModel, applyFaults, prng, type FaultKind } from './faults.js';

function input(n: number, seed = 1): Uint8Array {
  const r = prng(seed);
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = r() & 0xff;
  return a;
}

/** Rebuilds the output from the clean input and the fault list alone. */
function replay(clean: Uint8Array, faults: ReturnType<typeof applyFaults>['faults']): Uint8Array {
  const out: number[] = [];
  let i = 0;
  for (const f of faults) {
    while (i < f.pos) out.push(clean[i++]);
    expect(out.length).toBe(f.outPos);
    if (f.kind === 'insert') out.push(...f.bytes);
    else {
      out.push(...f.bytes);
      i += f.len;
    }
  }
  while (i < clean.length) out.push(clean[i++]);
  return Uint8Array.from(out);
}

describe('fault model', () => {
  const clean = input(200_000);

  it('rate 0 passes the bytes unchanged', () => {
    const { output, faults } = applyFaults(clean, { kind: 'burst', rate: 0, seed: 5 });
    expect(faults).toEqual([]);
    expect(Buffer.from(output).equals(Buffer.from(clean))).toBe(true);
  });

  for (const kind of FAULT_KINDS) {
    it(`${kind}: the fault list explains the output exactly, and the count follows the rate`, () => {
      const rate = 1e-3;
      const { output, faults } = applyFaults(clean, { kind, rate, seed: 42 });
      expect(Buffer.from(replay(clean, faults)).equals(Buffer.from(output))).toBe(true);
      // bursts cover several bytes each, so fewer of them start
      const expected = kind === 'burst' ? (clean.length * rate) / (1 + 32.5 * rate) : clean.length * rate;
      expect(Math.abs(faults.length - expected)).toBeLessThan(4 * Math.sqrt(expected) + 2);
      for (const f of faults) {
        if (kind === 'drop') expect([f.len, f.bytes.length]).toEqual([1, 0]);
        if (kind === 'insert') expect([f.len, f.bytes.length]).toEqual([0, 1]);
        if (kind === 'flip') {
          const x = clean[f.pos] ^ f.bytes[0];
          expect(x !== 0 && (x & (x - 1)) === 0).toBe(true); // exactly one bit
        }
        if (kind === 'burst') {
          expect(f.len).toBeGreaterThanOrEqual(1);
          expect(f.len).toBeLessThanOrEqual(64);
          expect(f.bytes.length).toBe(f.len);
        }
      }
      const grow = kind === 'drop' ? -faults.length : kind === 'insert' ? faults.length : 0;
      expect(output.length).toBe(clean.length + grow);
    });
  }

  it('the same seed gives the same faults whatever the chunking; another seed differs', () => {
    for (const kind of ['burst', 'insert'] as FaultKind[]) {
      const whole = applyFaults(clean, { kind, rate: 1e-2, seed: 7 });
      const m = new FaultModel({ kind, rate: 1e-2, seed: 7 });
      const parts: Uint8Array[] = [];
      const r = prng(99);
      for (let at = 0; at < clean.length; ) {
        const n = 1 + (r() % 3000);
        parts.push(m.apply(clean.subarray(at, at + n)));
        at += n;
      }
      m.end();
      expect(Buffer.from(Buffer.concat(parts)).equals(Buffer.from(whole.output))).toBe(true);
      expect(m.faults.map((f) => [f.pos, f.len, [...f.bytes]])).toEqual(whole.faults.map((f) => [f.pos, f.len, [...f.bytes]]));
      const other = applyFaults(clean, { kind, rate: 1e-2, seed: 8 });
      expect(other.faults.map((f) => f.pos)).not.toEqual(whole.faults.map((f) => f.pos));
    }
  });

  it('rejects a rate outside 0..0.5', () => {
    expect(() => new FaultModel({ kind: 'flip', rate: 2, seed: 1 })).toThrow(/outside/);
  });
});
