// Message layouts (SPEC §4-§8), parsed from the decoded bytes of one frame. Every parser
// consumes the body exactly or throws a WireError: nothing from a bad frame is used.

import { Cursor, WireError } from './varint.js';
import type { EventBatch } from './batch.js';
import type { FrameKernel } from './frame-kernel.js';
import type { StreamHeader } from './types.js';
import {
  HEADER_FLAG_BOOT,
  HEADER_FLAG_NO_FLUSH,
  MAGIC,
  MAX_BUILD_ID,
  MAX_TIMER_BITS,
  MIN_TIMER_BITS,
  MODES,
  STATUS_FLAG_FINAL,
  SUPPORTED_VERSIONS,
} from './wire-gen.js';

// The wire constants come from protocol/wire.json; re-exported for the modules that take them from here.
export {
  CMD_DUMP,
  CMD_FLUSH,
  CMD_HEADER,
  CMD_START,
  CMD_STOP,
  COMMAND_NAMES,
  HEADER_FLAG_BOOT,
  MAGIC,
  MAX_BUILD_ID,
  MSG_HEADER,
  MSG_PACKET,
  MSG_STATUS,
  STATUS_FLAG_FINAL,
  SUPPORTED_VERSIONS,
} from './wire-gen.js';

/** Parses a HEADER message occupying buf[start, end) (type byte included). */
export function parseHeader(buf: Uint8Array, start: number, end: number): StreamHeader {
  const c = new Cursor(buf, start + 1, end);
  if (c.remaining < 4 || MAGIC.some((m, i) => buf[start + 1 + i] !== m)) {
    throw new WireError('bad_magic', 'header magic is not "TPIP"');
  }
  c.pos += 4;
  const version = c.u8('version');
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new WireError(
      'bad_version',
      `protocol version ${version} is not supported (this host decodes version ${SUPPORTED_VERSIONS.join(', ')})`,
    );
  }
  const flags = c.u8('flags');
  const cores = c.u8('cores');
  const mode = c.u8('mode');
  const timerBits = c.u8('timer_bits');
  const timerHz = c.u32('timer_hz');
  const packetSize = c.u16('packet_size');
  const packets = c.u16('packets');
  const ts = c.u64('ts');
  const session = c.u32('session');
  const idLen = c.u8('build_id_len');
  if (cores < 1) throw new WireError('malformed', 'header has 0 cores');
  if (mode >= MODES.length) throw new WireError('malformed', `header mode ${mode} is not 0 or 1`);
  if (timerBits < MIN_TIMER_BITS || timerBits > MAX_TIMER_BITS) {
    throw new WireError('malformed', `header timer_bits ${timerBits} not in ${MIN_TIMER_BITS}..${MAX_TIMER_BITS}`);
  }
  if (timerHz === 0) throw new WireError('malformed', 'header timer_hz is 0');
  if (idLen > MAX_BUILD_ID) throw new WireError('malformed', `header build_id_len ${idLen} > ${MAX_BUILD_ID}`);
  const id = c.bytes(idLen, 'build_id');
  let buildId = '';
  for (let i = 0; i < id.length; i++) buildId += id[i].toString(16).padStart(2, '0');
  const origin: StreamHeader['origin'] = [];
  for (let k = 0; k < cores; k++) {
    origin.push({
      seq: c.varU32('origin seq'),
      events: c.varU32('origin events'),
      dropped: c.varU32('origin dropped'),
      overwritten: c.varU32('origin overwritten'),
      // version 1 has no rejected counter: its refusals were counted as dropped
      rejected: version >= 2 ? c.varU32('origin rejected') : 0,
    });
  }
  if (c.remaining !== 0) throw new WireError('malformed', `${c.remaining} trailing byte(s) after the header`);
  return {
    version,
    boot: (flags & HEADER_FLAG_BOOT) !== 0,
    ...((flags & HEADER_FLAG_NO_FLUSH) !== 0 ? { noFlush: true as const } : {}),
    cores,
    mode: MODES[mode],
    timerBits,
    timerHz,
    packetSize,
    packets,
    ts,
    session,
    buildId,
    origin,
  };
}

