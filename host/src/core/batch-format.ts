// Text and JSONL lines of batch events (core/batch.ts) written as bytes into a ByteOut
// (core/byte-out.ts), numbers formatted by hand: no string, object or BigInt per event. The lines are
// byte for byte those of recordToText and jsonLine(recordToJson(...)) for an event without
// ELF metadata (batch.test.ts checks it); events with names go through the object path.

import type { EventBatch } from './batch.js';
import { pieceOf, put9, putPiece, putU64, putUint, type ByteOut } from './byte-out.js';
import { formatNs } from './text.js';
import { EVENT_KINDS } from './types.js';

const TWO32 = 0x1_0000_0000;
const NS_PER_S = 1_000_000_000;

/** `kind      id=` for each kind (recordToText pads the kind to 10) */
const TEXT_KIND = EVENT_KINDS.map((k) => pieceOf(`${k.padEnd(10)} id=`));
/** `","kind":"<kind>","id":` for each kind */
const JSON_KIND = EVENT_KINDS.map((k) => pieceOf(`","kind":"${k}","id":`));
const B_CORE = pieceOf('core ');
const B_ARGS = pieceOf(' args=');
const B_BLOB = pieceOf(' blob=');
const J_EVENT = pieceOf('{"type":"event",');
const J_SESSION = pieceOf('"session":');
const J_CORE = pieceOf('"core":');
const J_TNS = pieceOf(',"t_ns":"');
const J_ARGS = pieceOf(',"args":[');
const J_BLOB = pieceOf('],"blob":"');
const J_END = pieceOf(']}\n');
const J_BLOB_END = pieceOf('"}\n');

/**
 * Room made before each event line: well above what one needs besides its blob (time, core,
 * kind, id, 6 u64 arguments), so nothing before the blob flushes the buffer and the writers
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

/** `decode` text lines of events b[from, to). */
export function writeTextEvents(o: ByteOut, b: EventBatch, from: number, to: number): void {
  const kind = b.kind;
  const id = b.id;
  const argStart = b.argStart;
  const argLo = b.argLo;
  const argHi = b.argHi;
  const nsOff = b.nsOff;
  const nsSec = b.nsBaseSec;
  const nsFrac = b.nsBaseFrac;
  const exact = b.nsBaseExact;
  const session = b.session;
  const core = b.core;
  // held across lines; the slow paths (o.text, blobs) store p and load all three again
  let buf = o.buf;
  let view = o.view;
  let p = o.pos;
  for (let i = from; i < to; i++) {
    if (p + LINE_ROOM > buf.length) {
      o.pos = p;
      o.room(LINE_ROOM);
      buf = o.buf;
      view = o.view;
      p = o.pos;
    }
    let t = nsFrac + nsOff[i];
    let sec = nsSec;
    if (t >= NS_PER_S) {
      const carry = Math.floor(t / NS_PER_S);
      sec += carry;
      t -= carry * NS_PER_S;
    }
    if (exact && sec <= Number.MAX_SAFE_INTEGER) {
      p = putUint(buf, p, sec);
      buf[p++] = 46; // .
      p = put9(buf, p, t);
    } else {
      o.pos = p;
      o.text(formatNs(b.tNs(i)));
      p = o.pos;
    }
    buf[p++] = 32;
    if (session > 0) {
      buf[p++] = 115; // s
      p = putUint(buf, p, session);
      buf[p++] = 32;
    }
    p = putPiece(view, p, B_CORE);
    p = putUint(buf, p, core);
    buf[p++] = 32;
    p = putPiece(view, p, TEXT_KIND[kind[i]]);
    p = putUint(buf, p, id[i]);
    const a0 = argStart[i];
    const a1 = argStart[i + 1];
    if (a1 > a0) {
      p = putPiece(view, p, B_ARGS);
      for (let a = a0; a < a1; a++) {
        if (a > a0) buf[p++] = 44; // ,
        p = putU64(buf, p, argHi[a], argLo[a]);
      }
    }
    const blob = b.hasBlobs ? b.blobs[i] : undefined;
    if (blob) {
      o.pos = p;
      o.piece(B_BLOB);
      o.hex(blob);
      o.byte(10);
      buf = o.buf;
      view = o.view;
      p = o.pos;
    } else buf[p++] = 10;
  }
  o.pos = p;
}

/**
 * `decode --format jsonl` lines of events b[from, to). Apart from writeTextEvents on purpose,
 * though both open with the same column loads: the two lines put their fields in another
 * order (time first in text, session and core first in JSON), so one shared loop would call
 * a line writer per event through a parameter that sees both writers, a call V8 does not
 * inline, where each loop now inlines all its put* calls.
 */
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
    let p = putPiece(view, o.pos, J_EVENT);
    if (session > 0) {
      p = putPiece(view, p, J_SESSION);
      p = putUint(buf, p, session);
      buf[p++] = 44;
    }
    p = putPiece(view, p, J_CORE);
    p = putUint(buf, p, core);
    p = putPiece(view, p, J_TNS);
    if (seconds(b, i)) {
      if (tSec === 0) p = putUint(buf, p, tFrac);
      else p = put9(buf, putUint(buf, p, tSec), tFrac);
    } else {
      o.pos = p;
      o.text(b.tNs(i).toString());
      p = o.pos;
    }
    p = putPiece(view, p, JSON_KIND[kind[i]]);
    p = putUint(buf, p, id[i]);
    p = putPiece(view, p, J_ARGS);
    const a0 = argStart[i];
    const a1 = argStart[i + 1];
    for (let a = a0; a < a1; a++) {
      if (a > a0) buf[p++] = 44;
      const hi = argHi[a];
      if (hi < 0x20_0000) p = putUint(buf, p, hi * TWO32 + argLo[a]);
      else {
        // past 2^53 a decimal string, so no JSON reader rounds it
        buf[p++] = 34;
        p = putU64(buf, p, hi, argLo[a]);
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
      o.pos = putPiece(view, p, J_END);
    }
  }
}
