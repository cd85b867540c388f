// A TypeScript encoder of the wire format, the mirror of the decoder: vectors, tests,
// fault injection and benchmarks synthesise streams with it. It follows the writer rules
// of SPEC §6.1 (shortest varints, the unique argument encoding), so its bytes equal the
// firmware's for the same content.

import { cobsEncodeInto, cobsMaxLen } from './cobs.js';
import { crc32c } from './crc32c.js';
import { MAX_MESSAGE } from './frames.js';
import { EVENT_KINDS, type EventKind } from './types.js';
import {
  BLOB_NARGS,
  COMMAND_TYPES,
  type CommandName,
  HEADER_FLAG_BOOT,
  MAGIC,
  MAX_WORD_ARGS,
  type Mode,
  MODES,
  MSG_HEADER,
  MSG_PACKET,
  MSG_STATUS,
  STATUS_FLAG_FINAL,
  WIRE_VERSION,
} from './wire-gen.js';
import { putU16, putU32, putU64, putVarU32, putVarU64, varLen } from './varint.js';

export type U64 = number | bigint;

export interface HeaderSpec {
  boot?: boolean;
  /** raw flags byte; overrides boot when given */
  flags?: number;
  version?: number;
  cores: number;
  mode: Mode | number;
  timerBits: number;
  timerHz: number;
  packetSize: number;
  packets: number;
  ts: U64;
  session: number;
  /** hex string or bytes */
  buildId?: string | Uint8Array;
  /** one per core; zeros when omitted (rejected is written only from version 2 on) */
  origin?: { seq: number; events: number; dropped: number; overwritten: number; rejected?: number }[];
}

export interface EventSpec {
  kind: EventKind | number;
  id: number;
  /** absolute 64-bit tick time */
  t: U64;
  args?: U64[];
  blob?: Uint8Array;
}

export interface PacketSpec {
  core: number;
  seq: number;
  tsBegin: U64;
  /** ts_end; the duration written is tsEnd - tsBegin */
  tsEnd: U64;
  eventsBefore: number;
  dropped: number;
  overwritten: number;
  /** written from version 2 on; 0 when omitted */
  rejected?: number;
  /** wire version of the stream (SPEC §6: v2 adds rejected); WIRE_VERSION when omitted */
  version?: number;
  events: EventSpec[];
}

export interface StatusSpec {
  core: number;
  final: boolean;
  ts: U64;
  nextSeq: number;
  committed: number;
  dropped: number;
  overwritten: number;
  /** written from version 2 on; 0 when omitted */
  rejected?: number;
  /** wire version of the stream (SPEC §7: v2 adds rejected); WIRE_VERSION when omitted */
  version?: number;
}

export type { CommandName } from './wire-gen.js';

export function kindIndex(kind: EventKind | number): number {
  if (typeof kind === 'number') {
    if (!(kind >= 0 && kind < EVENT_KINDS.length)) throw new RangeError(`kind ${kind} not in 0..${EVENT_KINDS.length - 1}`);
    return kind;
  }
  const k = EVENT_KINDS.indexOf(kind);
  if (k < 0) throw new RangeError(`unknown kind ${kind}`);
  return k;
}

