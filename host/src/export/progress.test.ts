import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress.js';

function fakeStream(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('ProgressBar', () => {
  it('draws on a terminal and erases itself when done', () => {
    const f = fakeStream(true);
    const bar = new ProgressBar('exporting ctf', 200e6, f.stream);
    bar.update(50e6);
    expect(f.out).toHaveLength(1);
    expect(f.out[0]).toMatch(/^\rexporting ctf \[#{8}\.{22}\]  25% 50\/200 MB\x1b\[K$/);
    bar.update(60e6); // within 100 ms of the last draw: skipped
    expect(f.out).toHaveLength(1);
    bar.done();
    expect(f.out[1]).toBe('\r\x1b[K');
  });

  it('writes nothing when stderr is not a terminal', () => {
    const f = fakeStream(false);
    const bar = new ProgressBar('x', 100, f.stream);
    bar.update(50);
    bar.done();
    expect(f.out).toEqual([]);
  });
});
