// Text and JSONL lines of batch events (core/batch.ts) written as bytes into one growing
// buffer, numbers formatted by hand: no string, object or BigInt per event. The lines are
// byte for byte those of recordToText and jsonLine(recordToJson(...)) for an event without
// ELF metadata (batch.test.ts checks it); events with names go through the object path.

import { u64Big, type EventBatch } from './batch.js';
import { formatNs } from './text.js';
import { EVENT_KINDS } from './types.js';

const encoder = new TextEncoder();
const TWO32 = 0x1_0000_0000;
const NS_PER_S = 1_000_000_000;
const HEX = encoder.encode('0123456789abcdef');

/**
 * A constant piece of a line as little-endian words, padded with zeros: written 4 bytes per
 * store. The padding lands beyond the piece's end, where the next write or nothing (bytes
 * past pos are not output) goes, which the room made before each line allows.
 */
interface Piece {
  words: Uint32Array;
  length: number;
}

function bytesOf(s: string): Piece {
  const b = encoder.encode(s);
  const padded = new Uint8Array(Math.ceil(b.length / 4) * 4);
  padded.set(b);
  const words = new Uint32Array(padded.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = padded[4 * i] | (padded[4 * i + 1] << 8) | (padded[4 * i + 2] << 16) | (padded[4 * i + 3] << 24);
  return { words, length: b.length };
}
/** `kind      id=` for each kind (recordToText pads the kind to 10) */
const TEXT_KIND = EVENT_KINDS.map((k) => bytesOf(`${k.padEnd(10)} id=`));
/** `","kind":"<kind>","id":` for each kind */
const JSON_KIND = EVENT_KINDS.map((k) => bytesOf(`","kind":"${k}","id":`));
const B_CORE = bytesOf('core ');
const B_ARGS = bytesOf(' args=');
const B_BLOB = bytesOf(' blob=');
const J_EVENT = bytesOf('{"type":"event",');
const J_SESSION = bytesOf('"session":');
const J_CORE = bytesOf('"core":');
const J_TNS = bytesOf(',"t_ns":"');
const J_ARGS = bytesOf(',"args":[');
const J_BLOB = bytesOf('],"blob":"');
const J_END = bytesOf(']}\n');
const J_BLOB_END = bytesOf('"}\n');

/** A byte buffer that lines are appended to; the caller takes its bytes out now and then. */
export class ByteOut {
  buf: Uint8Array;
  /** over buf, for the word stores of constant pieces */
  view: DataView;
  pos = 0;

  constructor(size = 1 << 20) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for n more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }

  /** The bytes so far, handed over (they stay valid: writing goes on in a new buffer). */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.buf = new Uint8Array(this.buf.length);
    this.view = new DataView(this.buf.buffer);
    this.pos = 0;
    return out;
  }

  piece(b: Piece): void {
    this.room(b.words.length * 4);
    this.pos = cp(this.view, this.pos, b);
  }

  /** Any string, as UTF-8. */
  str(s: string): void {
    this.room(s.length * 3);
    this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

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
}

/**
 * Room made before each event line: well above what one needs besides its blob (time, core,
 * kind, id, 6 u64 arguments), so nothing before the blob grows the buffer and the writers
 * may hold o.buf until then.
 */
const LINE_ROOM = 1024;

/** Seconds of event i and the ns within them, for the writers below (exact: nsBaseExact). */
let tSec = 0;
let tFrac = 0;
function seconds(b: EventBatch, i: number): boolean {
  if (!b.nsBaseExact) return false;
  const t = b.nsBaseFrac + b.nsOff[i];
  const carry = Math.floor(t / NS_PER_S);
  tSec = b.nsBaseSec + carry;
  tFrac = t - carry * NS_PER_S;
  return tSec <= Number.MAX_SAFE_INTEGER;
}

// The writers keep the position in a local and call these, which V8 inlines: TypedArray.set
// and property stores per field cost more than the bytes themselves.

function cp(view: DataView, p: number, piece: Piece): number {
  const w = piece.words;
  for (let k = 0; k < w.length; k++) view.setUint32(p + 4 * k, w[k], true);
  return p + piece.length;
}

/** "00".."99": two digits per division */
const DIGITS2 = encoder.encode(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));

/** Decimal digits of n, 0 <= n < 2^31. */
function digits31(n: number): number {
  if (n < 100_000) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : 5;
  return n < 1_000_000 ? 6 : n < 10_000_000 ? 7 : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10;
}

