// The emulator command line through the built CLI and a real QEMU: board.json's emulator.args
// reach QEMU (they used to be stripped again), the emulator kind decides what runs a board, and
// a board mistake is a usage error (exit 2).
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOARD, ROOT, cli, elf, lines, requireBuilt, type CliResult } from '../e2e/helpers.js';

function oneUsageLine(r: CliResult, pattern: RegExp, code = 2): void {
  expect(r.stdout).toBe('');
  const err = lines(r.stderr);
  expect(err, r.stderr).toHaveLength(1);
  expect(err[0]).toMatch(/^tracepipe: /);
  expect(err[0]).toMatch(pattern);
  expect(r.code).toBe(code);
}

/** A checkout whose only board is BOARD with its board.json changed by edit. */
function rootWith(edit: (j: { emulator: { args: string[] } }) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'tp-emu-'));
  mkdirSync(join(root, 'firmware'));
  writeFileSync(join(root, 'package.json'), '{}\n');
  cpSync(join(ROOT, 'Makefile'), join(root, 'Makefile'));
  mkdirSync(join(root, 'boards', BOARD), { recursive: true });
  const j = JSON.parse(readFileSync(join(ROOT, 'boards', BOARD, 'board.json'), 'utf8')) as { emulator: { args: string[] } };
  edit(j);
  writeFileSync(join(root, 'boards', BOARD, 'board.json'), JSON.stringify(j));
  return root;
}

describe('emulator entry of board.json, end to end', () => {
  it('emulator.args are live: a -cpu the machine does not have makes QEMU refuse it', async () => {
    requireBuilt('e2e_clean');
    const root = rootWith((j) => {
      const i = j.emulator.args.indexOf('-cpu');
      expect(i).toBeGreaterThanOrEqual(0);
      j.emulator.args[i + 1] = 'cortex-m4';
    });
    const r = await cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', join(root, 't.tpt')], { env: { TRACEPIPE_ROOT: root } });
    expect(r.code).toBe(1);
    // QEMU names the CPU it was given; the summary and the error line agree on how it ended
    expect(r.stderr).toMatch(/^tracepipe: qemu-system-arm: .*can only be used with CPU cortex-m3/m);
    expect(lines(r.stderr).at(-1)).toMatch(/^tracepipe: QEMU exited with status 1 \(capture .* holds everything received\)$/);
    expect(r.stdout).toMatch(/stopped: QEMU exited with status 1\)/);
  });

  it('an option tracepipe sets itself in emulator.args is refused, naming the file', async () => {
    requireBuilt('e2e_clean');
    const root = rootWith((j) => j.emulator.args.push('-serial', 'stdio'));
    const r = await cli(['run', '--board', BOARD, elf('e2e_clean'), '-o', join(root, 't.tpt')], { env: { TRACEPIPE_ROOT: root } });
    oneUsageLine(r, new RegExp(`boards/${BOARD}/board.json: emulator.args must not set -serial`), 1);
  });

  it('an rp2040js board is dispatched by its kind, an unknown board is a usage error', async () => {
    requireBuilt('e2e_clean');
    // rp2040-pico is dispatched to rp2040js (test/boards/rp2040.test.ts runs it); firmware of
    // another board is refused before any emulator starts
    oneUsageLine(await cli(['run', '--board', 'rp2040-pico', elf('e2e_clean')]), new RegExp(`built for board '${BOARD}', not 'rp2040-pico'`), 1);
    oneUsageLine(await cli(['run', '--board', 'no-such-board', elf('e2e_clean')]), /unknown board 'no-such-board'\. Valid boards for run: .*qemu-mps2-an385/);
    oneUsageLine(await cli(['dump', '--board', 'no-such-board', elf('e2e_clean')]), /unknown board 'no-such-board'\. Valid boards for dump:/);
    oneUsageLine(await cli(['flash', '--board', 'no-such-board', elf('e2e_clean')]), /unknown board 'no-such-board'\. Valid boards: /);
  });

  it("without --board, run takes the board of the ELF's build/<board>/ folder", async () => {
    requireBuilt('e2e_clean');
    // an an385 ELF put in an rp2040-pico build folder: the folder's board is the one run, so the
    // rp2040js runner is the one that refuses the image (it is not a RAM image)
    const tmp = mkdtempSync(join(tmpdir(), 'tp-emu-'));
    const dir = join(tmp, 'build', 'rp2040-pico');
    mkdirSync(dir, { recursive: true });
    copyFileSync(elf('e2e_clean'), join(dir, 'e2e_clean.elf'));
    oneUsageLine(await cli(['run', join(dir, 'e2e_clean.elf'), '-o', join(tmp, 't.tpt')]), /rp2040js runner exited .*outside SRAM/, 1);
  });
});
