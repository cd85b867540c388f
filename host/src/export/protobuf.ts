// Protocol Buffers wire encoding (varints, tags, length-delimited fields) for the Perfetto
// exporter, written by hand: no library, and nothing but what that exporter writes. Two ways in:
// the put* functions write into a ByteOut's buffer at a position and return the next (the hot
// path writes whole events so), and PbMessage builds the rare messages (descriptors, interned
// names, clock snapshots) field by field, nested messages first.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

const encoder = new TextEncoder();

/** Bytes of the varint of n, an integer in [0, 2^53). */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x20_0000) return 3;
  if (n < 0x1000_0000) return 4;
  let s = 5;
  for (let v = Math.floor(n / 0x8_0000_0000); v > 0; v = Math.floor(v / 128)) s++;
  return s;
}

/** The varint of n, an integer in [0, 2^53), at p; the next position. */
export function putVarint(buf: Uint8Array, p: number, n: number): number {
  if (n < 0x8000_0000) {
    while (n >= 0x80) {
      buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[p] = n;
    return p + 1;
  }
  while (n >= 0x80) {
    buf[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[p] = n;
  return p + 1;
}

/** The varint of the u64 hi × 2^32 + lo at p; the next position. */
export function putVarintHL(buf: Uint8Array, p: number, hi: number, lo: number): number {
  while (hi !== 0 || lo >= 0x80) {
    buf[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[p] = lo;
  return p + 1;
}

/** A u64 (or an int64, as its two's complement) as halves. */
export function halves(v: bigint): { hi: number; lo: number } {
  const u = BigInt.asUintN(64, v);
  return { hi: Number(u >> 32n), lo: Number(u & 0xffff_ffffn) };
}

/** A message built field by field (rare messages; the hot path writes with put*). */
export class PbMessage {
  private parts: number[] = [];

  private key(field: number, wire: number): void {
    this.raw(field * 8 + wire);
  }

  private raw(n: number): void {
    while (n >= 0x80) {
      this.parts.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    this.parts.push(n);
  }

  /** A varint field: a non-negative number below 2^53, or any bigint (negatives as int64). */
  varint(field: number, v: number | bigint): this {
    this.key(field, WIRE_VARINT);
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) this.raw(v);
    else {
      const { hi, lo } = halves(BigInt(v));
      const b = new Uint8Array(10);
      const n = putVarintHL(b, 0, hi, lo);
      for (let i = 0; i < n; i++) this.parts.push(b[i]);
    }
    return this;
  }

  /** A double field (fixed64, little-endian IEEE 754). */
  double(field: number, v: number): this {
    this.key(field, WIRE_FIXED64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    for (const x of b) this.parts.push(x);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.raw(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, encoder.encode(s));
  }

  message(field: number, m: PbMessage): this {
    return this.bytes(field, m.finish());
  }

  empty(): boolean {
    return this.parts.length === 0;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
