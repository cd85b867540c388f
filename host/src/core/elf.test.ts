import { describe, expect, it } from 'vitest';
import { ElfError, parseElf32 } from './elf.js';

function ident(cls: number, data: number, machine: number, size = 64): Uint8Array {
  const b = new Uint8Array(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, cls, data, 1]);
  if (data === 2) {
    b[18] = machine >> 8;
    b[19] = machine & 0xff;
  } else {
    b[18] = machine & 0xff;
    b[19] = machine >> 8;
  }
  return b;
}

describe('parseElf32 refuses what is not a 32-bit little-endian ARM ELF, in one line', () => {
  it.each([
    ['text', new TextEncoder().encode('hello world, not an elf'), /^not an ELF file$/],
    ['empty', new Uint8Array(0), /^not an ELF file$/],
    ['x86-64', ident(2, 1, 62), /^not an ARM ELF: 64-bit x86-64$/],
    ['AArch64', ident(2, 1, 183), /^not an ARM ELF: 64-bit AArch64$/],
    ['RISC-V 32', ident(1, 1, 243), /^not an ARM ELF: 32-bit RISC-V$/],
    ['big-endian ARM', ident(1, 2, 40), /^a big-endian 32-bit ARM ELF; Cortex-M firmware is little-endian/],
    ['truncated ARM header', ident(1, 1, 40, 30), /^ELF header truncated$/],
  ])('%s', (_name, bytes, message) => {
    let err: unknown;
    try {
      parseElf32(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ElfError);
    expect((err as Error).message).toMatch(message);
  });

  it('reads an empty but valid ARM header', () => {
    const b = ident(1, 1, 40, 52);
    b[16] = 2; // ET_EXEC
    new DataView(b.buffer).setUint32(24, 0x20000001, true);
    const elf = parseElf32(b);
    expect(elf).toMatchObject({ type: 2, machine: 40, entry: 0x20000001, programHeaders: [], sections: [] });
  });

  it('rejects program headers that point outside the file', () => {
    const b = ident(1, 1, 40, 52);
    const dv = new DataView(b.buffer);
    dv.setUint32(28, 1000, true); // phoff
    dv.setUint16(42, 32, true); // phentsize
    dv.setUint16(44, 1, true); // phnum
    expect(() => parseElf32(b)).toThrow(/program headers lie outside the file/);
  });
});
