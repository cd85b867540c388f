// The fault oracle's own wire reader, checked against the protocol vectors' descriptions (not
// against the decoder): every valid vector's frames are read back to the values its .in.txt wrote.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameMap } from './harness.js';
import { ROOT } from '../e2e/helpers.js';

const DIR = join(ROOT, 'protocol/vectors/valid');
const num = (s: string) => Number(s);

describe('fault oracle wire reader', () => {
  const names = readdirSync(DIR).filter((f) => f.endsWith('.in.txt')).map((f) => f.slice(0, -7));
  it('reads every valid vector', () => {
    expect(names.length).toBeGreaterThan(0);
  });
  for (const name of names) {
    it(name, () => {
      const lines = readFileSync(join(DIR, `${name}.in.txt`), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
      const want: string[] = [];
      let evs = -1;
      const flush = () => {
        if (evs >= 0) want[want.length - 1] += ` n=${evs}`;
        evs = -1;
      };
      for (const l of lines) {
        const [op, ...kv] = l.split(/\s+/);
        const f = Object.fromEntries(kv.map((t) => t.split('=')));
        if (op === 'ev') {
          evs++;
          continue;
        }
        flush();
        if (op === 'packet') {
          want.push(`packet ${num(f.core)}:${num(f.seq)} eb=${num(f.events_before)} dr=${num(f.dropped)} ow=${num(f.overwritten)}`);
          evs = 0;
        } else if (op === 'status') {
          want.push(`status ${num(f.core)} final=${f.final === '1'} next=${num(f.next_seq)} c=${num(f.committed)} dr=${num(f.dropped)} ow=${num(f.overwritten)}`);
        } else if (op === 'header') {
          want.push(`header cores=${num(f.cores)} boot=${f.boot === '1'} hz=${num(f.hz)} bits=${num(f.bits)}`);
        }
      }
      flush();
      const got = frameMap(new Uint8Array(readFileSync(join(DIR, `${name}.bin`))))
        .flatMap((x) =>
          x.type === 'packet'
            ? [`packet ${x.core}:${x.seq} eb=${x.eventsBefore} dr=${x.dropped} ow=${x.overwritten} n=${x.nEvents}`]
            : x.type === 'status'
              ? [`status ${x.core} final=${x.final} next=${x.seq} c=${x.committed} dr=${x.dropped} ow=${x.overwritten}`]
              : x.type === 'header'
                ? [`header cores=${x.header!.cores} boot=${x.header!.boot} hz=${x.header!.timerHz} bits=${x.header!.timerBits}`]
                : [],
        );
      expect(got).toEqual(want);
    });
  }
});
