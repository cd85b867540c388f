// Protocol Buffers wire encoding (varints, tags, length-delimited fields) for the Perfetto
// exporter, written by hand: no library, and nothing but what that exporter writes. A protobuf
// varint is the wire's (core/varint.ts putVarU64, varLen); here besides: putVarintHL, a u64 as
// two 32-bit halves (the batch columns' form, no BigInt), and PbMessage, which builds the rare
// messages (descriptors, interned names, clock snapshots) field by field, nested messages first.

import { putVarU64 } from '../core/varint.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

const encoder = new TextEncoder();
/** a varint's bytes on their way into a PbMessage (10 at most) */
const scratch = new Uint8Array(10);

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

/** A message built field by field (rare messages; the hot path writes with put*). */
export class PbMessage {
  private parts: number[] = [];

  private key(field: number, wire: number): void {
    this.raw(field * 8 + wire);
  }

  private raw(n: number | bigint): void {
    const end = putVarU64(scratch, 0, n);
    for (let i = 0; i < end; i++) this.parts.push(scratch[i]);
  }

  /** A varint field: a non-negative number below 2^53, or any bigint (negatives as int64). */
  varint(field: number, v: number | bigint): this {
    this.key(field, WIRE_VARINT);
    this.raw(typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER ? v : BigInt.asUintN(64, BigInt(v)));
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
