// Text output built straight into large byte buffers for the text exporters (CSV, Chrome
// JSON). Building each line as a string and encoding it later costs more than the
// formatting itself: numbers are written digit by digit into the buffer, ASCII pieces byte
// by byte, and only text that may hold anything (names and strings from the ELF) goes
// through the UTF-8 encoder. A full buffer is written at once and reused where the sink
// writes synchronously (Sink.writeNow), else handed over whole and never touched again (a
// sink may keep it until its own flush): no garbage of big buffers builds up between
// collections, so peak memory does not follow the output rate.
import type { EventBatch } from '../core/batch.js';
import type { Sink } from './types.js';

const CHUNK = 1 << 20;
/** strings shorter than this are copied byte by byte; longer ones by Buffer.write */
const SHORT = 24;
const TWO_32 = 4294967296;

// The put* functions take and return the position, so a writer keeps it in a local for a
// whole line (V8 inlines them): a property store per field costs more than the bytes.

/** "00".."99": two digits per division */
const DIGITS2 = Buffer.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''), 'latin1');

/** Decimal digits of n, 0 <= n < 2^31. */
function digits31(n: number): number {
  if (n < 100_000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : 5;
  return n < 1_000_000 ? 6 : n < 10_000_000 ? 7 : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10;
}

/** n (0 <= n < 2^31) in exactly `len` digits ending at p + len; int32 arithmetic only. */
export function putDigits(buf: Uint8Array, p: number, n: number, len: number): number {
  let q = p + len;
  n |= 0;
  while (q - p >= 2) {
    const d = (n / 100) | 0;
    const r = (n - d * 100) << 1;
    buf[--q] = DIGITS2[r + 1];
    buf[--q] = DIGITS2[r];
    n = d;
  }
  if (q > p) buf[--q] = 48 + (n % 10);
  return p + len;
}

/** n, a non-negative integer below 2^53, in decimal at p (at most 16 bytes). */
export function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n <= 0x7fff_ffff) return putDigits(buf, p, n, digits31(n));
  const hi = Math.floor(n / 1e9);
  const lo = n - hi * 1e9;
  return putDigits(buf, putUint(buf, p, hi), lo, 9);
}

