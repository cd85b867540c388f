// bench/target.mjs footprint(): with link-time optimisation (boards/cross.mk LTO=1, the tiny
// profile's -Os default) the map no longer names the tracer's objects, so the LTO output is
// counted whole and the breakdown comes from the ELF's symbols. Both rules must stay as strict
// as the map's: the symbol rule on a build without LTO gives the map's figure, and the LTO
// build's LTO output holds the tracer's objects and nothing else.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, footprint, symbolFootprint } from '../../bench/target.mjs';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** bench_wire_small of microbit, tiny profile, -Os, with LTO on or off; its build folder. */
function build(lto: 0 | 1): string {
  const dir = mkdtempSync(join(tmpdir(), `tp-fp-lto${lto}-`));
  dirs.push(dir);
  execFileSync('make', ['-s', '-j2', 'BOARD=microbit', 'PROFILE=tiny', 'OPT=-Os', `LTO=${lto}`, `BUILD=${dir}`, join(dir, 'bench_wire_small.elf')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return dir;
}

describe('footprint with and without LTO (microbit tiny -Os)', () => {
  it('without LTO the symbol rule agrees with the map, object by object', () => {
    const dir = build(0);
    const map = footprint('microbit', '-Os', 'bench_wire_small', dir);
    expect(map.method).toBe('map');
    const sym = symbolFootprint(join(dir, 'bench_wire_small.elf'));
    expect(Math.abs(sym.flash - map.flash)).toBeLessThanOrEqual(8);
    for (const [obj, bytes] of Object.entries(map.flashByObject)) {
      const src = obj.replace(/\.o$/, '.c');
      // a header's static functions are counted under the header, in the objects' sums under the object
      expect(Math.abs((sym.flashByFile[src] ?? 0) - bytes)).toBeLessThanOrEqual(src.startsWith('firmware/src/') ? 64 : 8);
    }
  }, 120_000);

  it('with LTO the LTO output is the tracer alone: only its objects are LTO objects, and its breakdown sums to its flash', () => {
    const dir = build(1);
    const fp = footprint('microbit', '-Os', 'bench_wire_small', dir);
    expect(fp.method).toBe('lto');
    const total = Object.values(fp.flashByObject).reduce((a, b) => a + b, 0);
    expect(total).toBe(fp.flash);
    // an app or board object given to LTO would bring its code into the LTO output: none is
    const map = readFileSync(join(dir, 'bench_wire_small.map'), 'utf8');
    for (const obj of ['apps/bench_wire_small/main.o', 'boards/microbit/startup.o', 'boards/microbit/app_board.o', 'boards/common/mem.o']) {
      expect(map).toMatch(new RegExp(`^ \\.text\\.\\S*\\s*(\\n\\s+)?0x[0-9a-f]+\\s+0x[0-9a-f]+ \\S*/obj/${obj.replace(/[.]/g, '\\.')}$`, 'm'));
    }
    // every tracer function the breakdown names is in a tracer file
    for (const k of Object.keys(fp.flashByObject)) expect(k).toMatch(/^(firmware\/(src|arch|drivers)\/|boards\/[^/]+\/port\.c$|\(lto: no source file\)$)/);
  }, 120_000);
});
