// Each board folder is a worked example (PORTING.md section 2). board.json is the single source
// of its facts: the host reads it, and the build generates the firmware's TP_BOARD_* constants
// from it (firmware/tools/board_header.mjs), so board.h must not state them again.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../e2e/helpers.js';
import { FLASH_METHODS } from '../../host/src/flash/flash.js';

const boards = readdirSync(join(ROOT, 'boards')).filter((b) => existsSync(join(ROOT, 'boards', b, 'board.json')));

function define(header: string, name: string): number | undefined {
  const m = new RegExp(`^#define ${name} (\\d+)u?$`, 'm').exec(header);
  return m ? Number(m[1]) : undefined;
}

describe('board folders', () => {
  it('include the four the README lists', () => {
    expect(boards).toEqual(
      expect.arrayContaining(['microbit', 'qemu-mps2-an385', 'qemu-mps2-an386', 'qemu-mps2-an521', 'rp2040-pico']),
    );
  });

  for (const b of boards) {
    it(`${b}: board.json gives the TP_BOARD_* constants, board.h repeats none, and a flash method is named`, () => {
      const dir = join(ROOT, 'boards', b);
      const json = JSON.parse(readFileSync(join(dir, 'board.json'), 'utf8')) as {
        name: string;
        cores: number;
        timer: { hz: number; bits: number };
        flash: string;
        emulator: unknown;
      };
      // board.h is the board's own, or that of the folder its board.mk reuses (BOARD_INC).
      const reused = /^BOARD_INC := (\S+)$/m.exec(readFileSync(join(dir, 'board.mk'), 'utf8'))?.[1];
      const h = readFileSync(join(existsSync(join(dir, 'board.h')) ? dir : join(ROOT, reused ?? b), 'board.h'), 'utf8');
      expect(json.name).toBe(b);
      expect(h).toContain('#include "tp_board_gen.h"');
      for (const name of ['TP_BOARD_NAME', 'TP_BOARD_CORES', 'TP_BOARD_TIMER_HZ', 'TP_BOARD_TIMER_BITS']) {
        expect(h, `${b}/board.h defines ${name}`).not.toMatch(new RegExp(`^#define ${name}\\b`, 'm'));
      }
      const gen = execFileSync('node', [join(ROOT, 'firmware/tools/board_header.mjs'), join(dir, 'board.json')], { encoding: 'utf8' });
      expect(gen).toContain(`#define TP_BOARD_NAME "${b}"`);
      expect(define(gen, 'TP_BOARD_CORES')).toBe(json.cores);
      expect(define(gen, 'TP_BOARD_TIMER_HZ')).toBe(json.timer.hz);
      expect(define(gen, 'TP_BOARD_TIMER_BITS')).toBe(json.timer.bits);
      expect(FLASH_METHODS).toContain(json.flash);
      // A board flashed by running it needs a QEMU machine to run on.
      if (json.flash === 'qemu') expect(json.emulator).toMatchObject({ kind: 'qemu', machine: expect.any(String) });
      // A board folder may reuse another's start-up and port (PORTING.md 2), but it always
      // has its build, its facts and its README.
      for (const f of ['board.mk', 'board.json', 'README.md']) {
        expect(existsSync(join(dir, f)), `${b}/${f}`).toBe(true);
      }
    });
  }

  it('the TP_BOARD_* generator refuses a board.json whose facts the core cannot use, in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-boardjson-'));
    const bad = join(dir, 'board.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', cores: 0, timer: { hz: 1000000, bits: 32 } }));
    let err = '';
    try {
      execFileSync('node', [join(ROOT, 'firmware/tools/board_header.mjs'), bad], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr?: string }).stderr);
    }
    expect(err).toMatch(/^board_header: .*cores must be an integer 1\.\.32, not 0\n$/);
  });

  it('rp2040-pico: board.mk defaults TRANSPORT to board.json\'s transport, builds its driver, and refuses one without a driver', () => {
    const json = JSON.parse(readFileSync(join(ROOT, 'boards/rp2040-pico/board.json'), 'utf8')) as { transport: string };
    const mk = readFileSync(join(ROOT, 'boards/rp2040-pico/board.mk'), 'utf8');
    expect(/^TRANSPORT \?= (\S+)$/m.exec(mk)?.[1]).toBe(json.transport);
    expect(mk).toMatch(/^DRIVERS := .*rp2040_\$\(TRANSPORT\)/m);
    expect(existsSync(join(ROOT, 'firmware/drivers', `rp2040_${json.transport}`, `rp2040_${json.transport}.h`))).toBe(true);
    // make -n: the refusal comes while reading board.mk, before anything is built.
    let err = '';
    try {
      execFileSync('make', ['-n', 'BOARD=rp2040-pico', 'TRANSPORT=nonesuch'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr?: string }).stderr);
    }
    expect(err).toMatch(/rp2040-pico: TRANSPORT=nonesuch has no driver firmware\/drivers\/rp2040_nonesuch\//);
  });
});
