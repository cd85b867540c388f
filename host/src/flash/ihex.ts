// ELF -> Intel HEX, byte for byte what `arm-none-eabi-objcopy -O ihex` writes, so a
// board's drag-and-drop programmer sees exactly the file users already know.
// The record layout follows GNU BFD's Intel HEX writer (observable behaviour, checked by
// comparing against objcopy in ihex.test.ts):
//   - every allocated section with contents is one run at its load address (LMA), runs
//     sorted by address, never merged with a neighbour;
//   - data records hold at most 16 bytes and never cross a 64 KiB boundary;
//   - below 1 MiB the base is an extended *segment* address (type 02); from 1 MiB on an
//     extended *linear* address (type 04), after zeroing any segment base;
//   - a nonzero entry point ends with a start record: type 03 below 1 MiB, else 05;
//   - lines end with CR LF, hex digits upper case.

import { type Elf32, type LoadChunk, loadableSections } from '../core/elf.js';

const CHUNK = 16;
const HEX = '0123456789ABCDEF';

function record(type: number, addr: number, data: ArrayLike<number>, start = 0, count = data.length): string {
  let sum = count + (addr & 0xff) + ((addr >> 8) & 0xff) + type;
  let s = ':' + byteHex(count) + byteHex((addr >> 8) & 0xff) + byteHex(addr & 0xff) + byteHex(type);
  for (let i = 0; i < count; i++) {
    const b = data[start + i];
    sum += b;
    s += byteHex(b);
  }
  return s + byteHex(-sum & 0xff) + '\r\n';
}

function byteHex(b: number): string {
  return HEX[(b >> 4) & 0xf] + HEX[b & 0xf];
}

/** Order runs the way BFD's list insertion does: append when not lower than the tail,
 *  else insert before the first run that is not lower. */
function bfdOrder(chunks: LoadChunk[]): LoadChunk[] {
  const list: LoadChunk[] = [];
  for (const c of chunks) {
    if (list.length === 0 || c.address >= list[list.length - 1].address) {
      list.push(c);
    } else {
      const i = list.findIndex((x) => x.address >= c.address);
      list.splice(i, 0, c);
    }
  }
  return list;
}

/** Intel HEX text for the given runs and entry point. */
export function chunksToIhex(chunks: LoadChunk[], entry: number): string {
  const out: string[] = [];
  let segbase = 0;
  let extbase = 0;
  for (const c of bfdOrder(chunks)) {
    let where = c.address;
    let p = 0;
    let count = c.data.length;
    while (count > 0) {
      let now = Math.min(count, CHUNK);
      if (where > segbase + extbase + 0xffff) {
        if (where <= 0xfffff) {
          segbase = where & 0xf0000;
          out.push(record(2, 0, [(segbase >> 12) & 0xff, (segbase >> 4) & 0xff]));
        } else {
          if (segbase !== 0) {
            out.push(record(2, 0, [0, 0]));
            segbase = 0;
          }
          extbase = (where & 0xffff0000) >>> 0;
          out.push(record(4, 0, [(extbase >>> 24) & 0xff, (extbase >>> 16) & 0xff]));
        }
      }
      const recAddr = where - (extbase + segbase);
      if (recAddr + now > 0xffff) now = 0x10000 - recAddr;
      out.push(record(0, recAddr, c.data, p, now));
      where += now;
      p += now;
      count -= now;
    }
  }
  if (entry !== 0) {
    const e = entry >>> 0;
    if (e <= 0xfffff) {
      out.push(record(3, 0, [(e & 0xf0000) >> 12, 0, (e >> 8) & 0xff, e & 0xff]));
    } else {
      out.push(record(5, 0, [(e >>> 24) & 0xff, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff]));
    }
  }
  out.push(record(1, 0, []));
  return out.join('');
}

/** What `objcopy -O ihex` makes of this ELF. */
export function elfToIhex(elf: Elf32): string {
  return chunksToIhex(loadableSections(elf), elf.entry);
}
