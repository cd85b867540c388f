// Build profiles (PORTING.md 1.5): make's PROFILE knob on every cross board, read from make's
// dry run (nothing is compiled here; run-all.sh builds every board in both profiles).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/helpers.js';

const boards = execFileSync('make', ['-s', 'boards'], { cwd: ROOT, encoding: 'utf8' }).trim().split(/\s+/).filter((b) => b !== 'host');
// apps that need overwrite mode or a dump, which the tiny profile does not have
const FULL_ONLY = ['flight_recorder', 'stress_overwrite', 'multicore_overwrite', 'bench_wire_kinds'];

/** The ELFs and compile commands make would run for a board in a profile, into a fresh folder. */
function dryRun(board: string, profile?: string, extra: string[] = []): { elfs: string[]; cc: string[] } {
  const build = mkdtempSync(join(tmpdir(), 'tp-profile-'));
  const args = ['-n', '-s', `BOARD=${board}`, `BUILD=${build}`, ...(profile ? [`PROFILE=${profile}`] : []), ...extra];
  let out: string;
  try {
    out = execFileSync('make', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  const elfs = [...out.matchAll(/-o \S+\/([\w-]+)\.elf\b/g)].map((m) => m[1]).sort();
  const cc = out.split('\n').filter((l) => / -c firmware\/src\/\S+\.c /.test(l));
  return { elfs, cc };
}

/** The board's cores (board.json): the tiny profile is one channel, for one-core boards only. */
const cores = (board: string): number => JSON.parse(readFileSync(join(ROOT, 'boards', board, 'board.json'), 'utf8')).cores;

describe('make PROFILE=', () => {
  for (const board of boards.filter((b) => cores(b) > 1)) {
    it(`${board}: tiny fails in one line (a multi-core board), full builds`, () => {
      expect(dryRun(board).elfs.length).toBeGreaterThan(0);
      const r = spawnSync('make', ['-n', '-s', `BOARD=${board}`, 'PROFILE=tiny'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`PROFILE=tiny is for one-core boards: ${board} has ${cores(board)} cores`))]);
    });
  }
  for (const board of boards.filter((b) => cores(b) === 1)) {
    it(`${board}: tiny builds every app but the full-only ones, with TP_PROFILE_TINY=1, from its own core; full is the default`, () => {
      const full = dryRun(board);
      const tiny = dryRun(board, 'tiny');
      expect(full.elfs.length).toBeGreaterThan(0);
      expect(tiny.elfs).toEqual(full.elfs.filter((a) => !FULL_ONLY.includes(a)));
      expect(tiny.elfs).toEqual(expect.arrayContaining(['e2e_clean', 'e2e_overload', 'bench_wire_small']));
      expect(tiny.cc.length).toBeGreaterThan(0);
      for (const l of tiny.cc) expect(l).toContain('-DTP_PROFILE_TINY=1');
      for (const l of full.cc) expect(l).not.toContain('TP_PROFILE_TINY');
      // the tiny core (firmware/src/tiny/) instead of the full ring, drain and framer
      const srcs = (cc: string[]) => cc.map((l) => / -c (firmware\/src\/\S+\.c) /.exec(l)?.[1]);
      expect(srcs(tiny.cc)).toEqual(expect.arrayContaining(['firmware/src/tiny/tp_tiny_ring.c', 'firmware/src/tiny/tp_tiny_link.c', 'firmware/src/tp_cmd.c']));
      for (const f of ['tp_ring.c', 'tp_drain.c', 'tp_frame.c']) expect(srcs(tiny.cc)).not.toContain(`firmware/src/${f}`);
      expect(srcs(full.cc).some((f) => f?.includes('/tiny/'))).toBe(false);
      expect(dryRun(board, 'full')).toEqual({ elfs: full.elfs, cc: expect.any(Array) });
    });
  }

  it('the CRC table: 16 entries for OPT=-Os on ARMv6-M, in both profiles; 256 (the default) elsewhere; CRC_TABLE= overrides', () => {
    const table = (board: string, profile: string, extra: string[]) => {
      const { cc } = dryRun(board, profile, extra);
      expect(cc.length).toBeGreaterThan(0);
      const set = new Set(cc.map((l) => /-DTP_CRC_TABLE=(\d+)/.exec(l)?.[1] ?? 'default'));
      expect(set.size).toBe(1);
      return [...set][0];
    };
    for (const profile of ['full', 'tiny']) {
      expect(table('microbit', profile, ['OPT=-Os'])).toBe('16');
      expect(table('microbit', profile, ['OPT=-O2'])).toBe('default');
      expect(table('qemu-mps2-an385', profile, ['OPT=-Os'])).toBe('default');
    }
    expect(table('microbit', 'full', ['OPT=-Os', 'CRC_TABLE=256'])).toBe('256');
  });

  it("a driver's tiny/X.c replaces its X.c in the tiny profile only (the polled transmitters, PORTING.md 1.5)", () => {
    const drivers = (board: string, profile: string) => {
      const build = mkdtempSync(join(tmpdir(), 'tp-profile-'));
      try {
        const out = execFileSync('make', ['-n', '-s', `BOARD=${board}`, `BUILD=${build}`, `PROFILE=${profile}`], { cwd: ROOT, encoding: 'utf8' });
        return [...new Set([...out.matchAll(/ -c (firmware\/drivers\/\S+\.c) /g)].map((m) => m[1]))].sort();
      } finally {
        rmSync(build, { recursive: true, force: true });
      }
    };
    const nrf = 'firmware/drivers/nrf51_uart/';
    expect(drivers('microbit', 'tiny')).toEqual(expect.arrayContaining([`${nrf}tiny/nrf51_uart.c`, `${nrf}nrf51_uart_link.c`]));
    expect(drivers('microbit', 'tiny')).not.toContain(`${nrf}nrf51_uart.c`);
    expect(drivers('microbit', 'full')).toEqual(expect.arrayContaining([`${nrf}nrf51_uart.c`, `${nrf}nrf51_uart_link.c`]));
    const cmsdk = 'firmware/drivers/cmsdk_uart/';
    expect(drivers('qemu-mps2-an385', 'tiny')).toEqual(expect.arrayContaining([`${cmsdk}tiny/cmsdk_uart.c`, `${cmsdk}cmsdk_uart_link.c`]));
    expect(drivers('qemu-mps2-an385', 'tiny')).not.toContain(`${cmsdk}cmsdk_uart.c`);
    for (const board of boards) expect(drivers(board, 'full').filter((f) => f.includes('/tiny/'))).toEqual([]);
  });

  it('LTO (PORTING.md 1.5): the tiny profile at -Os gives the tracer\'s objects, and only those, to link-time optimisation; LTO=0, -O2 and the full profile none', () => {
    /** Per source make would compile: whether with -flto; and whether the links are LTO links. */
    const lto = (board: string, profile: string, extra: string[]) => {
      const build = mkdtempSync(join(tmpdir(), 'tp-profile-'));
      try {
        const out = execFileSync('make', ['-n', '-s', `BOARD=${board}`, `BUILD=${build}`, `PROFILE=${profile}`, ...extra], { cwd: ROOT, encoding: 'utf8' });
        const lines = out.split('\n');
        const cc = new Map(lines.filter((l) => / -c \S+\.c /.test(l)).map((l) => [/ -c (\S+\.c) /.exec(l)![1], / -flto\b/.test(l)]));
        const links = lines.filter((l) => / -o \S+\.elf\b/.test(l));
        expect(links.length).toBeGreaterThan(0);
        return { cc, links: new Set(links.map((l) => / -flto\b/.test(l))) };
      } finally {
        rmSync(build, { recursive: true, force: true });
      }
    };
    const tracer = (src: string) => /^firmware\/(src|arch|drivers)\//.test(src) || /^boards\/[^/]+\/port\.c$/.test(src);
    for (const board of ['microbit', 'qemu-mps2-an385']) {
      const on = lto(board, 'tiny', ['OPT=-Os']);
      expect([...on.links]).toEqual([true]);
      expect([...on.cc.keys()].some((src) => src.startsWith('apps/'))).toBe(true);
      for (const [src, flto] of on.cc) expect(`${src} ${flto}`).toBe(`${src} ${tracer(src)}`);
      for (const extra of [['OPT=-Os', 'LTO=0'], ['OPT=-O2']]) {
        const off = lto(board, 'tiny', extra);
        expect([...off.links, ...off.cc.values()].some((x) => x)).toBe(false);
      }
      const full = lto(board, 'full', ['OPT=-Os']);
      expect([...full.links, ...full.cc.values()].some((x) => x)).toBe(false);
    }
  });

  it('an unknown profile is one line naming the valid ones, and a failed make', () => {
    const r = spawnSync('make', ['-s', 'BOARD=microbit', 'PROFILE=small'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/PROFILE 'small' not found\. Valid profiles: full tiny/)]);
  });
});