/** n (0 <= n < 2^31) in exactly `len` digits ending at p + len; int32 arithmetic only. */
function putDigits(buf: Uint8Array, p: number, n: number, len: number): number {
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

/** n, a non-negative integer below 2^53, in decimal at p. */
function putUint(buf: Uint8Array, p: number, n: number): number {
  if (n <= 0x7fff_ffff) return putDigits(buf, p, n, digits31(n));
  const hi = Math.floor(n / 1e9);
  const lo = n - hi * 1e9;
  return putDigits(buf, putUint(buf, p, hi), lo, 9);
}

/** n below 10^9 in exactly 9 digits at p. */
function put9(buf: Uint8Array, p: number, n: number): number {
  return putDigits(buf, p, n, 9);
}

/** `decode` text lines of events b[from, to). */
export function writeTextEvents(o: ByteOut, b: EventBatch, from: number, to: number): void {
  const kind = b.kind;
  const id = b.id;
  const argStart = b.argStart;
  const argLo = b.argLo;
  const argHi = b.argHi;
  const session = b.session;
  const core = b.core;
  for (let i = from; i < to; i++) {
    o.room(LINE_ROOM);
    const buf = o.buf;
    const view = o.view;
    let p = o.pos;
    if (seconds(b, i)) {
      p = putUint(buf, p, tSec);
      buf[p++] = 46; // .
      p = put9(buf, p, tFrac);
    } else {
      o.pos = p;
      o.str(formatNs(b.tNs(i)));
      p = o.pos;
    }
    buf[p++] = 32;
    if (session > 0) {
      buf[p++] = 115; // s
      p = putUint(buf, p, session);
      buf[p++] = 32;
    }
    p = cp(view, p, B_CORE);
    p = putUint(buf, p, core);
    buf[p++] = 32;
    p = cp(view, p, TEXT_KIND[kind[i]]);
    p = putUint(buf, p, id[i]);
    const a0 = argStart[i];
    const a1 = argStart[i + 1];
    if (a1 > a0) {
      p = cp(view, p, B_ARGS);
      for (let a = a0; a < a1; a++) {
        if (a > a0) buf[p++] = 44; // ,
        const hi = argHi[a];
        if (hi < 0x20_0000) p = putUint(buf, p, hi * TWO32 + argLo[a]);
        else {
          o.pos = p;
          o.str(u64Big(hi, argLo[a]).toString());
          p = o.pos;
        }
      }
    }
    o.pos = p;
    const blob = b.hasBlobs ? b.blobs[i] : undefined;
    if (blob) {
      o.piece(B_BLOB);
      o.hex(blob);
    }
    o.buf[o.pos++] = 10;
  }
}

/** `decode --format jsonl` lines of events b[from, to). */
export function writeJsonEvents(o: ByteOut, b: EventBatch, from: number, to: number): void {
  const kind = b.kind;
  const id = b.id;
  const argStart = b.argStart;
  const argLo = b.argLo;
  const argHi = b.argHi;
  const session = b.session;
  const core = b.core;
  for (let i = from; i < to; i++) {
    o.room(LINE_ROOM);
    const buf = o.buf;
    const view = o.view;
    let p = cp(view, o.pos, J_EVENT);
    if (session > 0) {
      p = cp(view, p, J_SESSION);
      p = putUint(buf, p, session);
      buf[p++] = 44;
    }
    p = cp(view, p, J_CORE);
    p = putUint(buf, p, core);
    p = cp(view, p, J_TNS);
    if (seconds(b, i)) {
      if (tSec === 0) p = putUint(buf, p, tFrac);
      else p = put9(buf, putUint(buf, p, tSec), tFrac);
    } else {
      o.pos = p;
      o.str(b.tNs(i).toString());
      p = o.pos;
    }
    p = cp(view, p, JSON_KIND[kind[i]]);
    p = putUint(buf, p, id[i]);
    p = cp(view, p, J_ARGS);
    const a0 = argStart[i];
    const a1 = argStart[i + 1];
    for (let a = a0; a < a1; a++) {
      if (a > a0) buf[p++] = 44;
      const hi = argHi[a];
      if (hi < 0x20_0000) p = putUint(buf, p, hi * TWO32 + argLo[a]);
      else {
        buf[p++] = 34;
        o.pos = p;
        o.str(u64Big(hi, argLo[a]).toString());
        p = o.pos;
        buf[p++] = 34;
      }
    }
    const blob = b.hasBlobs ? b.blobs[i] : undefined;
    if (blob) {
      o.pos = p;
      o.piece(J_BLOB);
      o.hex(blob);
      o.piece(J_BLOB_END);
    } else {
      o.pos = cp(view, p, J_END);
    }
  }
}
