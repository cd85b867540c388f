// Unsigned LEB128 (SPEC §2) and the little-endian fixed-width fields, with the
// overflow rules a reader must enforce. Decoding goes through a Cursor so that a
// message is parsed with one moving position and one error path.

import type { NoticeCode } from './types.js';

/** A message body that cannot be decoded; the frame is discarded with this code. */
export class WireError extends Error {
  constructor(
    readonly code: NoticeCode,
    message: string,
  ) {
    super(message);
  }
}

const TWO32 = 0x1_0000_0000;

export class Cursor {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw new WireError('malformed', `message ends inside ${what}`);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return b[p] | (b[p + 1] << 8);
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 0x100_0000;
  }

  u64(what = 'u64'): bigint {
    const lo = this.u32(what);
    const hi = this.u32(what);
    return hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** varint that must fit 32 bits: at most 5 bytes, the 5th at most 0x0F. */
  varU32(what = 'varint'): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p < end && b[p] < 0x80) {
      this.pos = p + 1;
      return b[p];
    }
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (p >= end) throw new WireError('malformed', `message ends inside ${what}`);
      const byte = b[p++];
      if (i === 4 && byte > 0x0f) throw new WireError('varint_overflow', `${what} does not fit 32 bits`);
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = p;
        return v;
      }
      mul *= 128;
    }
    throw new WireError('varint_overflow', `${what} longer than 5 bytes`);
  }

  /**
   * varint that must fit 64 bits: at most 10 bytes, the 10th at most 0x01.
   * Returns a number when the value is below 2^53, else a bigint: callers on the
   * hot path (dt) stay in doubles.
   */
  varU64(what = 'varint'): number | bigint {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p < end && b[p] < 0x80) {
      this.pos = p + 1;
      return b[p];
    }
    // Up to 7 bytes (49 bits) accumulate exactly in a double.
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (p >= end) throw new WireError('malformed', `message ends inside ${what}`);
      const byte = b[p++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        this.pos = p;
        return v;
      }
      mul *= 128;
    }
    let big = BigInt(v);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (p >= end) throw new WireError('malformed', `message ends inside ${what}`);
      const byte = b[p++];
      if (i === 9 && byte > 0x01) throw new WireError('varint_overflow', `${what} does not fit 64 bits`);
      big |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = p;
        return big <= 0x1f_ffff_ffff_ffffn ? Number(big) : big;
      }
      shift += 7n;
    }
    throw new WireError('varint_overflow', `${what} longer than 10 bytes`);
  }

  varU64Big(what = 'varint'): bigint {
    const v = this.varU64(what);
    return typeof v === 'bigint' ? v : BigInt(v);
  }
}

// ---- writing ----

/** Appends the varint of a u32 (0 <= v < 2^32) to out at pos; returns the new pos. */
export function putVarU32(out: Uint8Array, pos: number, v: number): number {
  if (!(v >= 0 && v < TWO32 && Number.isInteger(v))) throw new RangeError(`not a u32: ${v}`);
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[pos++] = v;
  return pos;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Appends the varint of a u64 (number below 2^53, or bigint) at pos; returns the new pos. */
export function putVarU64(out: Uint8Array, pos: number, v: number | bigint): number {
  if (typeof v === 'number') {
    if (!(v >= 0 && Number.isSafeInteger(v))) throw new RangeError(`not a u64 number: ${v}`);
    if (v < 0x8000_0000) {
      // the common value: 32-bit shifts, no division
      while (v >= 0x80) {
        out[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      out[pos++] = v;
      return pos;
    }
    while (v >= 0x80) {
      out[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    out[pos++] = v;
    return pos;
  }
  if (v < 0n || v > U64_MAX) throw new RangeError(`not a u64: ${v}`);
  while (v >= 0x80n) {
    out[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[pos++] = Number(v);
  return pos;
}

/** Number of bytes of the varint of v. */
export function varLen(v: number | bigint): number {
  if (typeof v === 'number') {
    let n = 1;
    while (v >= 0x80) {
      v = Math.floor(v / 128);
      n++;
    }
    return n;
  }
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

export function putU16(out: Uint8Array, pos: number, v: number): number {
  out[pos] = v & 0xff;
  out[pos + 1] = (v >>> 8) & 0xff;
  return pos + 2;
}

export function putU32(out: Uint8Array, pos: number, v: number): number {
  out[pos] = v & 0xff;
  out[pos + 1] = (v >>> 8) & 0xff;
  out[pos + 2] = (v >>> 16) & 0xff;
  out[pos + 3] = (v >>> 24) & 0xff;
  return pos + 4;
}

export function putU64(out: Uint8Array, pos: number, v: bigint | number): number {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < 0n || b > U64_MAX) throw new RangeError(`not a u64: ${v}`);
  putU32(out, pos, Number(b & 0xffff_ffffn));
  return putU32(out, pos + 4, Number(b >> 32n));
}
