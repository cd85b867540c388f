import { describe, expect, it } from 'vitest';
import { chunksToIhex } from './ihex.js';

const bytes = (n: number, start = 0) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
const chunk = (address: number, data: Uint8Array, name = 's') => ({ address, data, name });

describe('chunksToIhex', () => {
  it('writes 16-byte data records with checksums, CR LF, upper case, and an EOF record', () => {
    const hex = chunksToIhex([chunk(0x0100, bytes(17))], 0);
    expect(hex).toBe(
      ':10010000000102030405060708090A0B0C0D0E0F77\r\n' + ':0101100010DE\r\n' + ':00000001FF\r\n',
    );
  });

  it('splits at 64 KiB and uses segment records below 1 MiB', () => {
    const hex = chunksToIhex([chunk(0xfff8, bytes(16))], 0).split('\r\n');
    expect(hex[0]).toMatch(/^:08FFF800/);
    expect(hex[1]).toBe(':020000021000EC'); // segment 0x1000 -> base 0x10000
    expect(hex[2]).toMatch(/^:08000000/);
  });

  it('uses extended linear address records from 1 MiB, and a type 05 start address', () => {
    const hex = chunksToIhex([chunk(0x20000000, bytes(4))], 0x20000001).split('\r\n');
    expect(hex[0]).toBe(':020000042000DA');
    expect(hex[1]).toBe(':0400000000010203F6');
    expect(hex[2]).toBe(':0400000520000001D6');
    expect(hex[3]).toBe(':00000001FF');
  });

  it('keeps sections apart (a short record ends each) and orders them by address', () => {
    const hex = chunksToIhex([chunk(0x20, bytes(3, 0x30), 'b'), chunk(0x10, bytes(3, 0x20), 'a')], 0x1f1).split('\r\n');
    expect(hex.slice(0, 4)).toEqual([':030010002021228A', ':030020003031324A', ':04000003000001F107', ':00000001FF']);
  });
});
