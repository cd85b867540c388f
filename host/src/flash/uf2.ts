// ELF -> UF2 (Microsoft's USB Flashing Format, github.com/microsoft/uf2), the file the
// RP2040 bootrom's RPI-RP2 drive accepts. Pure: bytes in, bytes out.
//
// Each 512-byte block carries one 256-byte page: the RP2040 bootrom requires
// familyID 0xE48BFF56 and payload_size 256 in every block, and takes the kind of image
// (flash or RAM) from the address of the first block, so blocks go out in address order.

import { type Elf32, type LoadChunk, loadableSegments } from '../core/elf.js';

export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
export const UF2_FLAG_NOT_MAIN_FLASH = 0x00000001;
export const UF2_FLAG_FAMILY_ID_PRESENT = 0x00002000;
export const RP2040_FAMILY_ID = 0xe48bff56;
export const UF2_BLOCK_SIZE = 512;
export const UF2_PAGE = 256;
const DATA_OFFSET = 32;
const DATA_AREA = 476;

export interface AddressRange {
  start: number;
  /** exclusive */
  end: number;
  name: string;
}

/** Where the RP2040 bootrom lets a UF2 write (RP2040 datasheet, "UF2 Format Details"). */
export const RP2040_UF2_RANGES: AddressRange[] = [
  { start: 0x10000000, end: 0x11000000, name: 'flash' },
  { start: 0x20000000, end: 0x20042000, name: 'main RAM' },
  { start: 0x15000000, end: 0x15004000, name: 'flash cache' },
];

export class Uf2Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Uf2Error';
  }
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * UF2 blocks for the given runs: one block per 256-byte page that any run touches, the
 * page's bytes not covered by a run left zero. Runs must not overlap.
 */
export function chunksToUf2(chunks: LoadChunk[], familyId: number, ranges?: AddressRange[]): Uint8Array {
  const pages = new Map<number, Uint8Array>();
  for (const c of chunks) {
    if (c.data.length === 0) continue;
    const last = c.address + c.data.length - 1;
    if (ranges && !ranges.some((r) => c.address >= r.start && last < r.end)) {
      throw new Uf2Error(
        `${c.name} at ${hex(c.address)}..${hex(last)} is outside the memory the bootrom accepts (` +
          ranges.map((r) => `${r.name} ${hex(r.start)}..${hex(r.end - 1)}`).join(', ') + ')',
      );
    }
    for (let i = 0; i < c.data.length; ) {
      const addr = c.address + i;
      const base = addr - (addr % UF2_PAGE);
      let page = pages.get(base);
      if (!page) {
        page = new Uint8Array(UF2_PAGE);
        pages.set(base, page);
      }
      const off = addr - base;
      const n = Math.min(UF2_PAGE - off, c.data.length - i);
      page.set(c.data.subarray(i, i + n), off);
      i += n;
    }
  }
  const bases = [...pages.keys()].sort((a, b) => a - b);
  if (bases.length === 0) throw new Uf2Error('the ELF has no loadable bytes');
  const out = new Uint8Array(bases.length * UF2_BLOCK_SIZE);
  const dv = new DataView(out.buffer);
  bases.forEach((base, n) => {
    const o = n * UF2_BLOCK_SIZE;
    dv.setUint32(o, UF2_MAGIC_START0, true);
    dv.setUint32(o + 4, UF2_MAGIC_START1, true);
    dv.setUint32(o + 8, UF2_FLAG_FAMILY_ID_PRESENT, true);
    dv.setUint32(o + 12, base, true);
    dv.setUint32(o + 16, UF2_PAGE, true);
    dv.setUint32(o + 20, n, true);
    dv.setUint32(o + 24, bases.length, true);
    dv.setUint32(o + 28, familyId, true);
    out.set(pages.get(base)!, o + DATA_OFFSET);
    dv.setUint32(o + UF2_BLOCK_SIZE - 4, UF2_MAGIC_END, true);
  });
  return out;
}

/**
 * UF2 for an RP2040 image: the ELF's PT_LOAD file images at their physical addresses. The
 * bootrom takes the image's kind from its first (lowest) block and then accepts only that
 * kind's ranges, so an image must lie wholly in flash or wholly in RAM.
 */
export function elfToUf2Rp2040(elf: Elf32): Uint8Array {
  const chunks = loadableSegments(elf);
  const uf2 = chunksToUf2(chunks, RP2040_FAMILY_ID, RP2040_UF2_RANGES);
  const inFlash = (a: number) => a >= 0x10000000 && a < 0x11000000;
  const kinds = new Set(chunks.filter((c) => c.data.length > 0).map((c) => inFlash(c.address)));
  if (kinds.size > 1) {
    throw new Uf2Error('the image mixes flash and RAM addresses; the RP2040 bootrom takes one kind per UF2');
  }
  return uf2;
}

export interface Uf2Block {
  flags: number;
  targetAddr: number;
  payloadSize: number;
  blockNo: number;
  numBlocks: number;
  familyId: number;
  payload: Uint8Array;
}

/**
 * Parse and check a UF2 file against the UF2 specification. Returns the blocks, or throws
 * Uf2Error naming the first block that breaks a rule.
 */
export function parseUf2(bytes: Uint8Array): Uf2Block[] {
  if (bytes.length === 0 || bytes.length % UF2_BLOCK_SIZE !== 0) {
    throw new Uf2Error(`UF2 size ${bytes.length} is not a nonzero multiple of 512`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: Uf2Block[] = [];
  const count = bytes.length / UF2_BLOCK_SIZE;
  for (let n = 0; n < count; n++) {
    const o = n * UF2_BLOCK_SIZE;
    const at = `UF2 block ${n}`;
    if (dv.getUint32(o, true) !== UF2_MAGIC_START0) throw new Uf2Error(`${at}: bad first magic`);
    if (dv.getUint32(o + 4, true) !== UF2_MAGIC_START1) throw new Uf2Error(`${at}: bad second magic`);
    if (dv.getUint32(o + 508, true) !== UF2_MAGIC_END) throw new Uf2Error(`${at}: bad final magic`);
    const payloadSize = dv.getUint32(o + 16, true);
    if (payloadSize > DATA_AREA) throw new Uf2Error(`${at}: payload size ${payloadSize} > 476`);
    const block: Uf2Block = {
      flags: dv.getUint32(o + 8, true),
      targetAddr: dv.getUint32(o + 12, true),
      payloadSize,
      blockNo: dv.getUint32(o + 20, true),
      numBlocks: dv.getUint32(o + 24, true),
      familyId: dv.getUint32(o + 28, true),
      payload: bytes.subarray(o + DATA_OFFSET, o + DATA_OFFSET + payloadSize),
    };
    if (block.blockNo !== n) throw new Uf2Error(`${at}: block number ${block.blockNo}`);
    if (block.numBlocks !== count) throw new Uf2Error(`${at}: total ${block.numBlocks}, file has ${count}`);
    for (let i = o + DATA_OFFSET + payloadSize; i < o + 508; i++) {
      if (bytes[i] !== 0) throw new Uf2Error(`${at}: nonzero byte after the payload`);
    }
    blocks.push(block);
  }
  return blocks;
}