function hexBytes(s: string): Uint8Array {
  if (s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s)) throw new RangeError(`bad hex: ${s}`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function big(v: U64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

function sub64(a: U64, b: U64): U64 {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return big(a) - big(b);
}

/** The argument encoding SPEC §6.1 prescribes: fewest bytes, enc 1 only when all < 2^32, ties to lower enc. */
export function argEncoding(args: readonly U64[]): 0 | 1 | 2 {
  let varBytes = 0;
  let fits32 = true;
  for (const a of args) {
    varBytes += varLen(a);
    if (typeof a === 'bigint' ? a >= 0x1_0000_0000n : a >= 0x1_0000_0000) fits32 = false;
  }
  const n = args.length;
  let enc: 0 | 1 | 2 = 0;
  let best = varBytes;
  if (fits32 && 4 * n < best) {
    enc = 1;
    best = 4 * n;
  }
  if (8 * n < best) enc = 2;
  return enc;
}

/** Writes one event at pos (dt = t - prevT); returns the new pos. out needs 3 + 10 + 10 + 6*10 bytes or the blob size. */
export function putEvent(out: Uint8Array, pos: number, kind: number, id: number, dt: U64, args?: readonly U64[], blob?: Uint8Array): number {
  if (blob) {
    out[pos++] = (kind << 5) | (BLOB_NARGS << 2);
    pos = putVarU32(out, pos, id);
    pos = putVarU64(out, pos, dt);
    pos = putVarU32(out, pos, blob.length);
    out.set(blob, pos);
    return pos + blob.length;
  }
  const n = args ? args.length : 0;
  if (n > MAX_WORD_ARGS) throw new RangeError(`${n} arguments; at most ${MAX_WORD_ARGS} (or a blob)`);
  const enc = n === 0 ? 0 : argEncoding(args!);
  out[pos++] = (kind << 5) | (n << 2) | enc;
  pos = putVarU32(out, pos, id);
  pos = putVarU64(out, pos, dt);
  for (let i = 0; i < n; i++) {
    const a = args![i];
    if (enc === 0) pos = putVarU64(out, pos, a);
    else if (enc === 1) pos = putU32(out, pos, Number(a));
    else pos = putU64(out, pos, a);
  }
  return pos;
}

export function headerMessage(h: HeaderSpec): Uint8Array {
  const id = h.buildId === undefined ? new Uint8Array(0) : typeof h.buildId === 'string' ? hexBytes(h.buildId) : h.buildId;
  const origin: NonNullable<HeaderSpec['origin']> =
    h.origin ?? Array.from({ length: h.cores }, () => ({ seq: 0, events: 0, dropped: 0, overwritten: 0 }));
  const version = h.version ?? WIRE_VERSION;
  const out = new Uint8Array(31 + id.length + origin.length * 25);
  let p = 0;
  out[p++] = MSG_HEADER;
  for (const m of MAGIC) out[p++] = m;
  out[p++] = version;
  out[p++] = h.flags ?? (h.boot ? HEADER_FLAG_BOOT : 0);
  out[p++] = h.cores;
  out[p++] = typeof h.mode === 'number' ? h.mode : MODES.indexOf(h.mode);
  out[p++] = h.timerBits;
  p = putU32(out, p, h.timerHz);
  p = putU16(out, p, h.packetSize);
  p = putU16(out, p, h.packets);
  p = putU64(out, p, h.ts);
  p = putU32(out, p, h.session);
  out[p++] = id.length;
  out.set(id, p);
  p += id.length;
  for (const o of origin) {
    p = putVarU32(out, p, o.seq);
    p = putVarU32(out, p, o.events);
    p = putVarU32(out, p, o.dropped);
    p = putVarU32(out, p, o.overwritten);
    if (version >= 2) p = putVarU32(out, p, o.rejected ?? 0);
  }
  return out.slice(0, p);
}

function eventBytesBound(e: EventSpec): number {
  return e.blob ? 1 + 5 + 10 + 5 + e.blob.length : 1 + 5 + 10 + 6 * 10;
}

export function packetMessage(p: PacketSpec): Uint8Array {
  let bound = 1 + 1 + 5 + 8 + 10 + 5 * 5;
  for (const e of p.events) bound += eventBytesBound(e);
  const out = new Uint8Array(bound);
  let q = 0;
  out[q++] = MSG_PACKET;
  out[q++] = p.core;
  q = putVarU32(out, q, p.seq);
  q = putU64(out, q, p.tsBegin);
  q = putVarU64(out, q, sub64(p.tsEnd, p.tsBegin));
  q = putVarU32(out, q, p.eventsBefore);
  q = putVarU32(out, q, p.dropped);
  q = putVarU32(out, q, p.overwritten);
  if ((p.version ?? WIRE_VERSION) >= 2) q = putVarU32(out, q, p.rejected ?? 0);
  q = putVarU32(out, q, p.events.length);
  let prev: U64 = p.tsBegin;
  for (const e of p.events) {
    q = putEvent(out, q, kindIndex(e.kind), e.id, sub64(e.t, prev), e.args, e.blob);
    prev = e.t;
  }
  return out.slice(0, q);
}

export function statusMessage(s: StatusSpec): Uint8Array {
  const out = new Uint8Array(3 + 8 + 25);
  let p = 0;
  out[p++] = MSG_STATUS;
  out[p++] = s.core;
  out[p++] = s.final ? STATUS_FLAG_FINAL : 0;
  p = putU64(out, p, s.ts);
  p = putVarU32(out, p, s.nextSeq);
  p = putVarU32(out, p, s.committed);
  p = putVarU32(out, p, s.dropped);
  p = putVarU32(out, p, s.overwritten);
  if ((s.version ?? WIRE_VERSION) >= 2) p = putVarU32(out, p, s.rejected ?? 0);
  return out.slice(0, p);
}

export function commandMessage(name: CommandName): Uint8Array {
  return Uint8Array.of(COMMAND_TYPES[name]);
}

/** Frames a message: COBS(message || crc32c_le(message)) || 00. badCrc flips the CRC's last byte. */
export function frame(msg: Uint8Array, opts: { badCrc?: boolean } = {}): Uint8Array {
  const out = new Uint8Array(cobsMaxLen(msg.length + 4) + 1);
  const n = frameInto(out, 0, msg, 0, msg.length, opts.badCrc ?? false);
  return out.slice(0, n);
}

const scratchCrc = new Uint8Array(MAX_MESSAGE + 4 + 64);

/** Frames msg[start, end) into out at pos; returns the new pos (after the delimiter). */
export function frameInto(out: Uint8Array, pos: number, msg: Uint8Array, start: number, end: number, badCrc = false): number {
  const n = end - start;
  const tmp = n + 4 <= scratchCrc.length ? scratchCrc : new Uint8Array(n + 4);
  tmp.set(msg.subarray(start, end), 0);
  putU32(tmp, n, crc32c(msg, start, end));
  if (badCrc) tmp[n + 3] ^= 0xff;
  pos = cobsEncodeInto(out, pos, tmp, 0, n + 4);
  out[pos++] = 0;
  return pos;
}

/**
 * Accumulates a framed stream. Packets can be built incrementally (beginPacket / event /
 * endPacket) without an object per event, which is what multi-million-event synthesis needs.
 */
export class StreamWriter {
  private chunks: Uint8Array[] = [];
  private buf = new Uint8Array(1 << 20);
  private pos = 0;
  private total = 0;
  // packet under construction
  private pk = new Uint8Array(MAX_MESSAGE * 4);
  private pkEv = 0;
  private pkN = 0;
  private pkPrev: U64 = 0;
  private pkHead: Omit<PacketSpec, 'events' | 'tsEnd'> | null = null;
  private readonly headBuf = new Uint8Array(64);
  /** version of the last header written: packets and statuses follow it */
  private version = WIRE_VERSION;

  get length(): number {
    return this.total + this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.total += this.pos;
    }
    this.buf = new Uint8Array(Math.max(1 << 20, n));
    this.pos = 0;
  }

  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  message(msg: Uint8Array, badCrc = false): this {
    this.room(cobsMaxLen(msg.length + 4) + 1);
    this.pos = frameInto(this.buf, this.pos, msg, 0, msg.length, badCrc);
    return this;
  }

  header(h: HeaderSpec): this {
    this.version = h.version ?? WIRE_VERSION;
    return this.message(headerMessage(h));
  }

  packet(p: PacketSpec): this {
    return this.message(packetMessage({ version: this.version, ...p }));
  }

  status(s: StatusSpec): this {
    return this.message(statusMessage({ version: this.version, ...s }));
  }

  command(name: CommandName): this {
    return this.message(commandMessage(name));
  }

  beginPacket(
    core: number,
    seq: number,
    tsBegin: U64,
    eventsBefore: number,
    dropped: number,
    overwritten: number,
    rejected = 0,
  ): this {
    if (this.pkHead) throw new Error('beginPacket inside a packet');
    this.pkHead = { core, seq, tsBegin, eventsBefore, dropped, overwritten, rejected };
    this.pkEv = 0;
    this.pkN = 0;
    this.pkPrev = tsBegin;
    return this;
  }

  /** Appends an event at absolute tick t (numbers or bigints) to the open packet. */
  event(kind: EventKind | number, id: number, t: U64, args?: readonly U64[], blob?: Uint8Array): this {
    const need = this.pkEv + (blob ? blob.length + 21 : 76);
    if (need > this.pk.length) {
      const bigger = new Uint8Array(Math.max(need, this.pk.length * 2));
      bigger.set(this.pk.subarray(0, this.pkEv));
      this.pk = bigger;
    }
    this.pkEv = putEvent(this.pk, this.pkEv, typeof kind === 'number' ? kind : kindIndex(kind), id, sub64(t, this.pkPrev), args, blob);
    this.pkPrev = t;
    this.pkN++;
    return this;
  }

  /** Bytes of the events written so far into the open packet. */
  get packetBytes(): number {
    return this.pkEv;
  }

  endPacket(tsEnd: U64): this {
    const h = this.pkHead;
    if (!h) throw new Error('endPacket without beginPacket');
    this.pkHead = null;
    const hb = this.headBuf;
    let q = 0;
    hb[q++] = MSG_PACKET;
    hb[q++] = h.core;
    q = putVarU32(hb, q, h.seq);
    q = putU64(hb, q, h.tsBegin);
    q = putVarU64(hb, q, sub64(tsEnd, h.tsBegin));
    q = putVarU32(hb, q, h.eventsBefore);
    q = putVarU32(hb, q, h.dropped);
    q = putVarU32(hb, q, h.overwritten);
    if (this.version >= 2) q = putVarU32(hb, q, h.rejected ?? 0);
    q = putVarU32(hb, q, this.pkN);
    const n = q + this.pkEv;
    const msg = new Uint8Array(n);
    msg.set(hb.subarray(0, q), 0);
    msg.set(this.pk.subarray(0, this.pkEv), q);
    return this.message(msg);
  }

  /** The whole stream so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    out.set(this.buf.subarray(0, this.pos), p);
    return out;
  }
}
