// The HEX writer must produce what `arm-none-eabi-objcopy -O ihex` produces, byte for
// byte: crafted ELFs cover every record type, the real board images cover what users flash.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseElf32 } from '../../host/src/core/elf.js';
import { elfToIhex } from '../../host/src/flash/ihex.js';
import { buildBoardElfs, buildShapes, objcopyIhex } from './fixtures.js';

function compare(elfPath: string): string {
  const ours = elfToIhex(parseElf32(readFileSync(elfPath)));
  const theirs = objcopyIhex(elfPath).toString('latin1');
  expect(ours).toBe(theirs);
  return ours;
}

describe('ELF -> Intel HEX equals objcopy', () => {
  const shapes = buildShapes();
  for (const [name, path] of Object.entries(shapes)) {
    it(`crafted ELF: ${name}`, () => {
      const hex = compare(path);
      expect(hex.endsWith(':00000001FF\r\n')).toBe(true);
    });
  }

  it('uses segment (02), linear (04) and both start records (03, 05) across the shapes', () => {
    const all = Object.values(shapes).map((p) => elfToIhex(parseElf32(readFileSync(p))));
    const types = new Set(all.flatMap((h) => h.split('\r\n').filter(Boolean).map((l) => l.slice(7, 9))));
    expect([...types].sort()).toEqual(['00', '01', '02', '03', '04', '05']);
  });

  it('matches on every app of qemu-mps2-an385, microbit and rp2040-pico', () => {
    const boards = ['qemu-mps2-an385', 'microbit', 'rp2040-pico'];
    const elfs = buildBoardElfs(boards);
    for (const b of boards) expect(elfs.some((e) => e.includes(`/${b}/`))).toBe(true);
    const differing = elfs.filter((e) => elfToIhex(parseElf32(readFileSync(e))) !== objcopyIhex(e).toString('latin1'));
    expect(differing.map((e) => basename(e))).toEqual([]);
    expect(elfs.length).toBeGreaterThan(10);
  });
});
