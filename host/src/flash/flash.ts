// `tracepipe flash` without the command line: pick the image format from the board's
// board.json `flash` field, convert the ELF, and write the image to the board's drive (or to
// a file). QEMU boards are run by the CLI instead; see cli/commands/flash.ts.
import { readFileSync, writeFileSync, openSync, fsyncSync, closeSync, existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ElfError, parseElf32, type Elf32 } from '../core/elf.js';
import { elfToIhex } from './ihex.js';
import { elfToUf2Rp2040, Uf2Error, UF2_BLOCK_SIZE } from './uf2.js';
import { DRIVES, findDrives, type DriveKind } from './drives.js';

export type FlashMethod = 'qemu' | 'daplink-hex' | 'uf2';
export const FLASH_METHODS: FlashMethod[] = ['qemu', 'daplink-hex', 'uf2'];

export interface FlashImage {
  format: 'hex' | 'uf2';
  bytes: Uint8Array;
  /** UF2 blocks, or HEX lines */
  units: number;
}

/** The `flash` field of a board.json, checked. */
export function flashMethod(boardName: string, raw: Record<string, unknown>): FlashMethod {
  const m = raw.flash;
  if (typeof m === 'string' && (FLASH_METHODS as string[]).includes(m)) return m as FlashMethod;
  throw new Error(
    `boards/${boardName}/board.json: "flash" is ${JSON.stringify(m)}; expected one of ${FLASH_METHODS.join(', ')}`,
  );
}

/** Reads and checks the firmware ELF: it must be a linked 32-bit little-endian ARM executable. */
export function readFirmwareElf(path: string): Elf32 {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new Error(`${path} is a folder, not a firmware ELF`);
  let elf: Elf32;
  try {
    elf = parseElf32(readFileSync(path));
  } catch (err) {
    if (err instanceof ElfError) throw new Error(`${path}: ${err.message}`);
    throw err;
  }
  if (elf.type !== 2) throw new Error(`${path}: not a linked executable (ELF type ${elf.type}); flash the .elf that make builds`);
  return elf;
}

/** The image a method writes. */
export function buildImage(method: Exclude<FlashMethod, 'qemu'>, elf: Elf32, elfPath: string): FlashImage {
  if (method === 'daplink-hex') {
    const text = elfToIhex(elf);
    return { format: 'hex', bytes: Buffer.from(text, 'latin1'), units: text.split('\n').length - 1 };
  }
  try {
    const bytes = elfToUf2Rp2040(elf);
    return { format: 'uf2', bytes, units: bytes.length / UF2_BLOCK_SIZE };
  } catch (err) {
    if (err instanceof Uf2Error) throw new Error(`${elfPath}: ${err.message}; is it built for this board?`);
    throw err;
  }
}

export function driveKind(method: Exclude<FlashMethod, 'qemu'>): DriveKind {
  return method === 'daplink-hex' ? 'daplink' : 'rpi-rp2';
}

/** The one drive to copy to: the given one (checked), or the single one mounted. */
export function chooseDrive(kind: DriveKind, boardName: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const spec = DRIVES[kind];
  if (explicit !== undefined) {
    if (!existsSync(join(explicit, spec.marker))) {
      throw new Error(`${explicit} is not a ${spec.label} drive (no ${spec.marker})`);
    }
    return explicit;
  }
  const found = findDrives(kind, env);
  if (found.length === 0) {
    const how =
      kind === 'rpi-rp2'
        ? 'hold BOOTSEL while plugging the Pico in'
        : 'plug the micro:bit in over USB';
    throw new Error(
      `no ${spec.label} drive found (looked for ${spec.marker} in mounted drives): ${how}, ` +
        `or use --out <file> to write the image instead`,
    );
  }
  if (found.length > 1) {
    throw new Error(`${found.length} ${spec.label} drives are mounted (${found.join(', ')}); choose one with --drive <path>`);
  }
  return found[0];
}

/**
 * Writes the bytes and waits until the OS has handed them to the device. Returns 'detached'
 * when every byte was written but the device vanished while they were flushed: a bootloader
 * drive restarts the board (and unmounts) as soon as it has the whole image.
 */
export function writeImage(path: string, bytes: Uint8Array): 'written' | 'detached' {
  const fd = openSync(path, 'w');
  let closed = false;
  try {
    writeFileSync(fd, bytes);
    try {
      fsyncSync(fd);
      closeSync(fd);
      closed = true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EIO' || code === 'ENODEV' || code === 'ENXIO' || code === 'ENOENT') return 'detached';
      throw err;
    }
    return 'written';
  } finally {
    if (!closed) {
      try {
        closeSync(fd);
      } catch {
        // the device is gone; nothing left to release
      }
    }
  }
}

export function imageFileName(elfPath: string, format: 'hex' | 'uf2'): string {
  return basename(elfPath).replace(/\.elf$/i, '') + '.' + format;
}