// A build folder remembers the flags its objects were made with (boards/cross.mk, flags.txt):
// built again with other flags it recompiles, rather than link objects of the last ones.
describe('a build folder built again with other flags', () => {
  it('recompiles (the same ELF as a fresh folder), and an unchanged build recompiles nothing', () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'tp-flags-')), mkdtempSync(join(tmpdir(), 'tp-flags-'))];
    const make = (build: string, ...extra: string[]): void => {
      execFileSync('make', ['-s', '-j2', 'BOARD=microbit', `BUILD=${build}`, ...extra, `${build}/demo.elf`], { cwd: ROOT, stdio: 'ignore' });
    };
    const text = (build: string): number => Number(execFileSync('arm-none-eabi-size', [join(build, 'demo.elf')], { encoding: 'utf8' }).split('\n')[1].trim().split(/\s+/)[0]);
    try {
      const [reused, fresh] = dirs;
      make(reused);
      const o2 = text(reused);
      make(reused, 'OPT=-Os');
      make(fresh, 'OPT=-Os');
      expect(text(reused)).toBe(text(fresh));
      expect(text(reused)).not.toBe(o2);
      const obj = join(reused, 'obj', 'firmware', 'src', 'tp_ring.o');
      const before = statSync(obj).mtimeMs;
      make(reused, 'OPT=-Os');
      expect(statSync(obj).mtimeMs).toBe(before);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
