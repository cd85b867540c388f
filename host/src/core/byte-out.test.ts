import { describe, expect, it } from 'vitest';
import { us } from '../export/chrome.js';
import { ByteOut, encodeAscii, pieceOf, put9, putPiece, putU64, putUint } from './byte-out.js';

/** `reuse`: the sink writes at once (writeNow), so ByteOut reuses its buffer */
function written(fill: (o: ByteOut) => void, size?: number, reuse = false): { text: string; writes: number } {
  const parts: Buffer[] = [];
  let closed = false;
  // a copy, as a writeNow sink's caller reuses the buffer
  const write = (d: Uint8Array) => void parts.push(Buffer.from(d));
  const close = () => void (closed = true);
  const o = new ByteOut(reuse ? { write, writeNow: write, close } : { write, close }, size);
  fill(o);
  o.close();
  expect(closed).toBe(true);
  return { text: Buffer.concat(parts).toString('utf8'), writes: parts.length };
}

describe('ByteOut', () => {
  const numbers = [0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 4294967295, 4294967296, 4294967306, 999999999, 1e9, 1e15, 999999999999999, 2 ** 53 - 1];
  it('writes integers as String() does, including the slow cases', () => {
    const odd = [-1, -4294967297, 0.5, 2 ** 53, 1e21, NaN, Infinity];
    for (const v of [...numbers, ...odd]) expect(written((o) => o.uint(v)).text).toBe(String(v));
    for (let v = 1; v < 2 ** 53; v = v * 3 + 1) expect(written((o) => o.uint(v)).text).toBe(String(v));
  });

  it('writes bigints as toString() does, u64 halves, and ns as chrome.ts us() does', () => {
    const bigs = [...numbers.map(BigInt), 2n ** 53n, 2n ** 64n - 1n, -5n, -1234567n];
    for (const v of bigs) {
      expect(written((o) => o.big(v)).text).toBe(v.toString());
      expect(written((o) => o.micros(v)).text).toBe(us(v));
      if (v >= 0n && v < 2n ** 64n) expect(written((o) => o.u64(Number(v >> 32n), Number(v & 0xffffffffn))).text).toBe(v.toString());
    }
    expect(written((o) => o.micros(1005n)).text).toBe('1.005');
    expect(written((o) => o.microsOf(7)).text).toBe('0.007');
  });

  it('writes pieces, hex and any text as UTF-8', () => {
    const bytes = new Uint8Array([0, 1, 0xab, 0xff, 0x10]);
    const s = 'plain é→😀 \ud800 and a long ASCII tail beyond the short copy';
    const { text } = written((o) => {
      o.piece(pieceOf('{"k":'));
      o.hex(bytes);
      o.text(s);
      o.text('é');
      o.bytes(encodeAscii('x'.repeat(100)));
      o.ascii('y'.repeat(40));
    });
    expect(text).toBe(`{"k":0001abff10${new TextDecoder().decode(new TextEncoder().encode(s))}é${'x'.repeat(100)}${'y'.repeat(40)}`);
  });

  it('put* write at a position and return the next one', () => {
    const buf = new Uint8Array(64);
    const view = new DataView(buf.buffer);
    let p = putPiece(view, 0, pieceOf('t='));
    p = putUint(buf, p, 2 ** 53 - 1);
    p = put9(buf, p, 42);
    expect(new TextDecoder().decode(buf.subarray(0, p))).toBe(`t=${2 ** 53 - 1}000000042`);
  });

  it.each([false, true])('keeps every byte across buffer boundaries, UTF-8 text included (buffer reused: %s)', (reuse) => {
    const pieces = ['abc', 'é→😀', 'x'.repeat(40), '', 'tail'];
    const { text, writes } = written((o) => {
      for (let i = 0; i < 200; i++) {
        o.ascii('k=');
        o.uint(i * 1_000_003);
        o.byte(44);
        o.text(pieces[i % pieces.length]);
        if (i % 7 === 0) o.flush();
      }
    }, 64, reuse);
    let want = '';
    for (let i = 0; i < 200; i++) want += `k=${i * 1_000_003},${pieces[i % pieces.length]}`;
    expect(text).toBe(want);
    expect(writes).toBeGreaterThan(10);
  });

  it('never writes again into bytes it handed over (a sink may keep them)', () => {
    const kept: Uint8Array[] = [];
    const copies: string[] = [];
    const o = new ByteOut({ write: (b) => (kept.push(b), copies.push(Buffer.from(b).toString())) }, 256);
    for (let i = 0; i < 500; i++) {
      o.ascii(`line ${i}\n`);
      if (i % 3 === 0) o.flush();
    }
    o.flush();
    expect(kept.map((b) => Buffer.from(b).toString())).toEqual(copies);
    expect(copies.join('')).toBe(Array.from({ length: 500 }, (_, i) => `line ${i}\n`).join(''));
  });
});

describe('putU64', () => {
  it('writes every u64 as BigInt does, at the edges and at random', () => {
    const buf = new Uint8Array(32);
    const cases: [number, number][] = [
      [0, 0], [0x1fffff, 0xffffffff], [0x200000, 0], [0x200000, 1], [0xffffffff, 0xffffffff], [0xffffffff, 0],
      [0x80000000, 0], [0x2540be3, 0xff], [1e9 >>> 0, 0x12345678],
    ];
    let x = 0x9e3779b9;
    const next = () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6a09e667) >>> 0));
    for (let i = 0; i < 20000; i++) cases.push([next() >>> (i % 32), next()]);
    for (const [hi, lo] of cases) {
      const n = putU64(buf, 0, hi, lo);
      expect(Buffer.from(buf.subarray(0, n)).toString('latin1')).toBe(((BigInt(hi) << 32n) | BigInt(lo)).toString());
    }
  });
});
