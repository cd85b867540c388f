// Text output built straight into large byte buffers, for every line writer (decode text and
// JSONL, the CSV, Chrome JSON and JSONL exporters). Building each line as a string and
// encoding it later costs more than the formatting itself: numbers are written digit by digit
// (two per division) into the buffer, ASCII pieces byte by byte or four bytes per store, and
// only text that may hold anything (names and strings from the ELF) goes through the UTF-8
// encoder. A full buffer goes to the sink at once and is reused where the sink writes
// synchronously (writeNow), else handed over whole and never touched again (a sink may keep
// it until its own flush); a sink that writes in the background lends the buffers (buffer())
// and takes each back whole: no garbage of big buffers builds up between collections, so peak
// memory does not follow the output rate. No I/O here: the sink is the caller's.

/** Where a ByteOut's full buffers go. */
export interface ByteSink {
  /** Takes the bytes: they are the sink's from now on. */
  write(data: Uint8Array): void;
  /** Writes `data` before returning and keeps no reference to it, so the buffer is reused. */
  writeNow?(data: Uint8Array): void;
  /**
   * An empty buffer of at least n bytes, the sink's: ByteOut fills it, hands what it wrote to
   * write() and takes the next; the sink reuses it once written (preferred over writeNow).
   */
  buffer?(n: number): Uint8Array;
  close?(): void;
}

const CHUNK = 1 << 20;
const TWO_32 = 0x1_0000_0000;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const encoder = new TextEncoder();
const HEX = encoder.encode('0123456789abcdef');
/** strings shorter than this are copied char by char when ASCII; longer ones by the encoder */
const SHORT = 32;

/**
 * A constant piece of a line as little-endian words, padded with zeros: written 4 bytes per
 * store. The padding lands beyond the piece's end, where the next write or nothing (bytes
 * past pos are not output) goes, which the room made before each piece allows.
 */
export interface Piece {
  words: Uint32Array;
  length: number;
}

export function pieceOf(s: string): Piece {
  const b = encoder.encode(s);
  const padded = new Uint8Array(Math.ceil(b.length / 4) * 4);
  padded.set(b);
  const words = new Uint32Array(padded.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = padded[4 * i] | (padded[4 * i + 1] << 8) | (padded[4 * i + 2] << 16) | (padded[4 * i + 3] << 24);
  return { words, length: b.length };
}

/** An ASCII string as bytes, for ByteOut.bytes. */
export function encodeAscii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

// The put* functions take and return the position, so a writer keeps it in a local for a
// whole line (V8 inlines them): a property store per field costs more than the bytes.

/** The piece at p (4 bytes per store); the next position. */
export function putPiece(view: DataView, p: number, piece: Piece): number {
  const w = piece.words;
  for (let k = 0; k < w.length; k++) view.setUint32(p + 4 * k, w[k], true);
  return p + piece.length;
}

/** "000".."999": three digits per division (int32 arithmetic) */
const DIGITS3 = encoder.encode(Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0')).join(''));

/** n (0 <= n < 1000) in exactly 3 digits at p. */
export function put3(buf: Uint8Array, p: number, n: number): number {
  const k = 3 * n;
  buf[p] = DIGITS3[k];
  buf[p + 1] = DIGITS3[k + 1];
  buf[p + 2] = DIGITS3[k + 2];
  return p + 3;
}

/** n (0 <= n < 1000) in decimal at p. */
function putSmall(buf: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    buf[p] = 48 + n;
    return p + 1;
  }
  const k = 3 * n;
  if (n < 100) {
    buf[p] = DIGITS3[k + 1];
    buf[p + 1] = DIGITS3[k + 2];
    return p + 2;
  }
  buf[p] = DIGITS3[k];
  buf[p + 1] = DIGITS3[k + 1];
  buf[p + 2] = DIGITS3[k + 2];
  return p + 3;
}

/** n, an integer in [0, 10^9), in decimal at p: int32 arithmetic only. */
function putBelow1e9(buf: Uint8Array, p: number, n: number): number {
  if (n < 1000) return putSmall(buf, p, n);
  if (n < 1_000_000) {
    const h = (n / 1000) | 0;
    return put3(buf, putSmall(buf, p, h), n - h * 1000);
  }
  const h = (n / 1_000_000) | 0;
  const r = n - h * 1_000_000;
  const m = (r / 1000) | 0;
  return put3(buf, put3(buf, putSmall(buf, p, h), m), r - m * 1000);
}

/**
 * n, a non-negative integer below 2^53, in decimal at p (at most 16 bytes). Not recursive, so
 * that V8 inlines it into the line writers (a recursive one stays a call per number); above
 * 10^9 the head is below 2^53 / 10^9 < 10^7.
 */
export function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n < 1_000_000_000) return putBelow1e9(buf, p, n);
  const h = Math.floor(n / 1e9);
  return put9(buf, putBelow1e9(buf, p, h), n - h * 1e9);
}

/** n below 10^9 in exactly 9 digits at p. */
export function put9(buf: Uint8Array, p: number, n: number): number {
  const h = (n / 1_000_000) | 0;
  const r = n - h * 1_000_000;
  const m = (r / 1000) | 0;
  return put3(buf, put3(buf, put3(buf, p, h), m), r - m * 1000);
}

/** ns as µs with exactly three decimals (ByteOut.micros) at p, for ns an integer in [0, 2^53): at most 21 bytes. */
export function putMicros(buf: Uint8Array, p: number, ns: number): number {
  // no %: past 2^31 it is a floating-point remainder, a call into C per number
  const whole = Math.floor(ns / 1000);
  const frac = ns - whole * 1000;
  p = putUint(buf, p, whole);
  buf[p] = 46; // '.'
  return put3(buf, p + 1, frac);
}

