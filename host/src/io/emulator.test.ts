import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../errors.js';
import { emulatorFor, listEmulatedBoards, qemuBoard, qemuCommand } from './emulator.js';
import { defaultBoard, findRepoRoot, listBoards, loadBoard } from './repo.js';

const ROOT = findRepoRoot();
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A checkout with one board whose board.json is the given object (and the real Makefile). */
function fakeRoot(board: string, json: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'tp-root-'));
  roots.push(root);
  mkdirSync(join(root, 'firmware'));
  mkdirSync(join(root, 'boards', board), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{}\n');
  cpSync(join(ROOT, 'Makefile'), join(root, 'Makefile'));
  writeFileSync(join(root, 'boards', board, 'board.json'), JSON.stringify(json));
  return root;
}

function realJson(board: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'boards', board, 'board.json'), 'utf8')) as Record<string, unknown>;
}

describe('emulatorFor / qemuCommand: board.json is the only source', () => {
  it("puts every board's emulator.args on the command line, in order, after tracepipe's own options", () => {
    const qemuBoards = listEmulatedBoards(ROOT, 'qemu');
    expect(qemuBoards.length).toBeGreaterThanOrEqual(3);
    for (const name of qemuBoards) {
      const j = realJson(name).emulator as { machine: string; args: string[] };
      const e = emulatorFor(loadBoard(ROOT, name));
      expect(e).toEqual({ kind: 'qemu', machine: j.machine, args: j.args });
      const { args } = qemuCommand(e as never, '/x/app.elf', { uart: { kind: 'pty' }, extra: ['-icount', 'shift=0'] });
      expect(args.slice(0, 8)).toEqual(['-M', j.machine, '-display', 'none', '-monitor', 'none', '-serial', 'pty']);
      expect(args.slice(8, 8 + j.args.length)).toEqual(j.args);
      expect(args.slice(8 + j.args.length)).toEqual(['-icount', 'shift=0', '-kernel', '/x/app.elf']);
    }
  });

  it('semihosting and the CPU come from board.json alone: a board without them gets neither', () => {
    const root = fakeRoot('bare', { name: 'bare', emulator: { kind: 'qemu', machine: 'mps2-an385' } });
    const { args } = qemuCommand(qemuBoard(root, 'bare', 'run').emulator, 'a.elf', { uart: { kind: 'stdio' } });
    expect(args).toEqual(['-M', 'mps2-an385', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-kernel', 'a.elf']);
  });

  it('builds each UART back-end the tests and the bench use', () => {
    const e = { kind: 'qemu' as const, machine: 'm', args: [] };
    const uart = (u: Parameters<typeof qemuCommand>[2]['uart']) => qemuCommand(e, 'a.elf', { uart: u }).args.slice(6, -2);
    expect(uart({ kind: 'file', path: '/t/u.bin' })).toEqual(['-serial', 'file:/t/u.bin']);
    expect(uart({ kind: 'tcp-server', host: '127.0.0.1', port: 4000 })).toEqual([
      '-chardev', 'socket,id=tp0,host=127.0.0.1,port=4000,server=on,wait=on', '-serial', 'chardev:tp0',
    ]);
  });

  it('refuses, naming the file, an option tracepipe sets itself, an unknown kind, and the old qemu key', () => {
    const own = fakeRoot('b', { name: 'b', emulator: { kind: 'qemu', machine: 'mps2-an385', args: ['-serial', 'stdio'] } });
    expect(() => emulatorFor(loadBoard(own, 'b'))).toThrow(new CliError('boards/b/board.json: emulator.args must not set -serial: tracepipe sets it for each run'));
    const kind = fakeRoot('b', { name: 'b', emulator: { kind: 'renode' } });
    expect(() => emulatorFor(loadBoard(kind, 'b'))).toThrow(/boards\/b\/board\.json: emulator kind "renode" is not one tracepipe runs \(qemu, rp2040js\)/);
    const old = fakeRoot('b', { name: 'b', qemu: { machine: 'mps2-an385' } });
    expect(() => emulatorFor(loadBoard(old, 'b'))).toThrow(/"qemu" key was replaced by "emulator"/);
    const noMachine = fakeRoot('b', { name: 'b', emulator: { kind: 'qemu' } });
    expect(() => emulatorFor(loadBoard(noMachine, 'b'))).toThrow(/emulator\.machine must name the QEMU machine/);
  });

  it('dispatches on the kind: rp2040js boards are named as such, hardware-only boards have none', () => {
    const kinds = Object.fromEntries(listBoards(ROOT).map((b) => [b, emulatorFor(loadBoard(ROOT, b))?.kind ?? null]));
    expect(Object.values(kinds)).toContain('rp2040js');
    const rp = Object.keys(kinds).find((b) => kinds[b] === 'rp2040js')!;
    expect(() => qemuBoard(ROOT, rp, 'run')).toThrow(UsageError);
    expect(() => qemuBoard(ROOT, rp, 'run')).toThrow(new RegExp(`board '${rp}' runs under rp2040js, not QEMU`));
    const hw = fakeRoot('hw', { name: 'hw', emulator: null });
    expect(() => qemuBoard(hw, 'hw', 'run')).toThrow(/board 'hw' does not run under QEMU/);
  });

  it('an unknown board is a usage error (exit 2) listing the boards valid for the command', () => {
    let err: unknown;
    try {
      qemuBoard(ROOT, 'no-such-board', 'dump');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toBe(`unknown board 'no-such-board'. Valid boards for dump: ${listEmulatedBoards(ROOT, 'qemu').join(', ')}`);
    expect(() => loadBoard(ROOT, 'no-such-board')).toThrow(UsageError);
  });

  it("the default board is the Makefile's", () => {
    const m = /^BOARD \?= (\S+)$/m.exec(readFileSync(join(ROOT, 'Makefile'), 'utf8'));
    expect(defaultBoard(ROOT)).toBe(m![1]);
    const noMake = fakeRoot('x', { name: 'x' });
    rmSync(join(noMake, 'Makefile'));
    expect(() => defaultBoard(noMake)).toThrow(/name one with --board/);
  });
});
