// The one decoder of typed argument values (SPEC §11.3): wire words and blobs become the
// values the firmware passed, typed and named from the ELF descriptor. Every output that
// carries values (decode text, JSONL, CSV, Perfetto, CTF) takes them from here.
//
// Naming: a user event's field is named by the TP_EVENT field name (`arg<i>` if empty), a
// log's arguments by position `a0`, `a1`, … (printf formats have no names), a counter's
// value `value` (its unit travels apart). 64-bit values stay bigint; f32/f64 are numbers.
import type { ArgType, Descriptor } from './metadata.js';
import type { TraceEvent } from './types.js';

/** A value decoded with its metadata type. */
export type ArgValue = bigint | number | string;

export interface TypedValue {
  name: string;
  type: ArgType;
  value: ArgValue;
}

const textDecoder = new TextDecoder('utf-8');

class BlobError extends Error {}

function readVarint(b: Uint8Array, pos: { p: number }): bigint {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos.p >= b.length) throw new BlobError('blob ends inside a varint');
    const byte = b[pos.p++];
    v |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return BigInt.asUintN(64, v);
  }
  throw new BlobError('blob varint too long');
}

function unzigzag(v: bigint): bigint {
  return (v >> 1n) ^ -(v & 1n);
}

const scratch = new DataView(new ArrayBuffer(8));
function f32(bits: bigint): number {
  scratch.setUint32(0, Number(BigInt.asUintN(32, bits)), true);
  return scratch.getFloat32(0, true);
}
function f64(bits: bigint): number {
  scratch.setBigUint64(0, BigInt.asUintN(64, bits), true);
  return scratch.getFloat64(0, true);
}

const SIGNED_BITS: Partial<Record<ArgType, number>> = { i8: 8, i16: 16, i32: 32, i64: 64 };
const UNSIGNED_BITS: Partial<Record<ArgType, number>> = { u8: 8, u16: 16, u32: 32, u64: 64 };

function typedInt(t: ArgType, raw: bigint): bigint {
  const sb = SIGNED_BITS[t];
  if (sb) return BigInt.asIntN(sb, unzigzag(raw));
  return BigInt.asUintN(UNSIGNED_BITS[t] ?? 64, raw);
}

/** The typed argument values of an event, in descriptor order, or a reason why they cannot be read. */
export function decodeArgs(d: Descriptor, ev: TraceEvent): ArgValue[] | string {
  if (d.blob) {
    if (!ev.blob) return `expected a blob, got ${ev.args.length} argument words`;
    const b = ev.blob;
    const pos = { p: 0 };
    const out: ArgValue[] = [];
    try {
      for (const t of d.types) {
        if (t === 'f32' || t === 'f64') {
          const n = t === 'f32' ? 4 : 8;
          if (pos.p + n > b.length) return 'blob ends inside a float';
          let bits = 0n;
          for (let i = n - 1; i >= 0; i--) bits = (bits << 8n) | BigInt(b[pos.p + i]);
          pos.p += n;
          out.push(t === 'f32' ? f32(bits) : f64(bits));
        } else if (t === 'str') {
          const len = Number(readVarint(b, pos));
          if (pos.p + len > b.length) return 'blob ends inside a string';
          out.push(textDecoder.decode(b.subarray(pos.p, pos.p + len)));
          pos.p += len;
        } else {
          out.push(typedInt(t, readVarint(b, pos)));
        }
      }
    } catch (e) {
      if (e instanceof BlobError) return e.message;
      throw e;
    }
    if (pos.p !== b.length) return `blob has ${b.length - pos.p} bytes after the last argument`;
    return out;
  }
  if (ev.blob) return 'expected argument words, got a blob';
  if (ev.args.length !== d.types.length) return `expected ${d.types.length} arguments, got ${ev.args.length}`;
  return d.types.map((t, i) => {
    const w = BigInt.asUintN(32, ev.args[i]);
    return t === 'f32' ? f32(w) : typedInt(t, w);
  });
}

/** The name of argument i of a descriptor (see the naming rule above). */
export function valueName(d: Descriptor, i: number): string {
  if (d.kind === 'log') return `a${i}`;
  if (d.kind === 'counter') return 'value';
  return d.fields[i] || `arg${i}`;
}

/**
 * Named, typed values of an event of descriptor d: [] for kinds without values, or the
 * reason (one phrase) when the arguments do not fit the descriptor.
 */
export function typedValues(d: Descriptor, ev: TraceEvent): TypedValue[] | string {
  if (d.kind === 'counter') {
    // TP_COUNTER passes a uint32_t (tracepipe.h); a counter from raw code may be wider
    if (ev.blob || ev.args.length !== 1) return `expected 1 counter value, got ${ev.blob ? 'a blob' : `${ev.args.length}`}`;
    const v = ev.args[0];
    return [{ name: 'value', type: v > 0xffffffffn ? 'u64' : 'u32', value: v }];
  }
  if (d.kind !== 'log' && d.kind !== 'event') return [];
  const values = decodeArgs(d, ev);
  if (typeof values === 'string') return values;
  return values.map((value, i) => ({ name: valueName(d, i), type: d.types[i], value }));
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A typed value as JSON, by the JSONL rule for 64-bit quantities: integers are numbers
 * while a double holds them exactly (|v| ≤ 2^53 − 1), else decimal strings; floats are
 * numbers (f32 by its shortest decimal), except NaN and ±infinity, which JSON lacks: "nan", "inf", "-inf".
 */
export function valueJson(v: ArgValue, t?: ArgType): number | string {
  if (typeof v === 'bigint') return v <= SAFE && v >= -SAFE ? Number(v) : v.toString();
  if (typeof v === 'number') {
    // an f32 as the shortest decimal that reads back as the same float32 (3.14159, not 3.141590118408203)
    if (Number.isFinite(v)) return t === 'f32' ? Number(shortFloat32(v)) : v;
    return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  }
  return v;
}

/** A typed value as text for CSV cells: exact decimal integers, floats as JavaScript's shortest round-trip decimal. */
export function valueText(t: ArgType, v: ArgValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return t === 'f32' ? shortFloat32(v) : String(v);
}

/** The shortest decimal that reads back as the same float32. */
export function shortFloat32(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  for (let p = 1; p <= 9; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(x);
}
