// Each board folder is a worked example (PORTING.md section 2), so its two descriptions must
// agree: board.json (read by the host) and board.h (compiled into the firmware).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
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
    expect(boards).toEqual(expect.arrayContaining(['microbit', 'qemu-mps2-an385', 'qemu-mps2-an521', 'rp2040-pico']));
  });

  for (const b of boards) {
    it(`${b}: board.json agrees with board.h and names a flash method`, () => {
      const dir = join(ROOT, 'boards', b);
      const json = JSON.parse(readFileSync(join(dir, 'board.json'), 'utf8')) as {
        name: string;
        cores: number;
        timer: { hz: number; bits: number };
        flash: string;
        emulator: unknown;
      };
      const h = readFileSync(join(dir, 'board.h'), 'utf8');
      expect(json.name).toBe(b);
      expect(h).toContain(`#define TP_BOARD_NAME "${b}"`);
      expect(define(h, 'TP_BOARD_CORES')).toBe(json.cores);
      expect(define(h, 'TP_BOARD_TIMER_HZ')).toBe(json.timer.hz);
      expect(define(h, 'TP_BOARD_TIMER_BITS')).toBe(json.timer.bits);
      expect(FLASH_METHODS).toContain(json.flash);
      // A board flashed by running it needs a QEMU machine to run on.
      if (json.flash === 'qemu') expect(json.emulator).toMatchObject({ kind: 'qemu', machine: expect.any(String) });
      for (const f of ['board.mk', 'tp_port_impl.h', 'port.c', 'app_board.c', 'startup.c']) {
        expect(existsSync(join(dir, f)), `${b}/${f}`).toBe(true);
      }
    });
  }
});