export interface StatusMsg {
  core: number;
  final: boolean;
  ts: bigint;
  nextSeq: number;
  committed: number;
  dropped: number;
  overwritten: number;
  /** 0 in a version-1 stream, which has no such counter */
  rejected: number;
}

/** Parses a STATUS of the given wire version (§7: version 2 adds `rejected`). */
export function parseStatus(buf: Uint8Array, start: number, end: number, version: number): StatusMsg {
  const c = new Cursor(buf, start + 1, end);
  const core = c.u8('core');
  const flags = c.u8('flags');
  const ts = c.u64('ts');
  const nextSeq = c.varU32('next_seq');
  const committed = c.varU32('committed');
  const dropped = c.varU32('dropped');
  const overwritten = c.varU32('overwritten');
  const rejected = version >= 2 ? c.varU32('rejected') : 0;
  if (c.remaining !== 0) throw new WireError('malformed', `${c.remaining} trailing byte(s) after the status`);
  return { core, final: (flags & STATUS_FLAG_FINAL) !== 0, ts, nextSeq, committed, dropped, overwritten, rejected };
}

export interface PacketHead {
  core: number;
  seq: number;
  tsBegin: bigint;
  duration: bigint;
  eventsBefore: number;
  dropped: number;
  overwritten: number;
  /** 0 in a version-1 stream */
  rejected: number;
  nEvents: number;
}

/** Parses the fixed part of a PACKET of the given wire version; the cursor is left at the first event. */
export function parsePacketHead(c: Cursor, version: number): PacketHead {
  const core = c.u8('core');
  const seq = c.varU32('seq');
  const tsBegin = c.u64('ts_begin');
  const duration = c.varU64Big('duration');
  const eventsBefore = c.varU32('events_before');
  const dropped = c.varU32('dropped');
  const overwritten = c.varU32('overwritten');
  const rejected = version >= 2 ? c.varU32('rejected') : 0;
  const nEvents = c.varU32('n_events');
  // Every event takes at least 3 bytes: refuse counts the body cannot hold before allocating.
  if (nEvents * 3 > c.remaining) throw new WireError('malformed', `n_events ${nEvents} does not fit the packet body`);
  return { core, seq, tsBegin, duration, eventsBefore, dropped, overwritten, rejected, nEvents };
}

/**
 * BigInt of a non-negative integer below 2^53. V8 converts a uint32 (v >>> 0) several times
 * faster than a double, and most values on the hot path fit 32 bits.
 */
export function toBig(v: number): bigint {
  return v <= 0xffff_ffff ? BigInt(v >>> 0) : BigInt(v);
}

/** Set by scanEvents: tick offset of the first and the last event it read. */
let scanFirstOff = 0;
let scanLastOff = 0;

const TWO32 = 0x1_0000_0000;

/**
 * The common case of parseEvents in one tight loop over the bytes: every varint inline, every
 * 64-bit quantity below 2^49 (7 varint bytes), no error. Anything else (a long varint, a
 * truncated or malformed body) returns -1 and the caller reruns the checked parser, which
 * finds the same events or throws the exact WireError. Returns the position after the events.
 */