/** The u64 hi × 2^32 + lo in decimal at p (at most 20 bytes). */
export function putU64(buf: Uint8Array, p: number, hi: number, lo: number): number {
  if (hi < 0x200000) return putUint(buf, p, hi * TWO_32 + lo);
  const s = ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

/**
 * A constant piece of a line as little-endian words, padded with zeros: written 4 bytes per
 * store. The padding lands beyond the piece's end, where the next write or nothing (bytes
 * past pos are not output) goes, which the room made before each piece allows.
 */
export interface Piece {
  words: Uint32Array;
  length: number;
}

export function pieceOf(text: string | Uint8Array): Piece {
  const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const padded = new Uint8Array(Math.ceil(b.length / 4) * 4);
  padded.set(b);
  return { words: new Uint32Array(padded.buffer), length: b.length };
}

/** The piece at p (4 bytes per store, so room for its words is needed); the next position. */
export function putPiece(view: DataView, p: number, piece: Piece): number {
  const w = piece.words;
  for (let k = 0; k < w.length; k++) view.setUint32(p + 4 * k, w[k], true);
  return p + piece.length;
}

/** Bytes already encoded at p, copied one by one (short constant pieces: faster than set()). */
export function putBytes(buf: Uint8Array, p: number, b: Uint8Array): number {
  const n = b.length;
  for (let i = 0; i < n; i++) buf[p + i] = b[i];
  return p + n;
}

/** ns as µs with exactly three decimals (micros()) at p, for ns an integer in [0, 2^53): at most 21 bytes. */
export function putMicros(buf: Uint8Array, p: number, ns: number): number {
  const frac = ns % 1000;
  p = putUint(buf, p, (ns - frac) / 1000);
  buf[p] = 46; // '.'
  return putDigits(buf, p + 1, frac, 3);
}

export class OutBuffer {
  /** buf[pos, …) is where the next byte goes; after room(n), n bytes may be written there */
  buf: Buffer;
  /** over buf, for the word stores of constant pieces */
  view: DataView;
  pos = 0;

  constructor(
    private readonly sink: Sink,
    private readonly size = CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  private fresh(n: number): void {
    this.buf = Buffer.allocUnsafe(n);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Hands what is written to the sink; the next writes go into a new buffer of at least `room` bytes. */
  flush(room = 0): void {
    if (this.sink.writeNow) {
      if (this.pos > 0) this.sink.writeNow(this.buf.subarray(0, this.pos));
      if (room > this.buf.length) this.fresh(room);
    } else {
      if (this.pos > 0) this.sink.write(this.buf.subarray(0, this.pos));
      this.fresh(Math.max(this.size, room));
    }
    this.pos = 0;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) this.flush(n);
  }

  /** Makes room for n more bytes (flushing if need be): then buf[pos, pos + n) may be written. */
  room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush(n);
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = c;
  }

  /** Bytes already encoded (constant pieces made once with ascii bytes, see encodeAscii). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.pos + n > this.buf.length) this.flush(n);
    const buf = this.buf;
    let p = this.pos;
    if (n < 64) for (let i = 0; i < n; i++) buf[p++] = b[i];
    else {
      buf.set(b, p);
      p += n;
    }
    this.pos = p;
  }

  /** A string known to be ASCII (keys, kinds, numbers already formatted). */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.flush(n);
    const buf = this.buf;
    if (n < SHORT) {
      let p = this.pos;
      for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += buf.write(s, this.pos, n, "latin1");
    }
  }

  /** Any string, as UTF-8. */
  text(s: string): void {
    this.need(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** A number in decimal as String() writes it; fast for non-negative integers below 2^53. */
  uint(v: number): void {
    if (!(v >= 0 && v <= 9_007_199_254_740_991 && Math.floor(v) === v)) {
      this.ascii(String(v));
      return;
    }
    this.room(16);
    this.pos = putUint(this.buf, this.pos, v);
  }

  /** A u64 (or any bigint) in decimal. */
  big(v: bigint): void {
    if (v >= 0n && v <= 9_007_199_254_740_991n) this.uint(Number(v));
    else this.ascii(v.toString());
  }

  /** The u64 hi × 2^32 + lo (a batch's argument halves) in decimal. */
  u64(hi: number, lo: number): void {
    if (hi < 0x200000) this.uint(hi * TWO_32 + lo);
    else this.ascii(((BigInt(hi) << 32n) | BigInt(lo)).toString());
  }

  /** ns as µs with exactly three decimals (1234567 → 1234.567), as chrome.ts `us` writes it. */
  micros(ns: bigint): void {
    if (ns >= 0n && ns <= 9_007_199_254_740_991n) {
      this.microsOf(Number(ns));
      return;
    }
    const neg = ns < 0n;
    const a = neg ? -ns : ns;
    this.ascii(`${neg ? '-' : ''}${a / 1000n}.${(a % 1000n).toString().padStart(3, '0')}`);
  }

  /** micros() of an integer number of ns in [0, 2^53). */
  microsOf(n: number): void {
    this.room(21);
    this.pos = putMicros(this.buf, this.pos, n);
  }

  /** Flushes and closes the sink. */
  close(): void {
    this.flush();
    this.sink.close();
  }
}

/** An ASCII string as bytes, for OutBuffer.bytes. */
export function encodeAscii(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** A batch's base time as a number, or Infinity when base + offset may not be exact (then use the bigint). */
export function exactBase(base: bigint): number {
  return base >= 0n && base <= MAX_SAFE_BIG ? Number(base) : Infinity;
}
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** What an exporter keeps per packet of a batch, with the batch's base times as exact numbers. */
export interface PacketCells<T> {
  session: number;
  seq: number;
  value: T;
  nsBig: bigint;
  /** exactBase(nsBase): nsBase + nsOff[i] is exact when at most 2^53 - 1 */
  ns: number;
  ticksBig: bigint;
  ticks: number;
}

/**
 * The merge hands out short runs (about 1.5 events on two interleaved cores), so what is the
 * same for a whole packet is made once per core and packet, not per run.
 */
export class PacketCache<T> {
  private readonly byCore: PacketCells<T>[] = [];
  constructor(private readonly make: (b: EventBatch) => T) {}
  of(b: EventBatch): PacketCells<T> {
    let c = this.byCore[b.core];
    if (!c) {
      c = { session: b.session, seq: b.seq, value: this.make(b), nsBig: b.nsBase, ns: exactBase(b.nsBase), ticksBig: b.ticksBase, ticks: exactBase(b.ticksBase) };
      this.byCore[b.core] = c;
      return c;
    }
    if (c.session !== b.session || c.seq !== b.seq) {
      c.session = b.session;
      c.seq = b.seq;
      c.value = this.make(b);
    }
    if (c.nsBig !== b.nsBase) c.ns = exactBase((c.nsBig = b.nsBase));
    if (c.ticksBig !== b.ticksBase) c.ticks = exactBase((c.ticksBig = b.ticksBase));
    return c;
  }
}

/** Per (kind, id), a value made once: the exporters' name cells and labels, which depend on nothing else. */
export class KindIdCache<T> {
  private readonly byKind = new Map<string, Map<number, T>>();
  get(kind: string, id: number): T | undefined {
    return this.byKind.get(kind)?.get(id);
  }
  set(kind: string, id: number, v: T): T {
    let m = this.byKind.get(kind);
    if (!m) this.byKind.set(kind, (m = new Map()));
    m.set(id, v);
    return v;
  }
}
