// A small reader for the firmware ELF: 32-bit little-endian ARM executables, as
// arm-none-eabi-ld writes them. It parses the file header, program headers and section
// headers and hands out byte views; it never copies the file. Pure: no I/O.
//
// Used by the flash converters (loadable bytes at their load addresses) and by the
// metadata reader (non-allocated sections, the GNU build-id note).

export const EM_ARM = 40;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_PROGBITS = 1;
export const SHT_STRTAB = 3;
const SHN_XINDEX = 0xffff;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
const NT_GNU_BUILD_ID = 3;

/** Thrown for any input that is not a well-formed ELF32 LE ARM file; the message is one line. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface ElfProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  flags: number;
  align: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface Elf32 {
  bytes: Uint8Array;
  /** e_type: 2 = executable, 1 = relocatable */
  type: number;
  machine: number;
  entry: number;
  flags: number;
  programHeaders: ElfProgramHeader[];
  sections: ElfSection[];
  /**
   * Why the sections have no names, when they have none: the section-name string table
   * index (e_shstrndx) is 0, out of range, or not a string table. Names are then '' and no
   * section can be found by name.
   */
  sectionNamesProblem?: string;
}

/** A contiguous run of bytes to place at a physical (load) address. */
export interface LoadChunk {
  address: number;
  data: Uint8Array;
  /** section name, or "segment N" when taken from a program header */
  name: string;
}

const MACHINES: Record<number, string> = {
  3: 'x86',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  40: 'ARM',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
};

function machineName(m: number): string {
  return MACHINES[m] ?? `machine ${m}`;
}

/**
 * Parse an ELF32 little-endian ARM file. Anything else (not ELF, 64-bit, big-endian,
 * another machine, headers pointing outside the file) raises ElfError.
 */
export function parseElf32(bytes: Uint8Array): Elf32 {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file');
  }
  const cls = bytes[4];
  const data = bytes[5];
  if (data !== 1 && data !== 2) throw new ElfError(`not a valid ELF: data encoding ${data} (1 is little-endian, 2 big-endian)`);
  // e_machine sits at offset 18 in both classes, so a wrong machine is named even for ELF64,
  // read in the byte order the header declares.
  const m = bytes.length >= 20 ? (data === 2 ? (bytes[18] << 8) | bytes[19] : bytes[18] | (bytes[19] << 8)) : undefined;
  const bits = cls === 2 ? '64' : cls === 1 ? '32' : undefined;
  if (bits === undefined) throw new ElfError(`not a valid ELF: class ${cls} (1 is 32-bit, 2 is 64-bit)`);
  if (data === 2) {
    // An unknown machine number here is most likely a little-endian one read the wrong way.
    const what = m !== undefined && MACHINES[m] ? `${MACHINES[m]} ELF` : 'ELF';
    throw new ElfError(`a big-endian ${bits}-bit ${what}; Cortex-M firmware is little-endian (build without -mbig-endian)`);
  }
  if (m !== undefined && m !== EM_ARM) throw new ElfError(`not an ARM ELF: ${bits}-bit ${machineName(m)}`);
  if (cls !== 1) throw new ElfError('not a 32-bit ELF (ELFCLASS64 ARM is AArch64, not Cortex-M)');
  if (bytes.length < 52) throw new ElfError('ELF header truncated');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);

  const type = u16(16);
  const machine = u16(18);
  const entry = u32(24);
  const phoff = u32(28);
  const shoff = u32(32);
  const flags = u32(36);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  const shnum = u16(48);
  const shstrndx = u16(50);

  const programHeaders: ElfProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < 32 || phoff + phnum * phentsize > bytes.length) {
      throw new ElfError('ELF program headers lie outside the file');
    }
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      programHeaders.push({
        type: u32(o),
        offset: u32(o + 4),
        vaddr: u32(o + 8),
        paddr: u32(o + 12),
        filesz: u32(o + 16),
        memsz: u32(o + 20),
        flags: u32(o + 24),
        align: u32(o + 28),
      });
    }
  }

  const sections: ElfSection[] = [];
  let sectionNamesProblem: string | undefined;
  if (shnum > 0) {
    if (shentsize < 40 || shoff + shnum * shentsize > bytes.length) {
      throw new ElfError('ELF section headers lie outside the file');
    }
    const raw: Omit<ElfSection, 'name'>[] = [];
    const nameOffs: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      nameOffs.push(u32(o));
      raw.push({
        index: i,
        type: u32(o + 4),
        flags: u32(o + 8),
        addr: u32(o + 12),
        offset: u32(o + 16),
        size: u32(o + 20),
        link: u32(o + 24),
        info: u32(o + 28),
        addralign: u32(o + 32),
        entsize: u32(o + 36),
      });
    }
    const namesAt = shstrndx === SHN_XINDEX ? raw[0].link : shstrndx;
    let strtab: Omit<ElfSection, 'name'> | undefined;
    if (namesAt === 0) sectionNamesProblem = 'the ELF has no section-name table (e_shstrndx is 0)';
    else if (namesAt >= shnum) sectionNamesProblem = `the ELF's section-name table index ${namesAt} is out of range (${shnum} sections)`;
    else if (raw[namesAt].type !== SHT_STRTAB) sectionNamesProblem = `the ELF's section-name table index ${namesAt} is not a string table`;
    else strtab = raw[namesAt];
    for (let i = 0; i < shnum; i++) {
      const s = raw[i];
      if (s.type !== SHT_NOBITS && s.type !== 0 && s.offset + s.size > bytes.length) {
        throw new ElfError(`ELF section ${i} lies outside the file`);
      }
      let name = '';
      if (strtab && strtab.offset + nameOffs[i] < bytes.length) {
        name = readCString(bytes, strtab.offset + nameOffs[i], strtab.offset + strtab.size);
      }
      sections.push({ ...s, name });
    }
  }
  for (const p of programHeaders) {
    if (p.type === PT_LOAD && p.offset + p.filesz > bytes.length) {
      throw new ElfError('ELF segment lies outside the file');
    }
  }
  return { bytes, type, machine, entry, flags, programHeaders, sections, ...(sectionNamesProblem ? { sectionNamesProblem } : {}) };
}