function scanEvents(buf: Uint8Array, p: number, end: number, n: number, out: EventBatch | null): number {
  let off = 0;
  let first = 0;
  let ai = 0;
  const kinds = out ? out.kind : null;
  const ids = out ? out.id : null;
  const offs = out ? out.ticksOff : null;
  const argStart = out ? out.argStart : null;
  const argLo = out ? out.argLo : null;
  const argHi = out ? out.argHi : null;
  for (let k = 0; k < n; k++) {
    if (p + 3 > end) return -1;
    const h = buf[p++];
    // id: varint that must fit 32 bits
    let id = buf[p++];
    if (id >= 0x80) {
      id &= 0x7f;
      let mul = 128;
      for (let i = 1; ; i++) {
        if (p >= end || i > 3) return -1;
        const b = buf[p++];
        id += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
    }
    // dt
    if (p >= end) return -1;
    let dt = buf[p++];
    if (dt >= 0x80) {
      dt &= 0x7f;
      let mul = 128;
      for (let i = 1; ; i++) {
        if (p >= end || i > 6) return -1;
        const b = buf[p++];
        dt += (b & 0x7f) * mul;
        if (b < 0x80) break;
        mul *= 128;
      }
    }
    off += dt;
    if (off > Number.MAX_SAFE_INTEGER) return -1;
    if (k === 0) first = off;
    const nargs = (h >> 2) & 7;
    const enc = h & 3;
    if (enc === 3) return -1;
    if (argStart) {
      kinds![k] = h >> 5;
      ids![k] = id;
      offs![k] = off;
      argStart[k] = ai;
    }
    if (nargs === 7) {
      if (enc !== 0 || p >= end) return -1;
      const len = buf[p++];
      if (len >= 0x80 || p + len > end) return -1;
      if (out) {
        out.blobs[k] = buf.slice(p, p + len);
        out.hasBlobs = true;
      }
      p += len;
    } else if (nargs > 0) {
      for (let a = 0; a < nargs; a++) {
        if (enc === 0) {
          if (p >= end) return -1;
          let v = buf[p++];
          if (v >= 0x80) {
            v &= 0x7f;
            let mul = 128;
            for (let i = 1; ; i++) {
              if (p >= end || i > 6) return -1;
              const b = buf[p++];
              v += (b & 0x7f) * mul;
              if (b < 0x80) break;
              mul *= 128;
            }
          }
          if (argLo) {
            argLo[ai] = v;
            argHi![ai] = v < TWO32 ? 0 : Math.floor(v / TWO32);
          }
        } else if (enc === 1) {
          if (p + 4 > end) return -1;
          if (argLo) {
            argLo[ai] = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
            argHi![ai] = 0;
          }
          p += 4;
        } else {
          if (p + 8 > end) return -1;
          if (argLo) {
            argLo[ai] = buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24);
            argHi![ai] = buf[p + 4] | (buf[p + 5] << 8) | (buf[p + 6] << 16) | (buf[p + 7] << 24);
          }
          p += 8;
        }
        ai++;
      }
    }
  }
  if (argStart) {
    argStart[n] = ai;
    out!.length = n;
  }
  scanFirstOff = first;
  scanLastOff = off;
  return p;
}

/** Per event header byte: how many varint arguments follow dt (255: a blob, or enc 3), and the fixed argument bytes. */
export const VAR_ARGS = new Uint8Array(256);
export const FIXED_ARG_BYTES = new Uint8Array(256);
for (let h = 0; h < 256; h++) {
  const nargs = (h >> 2) & 7;
  const enc = h & 3;
  if (enc === 3 || nargs === 7) VAR_ARGS[h] = 255;
  else if (enc === 0) VAR_ARGS[h] = nargs;
  else FIXED_ARG_BYTES[h] = nargs * (enc === 1 ? 4 : 8);
}

/** VAR_ARGS as a row of STEPS: 7 (a row of zeros) for a blob or enc 3. */
export const STEP_ROW = Uint16Array.from(VAR_ARGS, (v) => (v === 255 ? 7 : v) << 8);

/**
 * STEPS[row * 256 + m], where m has bit i set when the i-th byte after the event header ends a
 * varint (is below 0x80) and row is the number of varint arguments: the common event in one
 * look-up. Bits 0..3: bytes of the id (1..4); bits 4..7: of the id and dt (dt 1 or 2 bytes);
 * bits 8..11: of the id, dt and the arguments. 0: those varints do not end that way within the
 * 8 bytes, and the event is stepped over one varint at a time.
 */