/**
 * The u64 hi × 2^32 + lo in decimal at p (at most 20 bytes). At 2^53 and above, without a
 * BigInt: a long division by 10^7 over its four 16-bit digits (each step below 2^40, exact in a
 * double) gives the quotient (below 2^41) and the last seven digits.
 */
export function putU64(buf: Uint8Array, p: number, hi: number, lo: number): number {
  if (hi < 0x200000) return putUint(buf, p, hi * TWO_32 + lo);
  return putU64Above53(buf, p, hi, lo);
}

/** putU64 at 2^53 and above: apart, so that putU64 stays small enough for V8 to inline. */
function putU64Above53(buf: Uint8Array, p: number, hi: number, lo: number): number {
  let c = hi;
  const q2 = Math.floor(c / 1e7);
  let r = c - q2 * 1e7;
  c = r * 65536 + (lo >>> 16);
  const q1 = Math.floor(c / 1e7);
  r = c - q1 * 1e7;
  c = r * 65536 + (lo & 0xffff);
  const q0 = Math.floor(c / 1e7);
  r = c - q0 * 1e7;
  p = putUint(buf, p, q2 * TWO_32 + q1 * 65536 + q0);
  const h = Math.floor(r / 1e6);
  buf[p++] = 48 + h;
  r -= h * 1e6;
  const m = (r / 1000) | 0;
  return put3(buf, put3(buf, p, m), r - m * 1000);
}

export class ByteOut {
  buf: Uint8Array;
  /** over buf, for the word stores of constant pieces */
  view: DataView;
  pos = 0;
  /** where the bytes not yet handed over begin (0 with writeNow) */
  private start = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly size = CHUNK,
  ) {
    this.buf = sink.buffer ? sink.buffer(size) : new Uint8Array(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /**
   * Hands what is written to the sink; the next writes go into a buffer with room for at least
   * `room` bytes. A handed-over part is never written again: without writeNow, writing goes on
   * after it in the same buffer while enough is left there, so small flushes (one per input
   * chunk) cost no new buffer each.
   */
  flush(room = 0): void {
    const lend = this.sink.buffer;
    if (lend) {
      if (this.pos === 0 && room <= this.buf.length) return;
      if (this.pos > 0) this.sink.write(this.buf.subarray(0, this.pos));
      this.use(lend.call(this.sink, Math.max(room, this.size)));
      this.pos = 0;
      return;
    }
    if (this.sink.writeNow) {
      if (this.pos > 0) this.sink.writeNow(this.buf.subarray(0, this.pos));
      this.pos = 0;
      if (room > this.buf.length) this.fresh(room);
      return;
    }
    if (this.pos > this.start) this.sink.write(this.buf.subarray(this.start, this.pos));
    this.start = this.pos;
    if (this.buf.length - this.pos < Math.max(room, this.size >> 4)) {
      this.fresh(Math.max(this.size, room));
      this.pos = this.start = 0;
    }
  }

  private fresh(n: number): void {
    this.use(new Uint8Array(n));
  }

  private use(b: Uint8Array): void {
    this.buf = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.length);
  }

  /** Makes room for n more bytes (flushing if need be): then buf[pos, pos + n) may be written. */
  room(n: number): void {
    if (this.pos + n > this.buf.length) this.flush(n);
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.flush();
    this.buf[this.pos++] = c;
  }

  /** Bytes already encoded (constant pieces made once, see encodeAscii). */
  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    if (n < 64) for (let i = 0; i < n; i++) buf[p++] = b[i];
    else {
      buf.set(b, p);
      p += n;
    }
    this.pos = p;
  }

  piece(b: Piece): void {
    this.room(b.words.length * 4);
    this.pos = putPiece(this.view, this.pos, b);
  }

  /** A string known to be ASCII (keys, kinds, numbers already formatted). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any string, as UTF-8. */
  text(s: string): void {
    const n = s.length;
    this.room(n * 3);
    const buf = this.buf;
    if (n < SHORT) {
      const p = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p + i] = c;
      }
      if (i === n) {
        this.pos = p + n;
        return;
      }
    }
    this.pos += encoder.encodeInto(s, buf.subarray(this.pos)).written;
  }

  /** A number in decimal as String() writes it; fast for non-negative integers below 2^53. */
  uint(v: number): void {
    if (!(v >= 0 && v <= MAX_EXACT && Math.floor(v) === v)) {
      this.ascii(String(v));
      return;
    }
    this.room(16);
    this.pos = putUint(this.buf, this.pos, v);
  }

  /** A u64 (or any bigint) in decimal. */
  big(v: bigint): void {
    if (v >= 0n && v <= MAX_SAFE_BIG) this.uint(Number(v));
    else this.ascii(v.toString());
  }

  /** The u64 hi × 2^32 + lo (a batch's argument halves) in decimal. */
  u64(hi: number, lo: number): void {
    this.room(20);
    this.pos = putU64(this.buf, this.pos, hi, lo);
  }

  /** ns as µs with exactly three decimals (1234567 → 1234.567), as chrome.ts `us` writes it. */
  micros(ns: bigint): void {
    if (ns >= 0n && ns <= MAX_SAFE_BIG) {
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

  /** Bytes as lowercase hex, two digits each. */
  hex(b: Uint8Array): void {
    this.room(b.length * 2);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) {
      buf[p++] = HEX[b[i] >> 4];
      buf[p++] = HEX[b[i] & 15];
    }
    this.pos = p;
  }

  /** Flushes and closes the sink. */
  close(): void {
    this.flush();
    this.sink.close?.();
  }
}
const MAX_SAFE_BIG = BigInt(MAX_EXACT);
