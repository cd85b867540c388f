// Builds small ARM ELFs with arm-none-eabi-gcc for the converter tests, and the real
// board images with `make`, in a scratch folder. The shapes are chosen to hit every
// branch of the HEX writer: 64 KiB crossings below 1 MiB (segment records), above 1 MiB
// (linear records), initialised data whose load address differs from its run address,
// odd sizes and odd start addresses.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..');

const SOURCE = `
const unsigned char big[70000] = {1,2,3,4,5,6,7,8,9,10, [69990] = 0x5a};
unsigned int dat[37] = {0xdeadbeef, 1, 2};
volatile unsigned char odd[3] __attribute__((section(".odd"))) = {9, 8, 7};
unsigned int zeroed[16];
int _start(void) { return big[dat[0] & 0xff] + dat[1] + odd[1] + (int)zeroed[3]; }
`;

function script(flash: string, ram: string, dataInPlace = false): string {
  return `ENTRY(_start)
MEMORY { FLASH (rx) : ORIGIN = ${flash}, LENGTH = 2M  RAM (rwx) : ORIGIN = ${ram}, LENGTH = 64K }
SECTIONS {
  .text : { *(.text*) *(.rodata*) } > FLASH
  .odd : { KEEP(*(.odd)) } > FLASH
  .data : { *(.data*) } > RAM${dataInPlace ? '' : ' AT > FLASH'}
  .bss : { *(.bss*) } > RAM
}
`;
}

/** name -> [flash origin, ram origin, .data loaded where it runs] */
export const SHAPES: Record<string, [string, string, boolean?]> = {
  low_crossing: ['0x0000FFF0', '0x20000000'],
  zero_base: ['0x00000000', '0x20000000'],
  high_crossing: ['0x1001FFF3', '0x20000000'],
  ram_only: ['0x20000000', '0x20030000'],
  segment_to_linear: ['0x000F8000', '0x20000000'],
  flash_and_ram: ['0x10000000', '0x20000000', true],
};

export function buildShapes(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'tp-flash-'));
  writeFileSync(join(dir, 'a.c'), SOURCE);
  const out: Record<string, string> = {};
  for (const [name, [flash, ram, inPlace]] of Object.entries(SHAPES)) {
    writeFileSync(join(dir, `${name}.ld`), script(flash, ram, inPlace === true));
    const elf = join(dir, `${name}.elf`);
    execFileSync('arm-none-eabi-gcc', [
      '-mcpu=cortex-m0plus', '-mthumb', '-O1', '-nostdlib', '-Wl,--build-id=sha1',
      '-T', join(dir, `${name}.ld`), join(dir, 'a.c'), '-o', elf,
    ]);
    out[name] = elf;
  }
  return out;
}

/**
 * Builds the apps of each board into a scratch folder; returns the ELF paths. `make -k`: an
 * app that does not link is the build step's failure (test/run-all.sh builds every board with
 * -Werror), not the converters'; these tests take every ELF that did link.
 */
export function buildBoardElfs(boards: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tp-flash-boards-'));
  const elfs: string[] = [];
  for (const board of boards) {
    const build = join(dir, board);
    spawnSync('make', ['-s', '-k', `BOARD=${board}`, `BUILD=${build}`], { cwd: REPO, stdio: 'ignore' });
    let files: string[] = [];
    try {
      files = readdirSync(build);
    } catch {
      files = [];
    }
    for (const f of files) if (f.endsWith('.elf')) elfs.push(join(build, f));
  }
  return elfs;
}

export function objcopyIhex(elf: string): Buffer {
  const out = elf.replace(/\.elf$/, '.objcopy.hex');
  execFileSync('arm-none-eabi-objcopy', ['-O', 'ihex', elf, out]);
  return readFileSync(out);
}