export const STEPS = (() => {
  const t = new Uint16Array(8 * 256);
  // One pass over m, the ends counted as they come: the build runs once per process, before
  // the JIT, and a loop that collected them in arrays per row took milliseconds of start-up.
  for (let m = 0; m < 256; m++) {
    let ends = 0;
    let idEnd = 0;
    let dtEnd = 0;
    for (let i = 1; i <= 8; i++) {
      if (((m >> (i - 1)) & 1) === 0) continue;
      ends++;
      if (ends === 1) idEnd = i;
      else if (ends === 2) dtEnd = i;
      if (idEnd > 4 || (ends >= 2 && dtEnd - idEnd > 2)) break;
      if (ends >= 2) t[(ends - 2) * 256 + m] = idEnd | (dtEnd << 4) | (i << 8);
    }
  }
  return t;
})();

/** Set by stepEvent: the dt of the event it stepped over. */
let stepDt = 0;

/** countEvents for one event the table does not cover: the position after it, or -1. */
function stepEvent(buf: Uint8Array, p: number, h: number): number {
  let q = p + 1;
  // id: up to 4 bytes (28 bits) here
  while (buf[q] >= 0x80) {
    q++;
    if (q - p > 4) return -1;
  }
  q++;
  let dt = buf[q++];
  if (dt >= 0x80) {
    dt &= 0x7f;
    let mul = 128;
    for (let i = 1; ; i++) {
      if (i > 6) return -1;
      const b = buf[q++];
      dt += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
  }
  stepDt = dt;
  let nv = VAR_ARGS[h];
  if (nv === 255) {
    if ((h & 3) !== 0) return -1;
    const len = buf[q];
    if (len >= 0x80) return -1;
    q += 1 + len;
  } else if (nv !== 0) {
    // nv varints of up to 7 bytes (49 bits) each: count their last bytes
    let run = 0;
    do {
      if (buf[q++] < 0x80) {
        nv--;
        run = 0;
      } else if (++run === 7) return -1;
    } while (nv !== 0);
  }
  return q + FIXED_ARG_BYTES[h];
}

/**
 * scanEvents without a batch to fill (the accounting of `stats`): the same bytes accepted,
 * but only dt is decoded; ids and arguments are stepped over. Same contract: -1 for anything
 * the checked parser must decide. The loop is one chain of dependent loads from one event's
 * start to the next's, so the common event (varints of the id and dt of at most 4 and 2 bytes,
 * all its varints within 8 bytes) takes one table look-up on the high bits of 8 bytes read at
 * once, without a branch on its shape (the shapes come in no order a branch could predict).
 */
function countEvents(buf: Uint8Array, p: number, end: number, n: number): number {
  let off = 0;
  let first = 0;
  for (let k = 0; k < n; k++) {
    // the header byte within the body (the bytes after it may be read past the body's end)
    if (p >= end) return -1;
    const h = buf[p];
    const m =
      ((buf[p + 1] >> 7) |
        ((buf[p + 2] >> 7) << 1) |
        ((buf[p + 3] >> 7) << 2) |
        ((buf[p + 4] >> 7) << 3) |
        ((buf[p + 5] >> 7) << 4) |
        ((buf[p + 6] >> 7) << 5) |
        ((buf[p + 7] >> 7) << 6) |
        ((buf[p + 8] >> 7) << 7)) ^
      0xff;
    const step = STEPS[STEP_ROW[h] | m];
    let q: number;
    if (step !== 0) {
      const id = step & 15;
      // dt: its first byte, and its second where it has one (the mask is -1 then, else 0)
      const two = -(((step >> 4) & 15) - id - 1);
      off += (buf[p + 1 + id] & 0x7f) | ((buf[p + 2 + id] & two) << 7);
      q = p + 1 + (step >> 8) + FIXED_ARG_BYTES[h];
    } else {
      q = stepEvent(buf, p, h);
      if (q < 0) return -1;
      off += stepDt;
    }
    if (k === 0) first = off;
    // every byte that decided the event lies before q (a byte read past the body, or past
    // buf, only counts as a varint's end when q passes it): past end means the body ran out
    if (q > end) return -1;
    p = q;
  }
  // dt >= 0, so an offset that passed 2^53 on the way stays past it
  if (off > Number.MAX_SAFE_INTEGER) return -1;
  scanFirstOff = first;
  scanLastOff = off;
  return p;
}

/**
 * Parses n events. With out (emptied, with room for n events and c.remaining arguments),
 * fills its columns kind, id, ticksOff (the tick offset from ts_begin), arguments and blobs;
 * with out = null only the structure is checked (the counting fast path: kernel's, when c
 * reads its frame). Returns the offset of the last event (0 when n = 0) and sets span.first
 * to the first's.
 */
export function parseEvents(
  c: Cursor,
  n: number,
  out: EventBatch | null,
  span: { first: number | bigint },
  kernel: FrameKernel | null = null,
): number | bigint {
  let p: number;
  if (out !== null) p = scanEvents(c.buf, c.pos, c.end, n, out);
  else if (kernel !== null && c.buf === kernel.frame) {
    p = kernel.countEvents(c.pos, c.end, n);
    // the kernel's span, where the JavaScript loops leave theirs
    scanFirstOff = kernel.span[0];
    scanLastOff = kernel.span[1];
  } else p = countEvents(c.buf, c.pos, c.end, n);
  if (p >= 0) {
    c.pos = p;
    span.first = scanFirstOff;
    return scanLastOff;
  }
  return parseEventsChecked(c, n, out, span);
}

/** parseEvents without its fast paths: every byte read through the cursor (exported for the tests of those). */
export function parseEventsChecked(c: Cursor, n: number, out: EventBatch | null, span: { first: number | bigint }): number | bigint {
  if (out) out.reset(n, c.remaining);
  span.first = 0;
  let off: number | bigint = 0;
  let ai = 0;
  for (let k = 0; k < n; k++) {
    const h = c.u8('event header');
    const id = c.varU32('event id');
    const dt = c.varU64('dt');
    if (typeof off === 'number' && typeof dt === 'number' && off + dt <= Number.MAX_SAFE_INTEGER) off += dt;
    else off = BigInt(off) + BigInt(dt);
    const nargs = (h >> 2) & 7;
    const enc = h & 3;
    if (enc === 3) throw new WireError('malformed', 'event argument encoding 3 is reserved');
    if (out) {
      out.kind[k] = h >> 5;
      out.id[k] = id;
      if (typeof off === 'number') out.ticksOff[k] = off;
      else {
        out.ticksOff[k] = 0;
        (out.bigOff ??= new Map()).set(k, off);
      }
      out.argStart[k] = ai;
    }
    if (nargs === 7) {
      if (enc !== 0) throw new WireError('malformed', 'blob argument with enc != 0');
      const len = c.varU32('blob length');
      const bytes = c.bytes(len, 'blob');
      if (out) {
        out.blobs[k] = bytes.slice();
        out.hasBlobs = true;
      }
    } else if (nargs > 0) {
      for (let a = 0; a < nargs; a++) {
        let v: bigint | number;
        if (enc === 0) v = c.varU64('argument');
        else if (enc === 1) v = c.u32('argument');
        else v = c.u64('argument');
        if (out) {
          if (typeof v === 'bigint') {
            out.argLo[ai] = Number(v & 0xffff_ffffn);
            out.argHi[ai] = Number(v >> 32n);
          } else {
            out.argLo[ai] = v;
            out.argHi[ai] = v < TWO32 ? 0 : Math.floor(v / TWO32);
          }
        }
        ai++;
      }
    }
    if (k === 0) span.first = off;
  }
  if (out) {
    out.argStart[n] = ai;
    out.length = n;
  }
  return off;
}
