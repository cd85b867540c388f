import { describe, expect, it } from 'vitest';
import { us } from './chrome.js';
import { OutBuffer } from './out-buffer.js';
import { MemorySink } from './sinks.js';

/** `reuse`: the sink writes at once (writeNow), so OutBuffer reuses its buffer */
function written(fill: (o: OutBuffer) => void, size?: number, reuse = false): { text: string; writes: number } {
  const sink = new MemorySink();
  let writes = 0;
  const write = (d: string | Uint8Array) => (writes++, sink.write(d));
  const counting = reuse ? { write, writeNow: write, close: () => sink.close() } : { write, close: () => sink.close() };
  const o = new OutBuffer(counting, size);
  fill(o);
  o.close();
  expect(sink.closed).toBe(true);
  return { text: sink.text(), writes };
}

describe('OutBuffer', () => {
  const numbers = [0, 1, 9, 10, 99, 100, 4294967295, 4294967296, 4294967306, 1e15, 999999999999999, 2 ** 53 - 1];
  it('writes integers as String() does, including the slow cases', () => {
    const odd = [-1, -4294967297, 0.5, 2 ** 53, 1e21, NaN, Infinity];
    for (const v of [...numbers, ...odd]) expect(written((o) => o.uint(v)).text).toBe(String(v));
  });

  it('writes bigints as toString() does, and ns as chrome.ts us() does', () => {
    const bigs = [...numbers.map(BigInt), 2n ** 53n, 2n ** 64n - 1n, -5n, -1234567n];
    for (const v of bigs) {
      expect(written((o) => o.big(v)).text).toBe(v.toString());
      expect(written((o) => o.micros(v)).text).toBe(us(v));
    }
    expect(written((o) => o.micros(1005n)).text).toBe('1.005');
  });

  it.each([false, true])('keeps every byte across buffer boundaries, UTF-8 text included (buffer reused: %s)', (reuse) => {
    const pieces = ['abc', 'é→😀', 'x'.repeat(40), '', 'tail'];
    const { text, writes } = written((o) => {
      for (let i = 0; i < 200; i++) {
        o.ascii('k=');
        o.uint(i * 1_000_003);
        o.byte(44);
        o.text(pieces[i % pieces.length]);
      }
    }, 64, reuse);
    let want = '';
    for (let i = 0; i < 200; i++) want += `k=${i * 1_000_003},${pieces[i % pieces.length]}`;
    expect(text).toBe(want);
    expect(writes).toBeGreaterThan(10);
  });
});
