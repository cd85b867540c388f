// UF2 images for the RP2040: every block checked against the UF2 specification, and the
// payloads put back together must equal the ELF's loadable bytes, with nothing else written.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadableSegments, parseElf32 } from '../../host/src/core/elf.js';
import {
  elfToUf2Rp2040,
  parseUf2,
  RP2040_FAMILY_ID,
  UF2_FLAG_FAMILY_ID_PRESENT,
} from '../../host/src/flash/uf2.js';
import { buildBoardElfs, buildShapes } from './fixtures.js';

function u32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(o, true);
}

/** Raw checks of one image against the UF2 spec, independent of parseUf2. */
function checkBlocks(uf2: Uint8Array): void {
  expect(uf2.length % 512).toBe(0);
  const n = uf2.length / 512;
  let prevAddr = -1;
  for (let i = 0; i < n; i++) {
    const o = i * 512;
    expect(u32(uf2, o)).toBe(0x0a324655); // magicStart0 "UF2\n"
    expect(u32(uf2, o + 4)).toBe(0x9e5d5157); // magicStart1
    expect(u32(uf2, o + 508)).toBe(0x0ab16f30); // magicEnd
    expect(u32(uf2, o + 8)).toBe(0x00002000); // flags: familyID present, nothing else
    const addr = u32(uf2, o + 12);
    expect(addr % 256).toBe(0);
    expect(addr).toBeGreaterThan(prevAddr); // ascending: the bootrom types the image by the first block
    prevAddr = addr;
    expect(u32(uf2, o + 16)).toBe(256); // payloadSize the RP2040 bootrom requires
    expect(u32(uf2, o + 20)).toBe(i); // blockNo
    expect(u32(uf2, o + 24)).toBe(n); // numBlocks
    expect(u32(uf2, o + 28)).toBe(0xe48bff56); // familyID RP2040
    for (let j = o + 32 + 256; j < o + 508; j++) expect(uf2[j]).toBe(0);
  }
}

/** Rebuilds memory from the blocks and compares it with the ELF's PT_LOAD file images. */
function checkPayloads(elfBytes: Uint8Array, uf2: Uint8Array): void {
  const elf = parseElf32(elfBytes);
  const mem = new Map<number, number>();
  for (const b of parseUf2(uf2)) {
    expect(b.flags & UF2_FLAG_FAMILY_ID_PRESENT).toBeTruthy();
    expect(b.familyId).toBe(RP2040_FAMILY_ID);
    b.payload.forEach((v, i) => mem.set(b.targetAddr + i, v));
  }
  const expected = new Map<number, number>();
  for (const seg of loadableSegments(elf)) seg.data.forEach((v, i) => expected.set(seg.address + i, v));
  expect(expected.size).toBeGreaterThan(0);
  for (const [addr, v] of expected) {
    if (mem.get(addr) !== v) throw new Error(`byte at 0x${addr.toString(16)}: uf2 ${mem.get(addr)}, elf ${v}`);
  }
  // Bytes the UF2 writes beyond the ELF's are only the zero padding of pages the ELF touches.
  const pages = new Set([...expected.keys()].map((a) => a - (a % 256)));
  let stray = 0;
  for (const [addr, v] of mem) {
    if (!expected.has(addr) && (v !== 0 || !pages.has(addr - (addr % 256)))) stray++;
  }
  expect(stray).toBe(0);
}

describe('ELF -> UF2 (RP2040)', () => {
  it('a RAM-only image: every block per spec, payloads equal the loadable bytes', () => {
    const path = buildShapes().ram_only;
    const bytes = readFileSync(path);
    const uf2 = elfToUf2Rp2040(parseElf32(bytes));
    expect(uf2.length / 512).toBeGreaterThan(270); // 70000 bytes of rodata alone need 274 pages
    checkBlocks(uf2);
    checkPayloads(bytes, uf2);
  });

  it('rejects an ELF whose bytes lie outside what the bootrom accepts', () => {
    const path = buildShapes().zero_base;
    expect(() => elfToUf2Rp2040(parseElf32(readFileSync(path)))).toThrow(/outside the memory the bootrom accepts/);
  });

  it('rejects an image that mixes flash and RAM blocks (the bootrom takes one kind per file)', () => {
    const path = buildShapes().flash_and_ram;
    expect(() => elfToUf2Rp2040(parseElf32(readFileSync(path)))).toThrow(/mixes flash and RAM/);
  });

  it('parseUf2 catches a broken block', () => {
    const uf2 = elfToUf2Rp2040(parseElf32(readFileSync(buildShapes().ram_only)));
    const bad = uf2.slice();
    bad[512 + 20] ^= 1; // block number of block 1
    expect(() => parseUf2(bad)).toThrow(/block 1: block number/);
    const bad2 = uf2.slice();
    bad2[508] ^= 0xff;
    expect(() => parseUf2(bad2)).toThrow(/block 0: bad final magic/);
  });

  it('every rp2040-pico app: a RAM image entered at 0x20000000, checked block by block', () => {
    const elfs = buildBoardElfs(['rp2040-pico']);
    expect(elfs.length).toBeGreaterThan(0);
    // Sizes, for the record (CI log): the whole image lives in SRAM.
    console.log(execFileSync('arm-none-eabi-size', elfs, { encoding: 'utf8' }).replace(/\/\S*\//g, ''));
    for (const path of elfs) {
      const bytes = readFileSync(path);
      const elf = parseElf32(bytes);
      const uf2 = elfToUf2Rp2040(elf);
      checkBlocks(uf2);
      checkPayloads(bytes, uf2);
      // The bootrom enters a RAM image at its lowest address, so that must be the entry code.
      expect(u32(uf2, 12)).toBe(0x20000000);
      expect(elf.entry).toBe(0x20000001);
      // ... and nothing may reach past main RAM.
      const last = parseUf2(uf2).at(-1)!;
      expect(last.targetAddr + 256).toBeLessThanOrEqual(0x20042000);
      // The vector table VTOR points at must be 256-byte aligned.
      const nm = execFileSync('arm-none-eabi-nm', [path], { encoding: 'utf8' });
      const vt = /^([0-9a-f]{8}) [RT] rp2040_vectors$/m.exec(nm);
      expect(vt).not.toBeNull();
      expect(parseInt(vt![1], 16) % 256).toBe(0);
    }
  });
});