function readCString(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < bytes.length && bytes[i] !== 0; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

export function findSection(elf: Elf32, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** The file bytes of a section (empty for SHT_NOBITS). A view, not a copy. */
export function sectionData(elf: Elf32, s: ElfSection): Uint8Array {
  if (s.type === SHT_NOBITS) return new Uint8Array(0);
  return elf.bytes.subarray(s.offset, s.offset + s.size);
}

/**
 * The load (physical) address of an allocated section: the address the bytes are
 * programmed at, which differs from sh_addr for initialised data copied to RAM at
 * start-up. Taken from the PT_LOAD segment whose file image holds the section.
 */
export function sectionLoadAddress(elf: Elf32, s: ElfSection): number {
  for (const p of elf.programHeaders) {
    if (p.type !== PT_LOAD) continue;
    if (s.type !== SHT_NOBITS) {
      if (s.offset >= p.offset && s.offset + s.size <= p.offset + p.filesz && s.addr >= p.vaddr &&
          s.addr + s.size <= p.vaddr + p.memsz) {
        return (p.paddr + (s.offset - p.offset)) >>> 0;
      }
    } else if (s.addr >= p.vaddr && s.addr + s.size <= p.vaddr + p.memsz) {
      return (p.paddr + (s.addr - p.vaddr)) >>> 0;
    }
  }
  return s.addr;
}

/**
 * The bytes a programmer writes, per allocated section with contents (SHF_ALLOC, not
 * NOBITS, non-empty), at load addresses, sorted by address (stable). This is the set
 * objcopy copies to a HEX or binary file.
 */
export function loadableSections(elf: Elf32): LoadChunk[] {
  const out: LoadChunk[] = [];
  for (const s of elf.sections) {
    if ((s.flags & SHF_ALLOC) === 0 || s.type === SHT_NOBITS || s.type === 0 || s.size === 0) continue;
    out.push({ address: sectionLoadAddress(elf, s), data: sectionData(elf, s), name: s.name });
  }
  return out.map((c, i) => ({ c, i })).sort((a, b) => a.c.address - b.c.address || a.i - b.i).map((x) => x.c);
}

/** The file image of every PT_LOAD segment with filesz > 0, at its physical address. */
export function loadableSegments(elf: Elf32): LoadChunk[] {
  const out: LoadChunk[] = [];
  elf.programHeaders.forEach((p, i) => {
    if (p.type !== PT_LOAD || p.filesz === 0) return;
    out.push({ address: p.paddr, data: elf.bytes.subarray(p.offset, p.offset + p.filesz), name: `segment ${i}` });
  });
  return out.sort((a, b) => a.address - b.address);
}

/** The GNU build-id descriptor as lower-case hex, or '' when the ELF has none. */
export function gnuBuildId(elf: Elf32): string {
  const notes: Uint8Array[] = [];
  for (const s of elf.sections) if (s.type === SHT_NOTE) notes.push(sectionData(elf, s));
  if (notes.length === 0) {
    for (const p of elf.programHeaders) {
      if (p.type === PT_NOTE) notes.push(elf.bytes.subarray(p.offset, p.offset + p.filesz));
    }
  }
  for (const n of notes) {
    const dv = new DataView(n.buffer, n.byteOffset, n.byteLength);
    let o = 0;
    while (o + 12 <= n.length) {
      const namesz = dv.getUint32(o, true);
      const descsz = dv.getUint32(o + 4, true);
      const type = dv.getUint32(o + 8, true);
      const nameStart = o + 12;
      const descStart = nameStart + ((namesz + 3) & ~3);
      if (descStart + descsz > n.length) break;
      const name = readCString(n, nameStart, nameStart + namesz);
      if (type === NT_GNU_BUILD_ID && name === 'GNU') {
        let hex = '';
        for (let i = 0; i < descsz; i++) hex += n[descStart + i].toString(16).padStart(2, '0');
        return hex;
      }
      o = descStart + ((descsz + 3) & ~3);
    }
  }
  return '';
}

export const SHT_SYMTAB = 2;

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  /** STT_*: 0 none, 1 object, 2 func, 3 section, 4 file */
  type: number;
  /** STB_*: 0 local, 1 global, 2 weak */
  bind: number;
  /** index of the section the symbol is defined in (0 = undefined) */
  shndx: number;
}

/** The entries of .symtab (empty when the ELF is stripped). */
export function elfSymbols(elf: Elf32): ElfSymbol[] {
  const tab = elf.sections.find((s) => s.type === SHT_SYMTAB);
  if (!tab) return [];
  const strtab = elf.sections[tab.link];
  if (!strtab) throw new ElfError('ELF symbol table has no string table');
  const data = sectionData(elf, tab);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: ElfSymbol[] = [];
  for (let o = 0; o + 16 <= data.length; o += tab.entsize >= 16 ? tab.entsize : 16) {
    const info = data[o + 12];
    out.push({
      name: readCString(elf.bytes, strtab.offset + dv.getUint32(o, true), strtab.offset + strtab.size),
      value: dv.getUint32(o + 4, true),
      size: dv.getUint32(o + 8, true),
      type: info & 0xf,
      bind: info >> 4,
      shndx: dv.getUint16(o + 14, true),
    });
  }
  return out;
}
