// `tracepipe flash` as a user runs it (the built CLI), with fake bootloader drives: temp
// folders holding the marker file the real drive has, found through TRACEPIPE_MOUNT_ROOTS.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseElf32 } from '../../host/src/core/elf.js';
import { elfToUf2Rp2040, parseUf2 } from '../../host/src/flash/uf2.js';
import { cli, elf, lines, requireBuilt } from '../e2e/helpers.js';
import { buildShapes, objcopyIhex } from './fixtures.js';

let shapes: Record<string, string>;

function fakeMounts(): string {
  return mkdtempSync(join(tmpdir(), 'tp-mounts-'));
}

function addDrive(root: string, label: string, marker: string, text: string): string {
  // udisks mounts at /media/<user>/<label>
  const dir = join(root, 'tester', label);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, marker), text);
  return dir;
}

const INFO_UF2 = 'UF2 Bootloader v1.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n';
const DETAILS = '# DAPLink Firmware - see https://mbed.com/daplink\nUnique ID: 9900000037024e450039600e0000004f0000000097969901\nHIC ID: 97969901\n';

/** An error is one line on stderr, `tracepipe: ...`, and a non-zero status. */
function expectOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  const l = lines(r.stderr);
  expect(l).toHaveLength(1);
  expect(l[0]).toMatch(/^tracepipe: /);
  expect(l[0]).toMatch(pattern);
}

