// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF (SPEC §2).
// Slicing-by-8: the decoder checks every frame, so the CRC is on the hot path.

const POLY = 0x82f63b78;

const TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  for (let k = 0; k < 8; k++) t.push(new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[0][n];
    for (let k = 1; k < 8; k++) {
      c = t[0][c & 0xff] ^ (c >>> 8);
      t[k][n] = c >>> 0;
    }
  }
  return t;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;
/** Words read as 4 little-endian bytes: true on every machine Node runs on, checked anyway. */
const LITTLE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** CRC-32C of buf[start, end). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  // Aligned, the bytes are read 4 at a time (the splitter's frame buffer starts aligned).
  if (LITTLE && end - start >= 64 && ((buf.byteOffset + start) & 3) === 0) return crcWords(buf, start, end);
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let c = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    c =
      t7[a & 0xff] ^
      t6[(a >>> 8) & 0xff] ^
      t5[(a >>> 16) & 0xff] ^
      t4[a >>> 24] ^
      t3[buf[i + 4]] ^
      t2[buf[i + 5]] ^
      t1[buf[i + 6]] ^
      t0[buf[i + 7]];
  }
  for (; i < end; i++) c = t0[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function crcWords(buf: Uint8Array, start: number, end: number): number {
  const n = (end - start) >> 3;
  const w = new Uint32Array(buf.buffer, buf.byteOffset + start, n * 2);
  let c = 0xffffffff;
  for (let j = 0; j < 2 * n; j += 2) {
    const a = c ^ w[j];
    const b = w[j + 1];
    c =
      T7[a & 0xff] ^
      T6[(a >>> 8) & 0xff] ^
      T5[(a >>> 16) & 0xff] ^
      T4[a >>> 24] ^
      T3[b & 0xff] ^
      T2[(b >>> 8) & 0xff] ^
      T1[(b >>> 16) & 0xff] ^
      T0[b >>> 24];
  }
  for (let i = start + n * 8; i < end; i++) c = T0[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