describe('tracepipe flash', () => {
  beforeAll(() => {
    requireBuilt();
    shapes = buildShapes();
  });

  it('copies a UF2 to the RPI-RP2 drive found by INFO_UF2.TXT', async () => {
    const root = fakeMounts();
    const drive = addDrive(root, 'RPI-RP2', 'INFO_UF2.TXT', INFO_UF2);
    addDrive(root, 'USBSTICK', 'README.TXT', 'not a board');
    const r = await cli(['flash', '--board', 'rp2040-pico', shapes.ram_only], { env: { TRACEPIPE_MOUNT_ROOTS: root } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = join(drive, 'ram_only.uf2');
    expect(existsSync(written)).toBe(true);
    const uf2 = readFileSync(written);
    expect(Buffer.compare(uf2, Buffer.from(elfToUf2Rp2040(parseElf32(readFileSync(shapes.ram_only)))))).toBe(0);
    expect(parseUf2(uf2).length).toBe(uf2.length / 512);
    expect(r.stdout).toMatch(/UF2 blocks/);
  });

  it('copies Intel HEX (as objcopy writes it) to the MICROBIT drive found by DETAILS.TXT', async () => {
    const root = fakeMounts();
    const drive = addDrive(root, 'MICROBIT', 'DETAILS.TXT', DETAILS);
    const r = await cli(['flash', '--board', 'microbit', shapes.zero_base], { env: { TRACEPIPE_MOUNT_ROOTS: root } });
    expect(r.code).toBe(0);
    expect(readdirSync(drive).sort()).toEqual(['DETAILS.TXT', 'zero_base.hex']);
    expect(readFileSync(join(drive, 'zero_base.hex')).equals(objcopyIhex(shapes.zero_base))).toBe(true);
  });

  it('recognises a relabelled DAPLink drive by the content of DETAILS.TXT', async () => {
    const root = fakeMounts();
    const drive = addDrive(root, 'MY-BIT', 'DETAILS.TXT', DETAILS);
    addDrive(root, 'OTHER', 'DETAILS.TXT', 'some camera\n');
    const r = await cli(['flash', '--board', 'microbit', shapes.zero_base], { env: { TRACEPIPE_MOUNT_ROOTS: root } });
    expect(r.code).toBe(0);
    expect(existsSync(join(drive, 'zero_base.hex'))).toBe(true);
    expect(existsSync(join(root, 'tester', 'OTHER', 'zero_base.hex'))).toBe(false);
  });

  it('--out writes the image to a file and touches no drive', async () => {
    const root = fakeMounts();
    const drive = addDrive(root, 'RPI-RP2', 'INFO_UF2.TXT', INFO_UF2);
    const out = join(mkdtempSync(join(tmpdir(), 'tp-out-')), 'image.uf2');
    const r = await cli(['flash', '--board', 'rp2040-pico', shapes.ram_only, '--out', out], {
      env: { TRACEPIPE_MOUNT_ROOTS: root },
    });
    expect(r.code).toBe(0);
    expect(readFileSync(out).length % 512).toBe(0);
    expect(parseUf2(readFileSync(out)).every((b) => b.familyId === 0xe48bff56)).toBe(true);
    expect(readdirSync(drive)).toEqual(['INFO_UF2.TXT']);
    const hexOut = out.replace(/uf2$/, 'hex');
    const h = await cli(['flash', '--board', 'microbit', shapes.low_crossing, '--out', hexOut]);
    expect(h.code).toBe(0);
    expect(readFileSync(hexOut).equals(objcopyIhex(shapes.low_crossing))).toBe(true);
  });

  it('a missing drive is one clear line and a non-zero status', async () => {
    const r = await cli(['flash', '--board', 'rp2040-pico', shapes.ram_only], { env: { TRACEPIPE_MOUNT_ROOTS: fakeMounts() } });
    expectOneLineError(r, /no RPI-RP2 drive found.*BOOTSEL.*--out/);
    const m = await cli(['flash', '--board', 'microbit', shapes.zero_base], { env: { TRACEPIPE_MOUNT_ROOTS: fakeMounts() } });
    expectOneLineError(m, /no MICROBIT drive found/);
  });

  it('two drives of the kind ask for --drive', async () => {
    const root = fakeMounts();
    addDrive(root, 'RPI-RP2', 'INFO_UF2.TXT', INFO_UF2);
    mkdirSync(join(root, 'other', 'RPI-RP2'), { recursive: true });
    writeFileSync(join(root, 'other', 'RPI-RP2', 'INFO_UF2.TXT'), INFO_UF2);
    const r = await cli(['flash', '--board', 'rp2040-pico', shapes.ram_only], { env: { TRACEPIPE_MOUNT_ROOTS: root } });
    expectOneLineError(r, /2 RPI-RP2 drives are mounted.*--drive/);
    const pick = await cli(['flash', '--board', 'rp2040-pico', shapes.ram_only, '--drive', join(root, 'other', 'RPI-RP2')], {
      env: { TRACEPIPE_MOUNT_ROOTS: root },
    });
    expect(pick.code).toBe(0);
    expect(existsSync(join(root, 'other', 'RPI-RP2', 'ram_only.uf2'))).toBe(true);
  });

  it('a wrong board name lists the valid ones', async () => {
    const r = await cli(['flash', '--board', 'pico-w', shapes.ram_only]);
    expectOneLineError(r, /unknown board 'pico-w'\. Valid boards: .*rp2040-pico/);
  });

  it('a non-ARM ELF, a non-ELF and a missing file are refused', async () => {
    expectOneLineError(await cli(['flash', '--board', 'rp2040-pico', '/bin/true', '--out', '/dev/null']), /not an ARM ELF: 64-bit x86-64/);
    const txt = join(mkdtempSync(join(tmpdir(), 'tp-bad-')), 'notes.txt');
    writeFileSync(txt, 'hello');
    expectOneLineError(await cli(['flash', '--board', 'microbit', txt, '--out', '/dev/null']), /not an ELF file/);
    expectOneLineError(await cli(['flash', '--board', 'microbit', '/nonexistent/app.elf']), /no such file/);
  });

  it('an image for another memory map is refused before any drive is touched', async () => {
    const root = fakeMounts();
    const drive = addDrive(root, 'RPI-RP2', 'INFO_UF2.TXT', INFO_UF2);
    const r = await cli(['flash', '--board', 'rp2040-pico', shapes.zero_base], { env: { TRACEPIPE_MOUNT_ROOTS: root } });
    expectOneLineError(r, /outside the memory the bootrom accepts.*built for this board/);
    expect(readdirSync(drive)).toEqual(['INFO_UF2.TXT']);
  });

  it('a QEMU board is run, as `tracepipe run` would', async () => {
    requireBuilt('e2e_clean');
    const capture = join(mkdtempSync(join(tmpdir(), 'tp-flash-qemu-')), 'run.tpt');
    const r = await cli(['flash', '--board', 'qemu-mps2-an385', elf('e2e_clean'), '-o', capture], { timeoutMs: 90_000 });
    expect(r.code).toBe(0);
    expect(existsSync(capture)).toBe(true);
    expect(r.stdout).toMatch(/stopped: firmware exited/);
    expect(r.stdout).toMatch(/^0\s+100000\s+100000\s+0\s+0\s+0\s/m);
    expectOneLineError(
      await cli(['flash', '--board', 'qemu-mps2-an385', elf('e2e_clean'), '--out', join(tmpdir(), 'x.hex')]),
      /runs under QEMU: there is no image to write/,
    );
  });
});
