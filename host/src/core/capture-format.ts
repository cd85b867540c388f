// tracepipe capture file (.tpt): the bytes exactly as received from the target, with host
// receive times and link events, in a container that stays readable when cut at any byte and
// when damaged anywhere. Pure encode/parse: no I/O. protocol/CAPTURE.md is the same description
// for other readers.
//
//   file     = magic version record*
//   magic    = 89 54 50 54 0D 0A 1A 0A       "\x89TPT\r\n\x1a\n" (PNG-style: the high byte and the
//                                            CR/LF/^Z catch 7-bit and newline-mangling transfers)
//   version  = u16 LE: 2 (written), 1 (still read)
//
//   version 2: record = sync type length hcrc payload crc
//     sync   = A5 54 52 02                  "\xa5TR" + the version, in every record
//     type   = u8, length = u32 LE (payload bytes, at most V2_MAX_PAYLOAD)
//     hcrc   = CRC-32C of sync, type, length  (a damaged length is seen before trusting it)
//     crc    = CRC-32C of the record from sync to the payload's last byte
//     DATA payload = host_ns:u64, stream_offset:u64, bytes (stream_offset: where the bytes start
//                    in the raw stream, so a reader knows exactly which stream bytes a lost
//                    record held)
//   version 1: record = type:u8 length:u32 LE payload[length]; DATA payload = host_ns:u64, bytes
//
//   type 0x01 META   payload = UTF-8 JSON object (CaptureMeta). The first record.
//   type 0x02 DATA   the received bytes, unmodified, one record per read (v2 splits reads into
//                    records of at most V2_DATA_CHUNK bytes, so damage costs at most that).
//   type 0x03 EVENT  payload = host_ns:u64 LE, then a UTF-8 JSON object {"kind": ..., ...}:
//                    "open", "command" ("name"), "disconnect" ("message"), "reconnect" (the bytes
//                    after it do not continue the bytes before it), "end" (the writer closed the
//                    file cleanly; always the last record of a complete capture).
//
// Why this shape: every record is written with a single append as soon as the bytes arrive, so a
// crash or a full disk loses at most the record being written. A v2 reader checks each record and
// on damage scans for the next sync marker whose header and record check hold: it loses the
// damaged records' bytes, nothing after them, and reports where and how much. A v1 file has no
// check; its reader accepts a record only when the next record header is plausible too, and on
// damage scans for a plausible pair of records (best effort: the wire CRC still rejects any wrong
// byte that reaches the decoder, so nothing is invented).

import { crc32c } from './crc32c.js';

export const CAPTURE_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x54, 0x50, 0x54, 0x0d, 0x0a, 0x1a, 0x0a);
/** the version writers write */
export const CAPTURE_VERSION = 2;
export const CAPTURE_VERSIONS: readonly number[] = [1, 2];
/** magic + version */
export const CAPTURE_PREAMBLE_LEN = CAPTURE_MAGIC.length + 2;

export const RECORD_META = 0x01;
export const RECORD_DATA = 0x02;
export const RECORD_EVENT = 0x03;
const KIND_NAMES: Record<number, string> = { [RECORD_META]: 'META', [RECORD_DATA]: 'DATA', [RECORD_EVENT]: 'EVENT' };

/** JSON records (META, EVENT) carry at most this many JSON bytes, nested at most MAX_JSON_DEPTH deep. */
export const MAX_JSON = 1 << 16;
export const MAX_JSON_DEPTH = 32;

export const V2_SYNC: Uint8Array = Uint8Array.of(0xa5, 0x54, 0x52, 0x02);
export const V2_HEADER_LEN = 13;
export const V2_TRAILER_LEN = 4;
/** DATA: host_ns + stream_offset */
export const V2_DATA_PREFIX = 16;
/** Largest payload a v2 record may have; a longer length means damage. */
export const V2_MAX_PAYLOAD = V2_DATA_PREFIX + MAX_JSON;
/** A DATA record that fails its check still goes on to the decoder when the next header is at most
 * this many bytes off its stated end (bytes inserted or removed inside it). */
const PASS_ON_SHIFT = 8;
/** Writers split received bytes into DATA records of at most this many bytes. */
export const V2_DATA_CHUNK = 4096;

export const V1_HEADER_LEN = 5;
/** v1: writers split larger DATA payloads; readers treat a longer length as damage. */
export const MAX_RECORD = 1 << 24;

/** A capture (of any version) whose container yields no valid record in this many bytes after its
 * preamble is refused without reading further. */
export const NO_RECORD_LIMIT = 16 << 20;

export interface CaptureMeta {
  /** where the bytes came from */
  source: 'qemu' | 'serial' | string;
  port?: string;
  baud?: number;
  board?: string;
  elf?: string;
  /** ISO 8601 wall time when the capture started */
  start_time?: string;
  /** tool that wrote the file, e.g. "tracepipe 0.1.0" */
  writer?: string;
  [key: string]: unknown;
}

export type CaptureEventKind = 'open' | 'command' | 'disconnect' | 'reconnect' | 'end';

export interface CaptureEvent {
  kind: CaptureEventKind | string;
  message?: string;
  name?: string;
  [key: string]: unknown;
}

/** A damaged stretch of a capture, as the reader saw it. */
export interface CaptureDamage {
  /** file offset of the first byte that was not part of a valid record */
  offset: number;
  /** file bytes skipped */
  bytes: number;
  /** records whose header was readable in the stretch, by kind (v2: header check held) */
  records: Record<string, number>;
  /** why the first skipped byte could not start a record */
  reason: string;
  /** v2: the raw-stream bytes missing because of it, and where they start in the stream. A v1
   * file cannot say (undefined). 0 when only non-DATA records were lost. */
  streamOffset?: number;
  streamBytes?: number;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

function u32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}

function u64(buf: Uint8Array, at: number): bigint {
  return new DataView(buf.buffer, buf.byteOffset + at, 8).getBigUint64(0, true);
}

function bitsDiffering(a: Uint8Array, b: Uint8Array, n: number): number {
  let bits = 0;
  for (let i = 0; i < n; i++) {
    let x = a[i] ^ b[i];
    while (x) {
      bits += x & 1;
      x >>>= 1;
    }
  }
  return bits;
}

/** Whether the input's first bytes are exactly a capture file's magic. `prefix` may be shorter than
 * the magic (a file cut inside it), then a match of every byte present counts. */
export function looksLikeCapture(prefix: Uint8Array): boolean {
  if (prefix.length === 0) return false;
  const n = Math.min(prefix.length, CAPTURE_MAGIC.length);
  return bitsDiffering(prefix, CAPTURE_MAGIC, n) === 0;
}

/** A magic this many bits off still counts when a valid record structure follows it. */
export const MAGIC_TOLERANCE_BITS = 4;
/** Bytes sniffCapture looks at: preamble and the first v2 record header. */
export const SNIFF_LEN = CAPTURE_PREAMBLE_LEN + V2_HEADER_LEN;

function v2HeaderOk(buf: Uint8Array, at: number): boolean {
  if (buf.length - at < V2_HEADER_LEN) return false;
  for (let i = 0; i < 4; i++) if (buf[at + i] !== V2_SYNC[i]) return false;
  return crc32c(buf, at, at + 9) === u32(buf, at + 9) && u32(buf, at + 5) <= V2_MAX_PAYLOAD;
}

function v1MetaOk(buf: Uint8Array, at: number): boolean {
  if (buf.length - at < V1_HEADER_LEN + 1) return false;
  const len = u32(buf, at + 1);
  return buf[at] === RECORD_META && len >= 2 && len <= MAX_JSON && buf[at + V1_HEADER_LEN] === 0x7b; // '{'
}

export interface CaptureSniff {
  capture: boolean;
  /** the version to read it as; undefined when the file ends inside the preamble */
  version?: number;
  /** the version field as written, when it is not the version read */
  versionField?: number;
  /** one sentence when the preamble was damaged but the structure after it is a capture's */
  warning?: string;
}

/**
 * Decides from the first bytes of a file (at least SNIFF_LEN when the file has them) whether it
 * is a capture and of which version. Exact magic: a capture. A magic within
 * MAGIC_TOLERANCE_BITS bits followed by a valid first record: a damaged capture, with a
 * warning. Anything else: not a capture (a raw stream).
 */
export function sniffCapture(prefix: Uint8Array): CaptureSniff {
  if (prefix.length === 0) return { capture: false };
  const n = Math.min(prefix.length, CAPTURE_MAGIC.length);
  const bits = bitsDiffering(prefix, CAPTURE_MAGIC, n);
  if (prefix.length < CAPTURE_PREAMBLE_LEN) return { capture: bits === 0 };
  const field = prefix[8] | (prefix[9] << 8);
  const v2 = v2HeaderOk(prefix, CAPTURE_PREAMBLE_LEN);
  const v1 = v1MetaOk(prefix, CAPTURE_PREAMBLE_LEN);
  const structural = v2 ? 2 : v1 ? 1 : undefined;
  if (bits === 0) {
    if (CAPTURE_VERSIONS.includes(field)) return { capture: true, version: field };
    if (structural !== undefined) {
      return {
        capture: true,
        version: structural,
        versionField: field,
        warning: `capture version field damaged (reads ${field}); its records are version ${structural}`,
      };
    }
    return { capture: true, version: field };
  }
  if (bits > MAGIC_TOLERANCE_BITS || structural === undefined) return { capture: false };
  // A v1 record structure is weak evidence (no check): demand the version field too.
  if (structural === 1 && field !== 1) return { capture: false };
  return {
    capture: true,
    version: structural,
    versionField: field === structural ? undefined : field,
    warning: `capture magic damaged (${bits} bit(s) differ) but version ${structural} records follow; read as a capture`,
  };
}

function jsonBytes(value: unknown, what: string): Uint8Array {
  const json = utf8Encoder.encode(JSON.stringify(value));
  if (json.length > MAX_JSON) throw new RangeError(`capture ${what} too large (${json.length} > ${MAX_JSON} bytes)`);
  return json;
}

// ---- version 2 writer ----

function v2Record(type: number, parts: Uint8Array[], prefix: (view: DataView, at: number) => void, prefixLen: number): Uint8Array {
  const length = prefixLen + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(V2_HEADER_LEN + length + V2_TRAILER_LEN);
  const view = new DataView(out.buffer);
  out.set(V2_SYNC, 0);
  out[4] = type;
  view.setUint32(5, length, true);
  view.setUint32(9, crc32c(out, 0, 9), true);
  prefix(view, V2_HEADER_LEN);
  let at = V2_HEADER_LEN + prefixLen;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  view.setUint32(at, crc32c(out, 0, at), true);
  return out;
}

/** Encodes a version 2 capture record by record; it counts the stream bytes for DATA records. */
export class CaptureEncoder {
  private streamOffset = 0;

  /** The bytes that open a capture file: magic, version and the META record. */
  start(meta: CaptureMeta): Uint8Array {
    const rec = v2Record(RECORD_META, [jsonBytes(meta, 'metadata')], () => {}, 0);
    const out = new Uint8Array(CAPTURE_PREAMBLE_LEN + rec.length);
    out.set(CAPTURE_MAGIC, 0);
    new DataView(out.buffer).setUint16(CAPTURE_MAGIC.length, 2, true);
    out.set(rec, CAPTURE_PREAMBLE_LEN);
    return out;
  }

  /** DATA record(s) for bytes received at hostNs, at most V2_DATA_CHUNK bytes each. */
  data(hostNs: bigint, bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += V2_DATA_CHUNK) {
      const part = bytes.subarray(at, at + V2_DATA_CHUNK);
      const offset = this.streamOffset;
      out.push(
        v2Record(RECORD_DATA, [part], (v, p) => {
          v.setBigUint64(p, BigInt.asUintN(64, hostNs), true);
          v.setBigUint64(p + 8, BigInt(offset), true);
        }, V2_DATA_PREFIX),
      );
      this.streamOffset += part.length;
    }
    return out;
  }

  event(hostNs: bigint, event: CaptureEvent): Uint8Array {
    return v2Record(RECORD_EVENT, [jsonBytes(event, 'event')], (v, p) => v.setBigUint64(p, BigInt.asUintN(64, hostNs), true), 8);
  }
}

// ---- version 1 writer (kept for fixtures and tests: readers still read version 1) ----

function v1Header(out: Uint8Array, at: number, type: number, length: number): void {
  out[at] = type;
  new DataView(out.buffer, out.byteOffset + at + 1, 4).setUint32(0, length, true);
}

/** Version 1: the bytes that open a capture file (magic, version 1, META). */
export function encodeCaptureStart(meta: CaptureMeta): Uint8Array {
  const json = jsonBytes(meta, 'metadata');
  const out = new Uint8Array(CAPTURE_PREAMBLE_LEN + V1_HEADER_LEN + json.length);
  out.set(CAPTURE_MAGIC, 0);
  new DataView(out.buffer).setUint16(CAPTURE_MAGIC.length, 1, true);
  v1Header(out, CAPTURE_PREAMBLE_LEN, RECORD_META, json.length);
  out.set(json, CAPTURE_PREAMBLE_LEN + V1_HEADER_LEN);
  return out;
}

function v1Timed(type: number, hostNs: bigint, body: Uint8Array): Uint8Array {
  const length = 8 + body.length;
  const out = new Uint8Array(V1_HEADER_LEN + length);
  v1Header(out, 0, type, length);
  new DataView(out.buffer).setBigUint64(V1_HEADER_LEN, BigInt.asUintN(64, hostNs), true);
  out.set(body, V1_HEADER_LEN + 8);
  return out;
}

/** Version 1: DATA record(s) for bytes received at hostNs; split so that none exceeds MAX_RECORD. */
export function encodeDataRecords(hostNs: bigint, bytes: Uint8Array): Uint8Array[] {
  const room = MAX_RECORD - 8;
  const out: Uint8Array[] = [];
  for (let at = 0; at === 0 || at < bytes.length; at += room) out.push(v1Timed(RECORD_DATA, hostNs, bytes.subarray(at, at + room)));
  return out;
}

/** Version 1: an EVENT record. */
export function encodeEventRecord(hostNs: bigint, event: CaptureEvent): Uint8Array {
  return v1Timed(RECORD_EVENT, hostNs, jsonBytes(event, 'event'));
}

// ---- reader ----

export interface CaptureHandlers {
  meta?(meta: CaptureMeta, version: number): void;
  /** bytes: a view valid only during the call; offset: file offset of the first byte */
  data?(hostNs: bigint, bytes: Uint8Array, offset: number): void;
  event?(hostNs: bigint, event: CaptureEvent, offset: number): void;
  /** A damaged stretch was skipped. Called before the records after it (v2: before the next DATA
   * record, so that streamBytes is known). */
  damage?(d: CaptureDamage): void;
  /** Something readable but wrong: a damaged preamble, a metadata record that is not a JSON
   * object of bounded size and depth, DATA records that overlap. One sentence. */
  warning?(message: string, offset: number): void;
}

/** How a capture ended, from the reader's side. */
export interface CaptureEnd {
  /** the file ended cleanly with an "end" EVENT */
  complete: boolean;
  /** one sentence when not complete: why, and where */
  problem?: string;
  /** bytes at the end that were not part of a whole record */
  ignoredBytes: number;
  totalBytes: number;
  dataBytes: number;
  records: number;
  version?: number;
  /** damaged stretches skipped, their file bytes, and (v2) the stream bytes they held */
  damaged: { regions: number; bytes: number; streamBytes: number };
}

/** Error for input that is not a capture of a version this reader knows. */
export class CaptureFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}

/** Depth of the deepest array/object in a JSON text, strings skipped; stops counting past limit. */
function jsonDepth(text: Uint8Array, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** The JSON object a metadata record holds, or why it cannot be used. */
function jsonObject(text: Uint8Array): { value: Record<string, unknown> } | { why: string } {
  if (text.length > MAX_JSON) return { why: `${text.length} bytes of JSON, more than ${MAX_JSON}` };
  if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return { why: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    const parsed: unknown = JSON.parse(utf8Decoder.decode(text));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { why: 'not a JSON object' };
    return { value: parsed as Record<string, unknown> };
  } catch {
    return { why: 'not valid JSON' };
  }
}

interface Region {
  offset: number;
  end: number;
  records: Record<string, number>;
  reason: string;
  /** v1: opened by a record that runs past the end of the file; a cut, unless a record follows */
  cut?: boolean;
}

const NS_PER_DAY = 86_400_000_000_000n;

/** Why a v1 record header is impossible, in a few words. */
function v1Why(buf: Uint8Array, at: number): string {
  const type = buf[at];
  const length = u32(buf, at + 1);
  const name = KIND_NAMES[type];
  if (!name) return `unknown record type 0x${type.toString(16).padStart(2, '0')}`;
  const max = type === RECORD_DATA ? MAX_RECORD : type === RECORD_EVENT ? MAX_JSON + 8 : MAX_JSON;
  if (length > max) return `${name} record of ${length} bytes, more than ${max}`;
  if (type === RECORD_META) return 'a second META record';
  return `${name} record of ${length} bytes, too short`;
}

/**
 * Incremental capture reader: push() any chunking of the file, then end(). Records are delivered
 * as soon as they are whole and checked, so a live file can be followed. Throws
 * CaptureFormatError for a file that is not a capture, of an unknown version, or whose first
 * NO_RECORD_LIMIT bytes after the preamble hold no valid record; damage after the preamble is
 * skipped and reported through the damage handler and end().
 */
export class CaptureParser {
  private buf: Uint8Array = new Uint8Array(0);
  /** next byte to parse in buf */
  private at = 0;
  /** file offset of buf[0] */
  private base = 0;
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  /** bytes buf must hold from `at` before parsing can move on */
  private need = 1;
  private version = 0;
  private total = 0;
  private records = 0;
  private dataBytes = 0;
  private sawMeta = false;
  private sawEnd = false;
  /** a damaged stretch being skipped */
  private region: Region | null = null;
  /** v2: a skipped stretch not yet reported, waiting for the next DATA record's stream offset */
  private unreported: Region | null = null;
  private damaged = { regions: 0, bytes: 0, streamBytes: 0 };
  /** v2: stream offset the next DATA record should start at */
  private streamNext = 0;
  /** v2: host time of the last good record (for a DATA record that failed its check) */
  private lastHostNs = 0n;
  /** v1: host time of the last record read, to judge candidates when resynchronising */
  private lastNs: bigint | null = null;
  private timeDisagreements = 0;
  private cut: string | undefined;
  private cutBytes = 0;

  constructor(private readonly handlers: CaptureHandlers) {}

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    if (this.buf.length - this.at + this.pendingLen < this.need) return;
    this.join();
    this.parse(false);
  }

  end(): CaptureEnd {
    this.join();
    this.parse(true);
    const left = this.buf.length - this.at;
    if (this.region?.cut) {
      this.cut = `capture cut inside a record at byte ${this.region.offset} (${this.total - this.region.offset} trailing bytes ignored)`;
      this.cutBytes = this.total - this.region.offset;
      this.region = null;
    } else if (this.region) {
      this.region.end = this.base + this.buf.length;
      this.closeRegion();
    } else if (left > 0 && this.version !== 0) {
      this.cut = `capture cut inside a record at byte ${this.base + this.at} (${left} trailing bytes ignored)`;
      this.cutBytes = left;
    }
    // stream bytes lost in a stretch that runs to the end of the file are unknown
    if (this.unreported) this.report(this.unreported, undefined, undefined);
    this.unreported = null;
    let problem = this.cut;
    if (!problem && this.version === 0) problem = `capture cut inside its ${CAPTURE_PREAMBLE_LEN}-byte preamble`;
    if (!problem && !this.sawEnd) problem = `capture has no end marker (cut at byte ${this.total}, or the writer stopped)`;
    return {
      complete: problem === undefined,
      problem,
      ignoredBytes: this.version === 0 ? this.total : this.cutBytes,
      totalBytes: this.total,
      dataBytes: this.dataBytes,
      records: this.records,
      version: this.version || undefined,
      damaged: { ...this.damaged },
    };
  }

  private join(): void {
    if (this.pendingLen === 0) return;
    // keep a damaged v2 record's bytes while it could still be repaired (see repairV2)
    const r = this.region;
    const from =
      this.version === 2 && r && r.offset >= this.base && this.base + this.at - r.offset <= V2_HEADER_LEN + V2_MAX_PAYLOAD + V2_TRAILER_LEN
        ? r.offset - this.base
        : this.at;
    const keep = this.buf.length - from;
    if (keep === 0 && this.pending.length === 1) {
      this.base += this.buf.length;
      this.buf = this.pending[0];
    } else {
      const joined = new Uint8Array(keep + this.pendingLen);
      joined.set(this.buf.subarray(from), 0);
      let o = keep;
      for (const p of this.pending) {
        joined.set(p, o);
        o += p.length;
      }
      this.base += from;
      this.buf = joined;
    }
    this.at -= from;
    if (keep === 0) this.at = 0;
    this.pending = [];
    this.pendingLen = 0;
  }

  private parse(final: boolean): void {
    if (this.version === 0 && !this.preamble(final)) return;
    if (this.version === 2) this.parseV2(final);
    else this.parseV1(final);
    if (this.records === 0 && this.base + this.at - CAPTURE_PREAMBLE_LEN >= NO_RECORD_LIMIT) {
      throw new CaptureFormatError(`no valid capture record in the first ${NO_RECORD_LIMIT >> 20} MiB after the preamble`);
    }
  }

  /** false while the preamble is not read yet */
  private preamble(final: boolean): boolean {
    const avail = this.buf.length - this.at;
    if (avail < SNIFF_LEN && !final) {
      this.need = SNIFF_LEN;
      return false;
    }
    const s = sniffCapture(this.buf.subarray(this.at, this.at + SNIFF_LEN));
    if (!s.capture) throw new CaptureFormatError('not a tracepipe capture file (bad magic)');
    if (s.version === undefined) return false; // cut inside the preamble
    if (!CAPTURE_VERSIONS.includes(s.version)) {
      throw new CaptureFormatError(
        `capture file version ${s.version} is not supported (this reader knows versions ${CAPTURE_VERSIONS.join(' and ')})`,
      );
    }
    if (s.warning) this.handlers.warning?.(s.warning, 0);
    this.version = s.version;
    this.at += CAPTURE_PREAMBLE_LEN;
    return true;
  }

  // ---- damage bookkeeping ----

  private damage(at: number, reason: string, kind?: number): void {
    if (!this.region) {
      if (this.unreported) this.flushUnreported(undefined);
      this.region = { offset: this.base + at, end: this.base + at, records: {}, reason };
    }
    if (kind !== undefined) {
      const name = KIND_NAMES[kind] ?? `type 0x${kind.toString(16).padStart(2, '0')}`;
      this.region.records[name] = (this.region.records[name] ?? 0) + 1;
    }
  }

  /** The record at `at` is valid: a stretch being skipped ends here. */
  private resynced(at: number): void {
    if (!this.region) return;
    this.region.end = this.base + at;
    this.closeRegion();
  }

  private closeRegion(): void {
    const r = this.region!;
    this.region = null;
    this.damaged.regions++;
    this.damaged.bytes += r.end - r.offset;
    // v2: the stream bytes it held are known from the next DATA record's offset
    if (this.version === 2) this.unreported = r;
    else this.report(r, undefined, undefined);
  }

  private flushUnreported(gap: { offset: number; bytes: number } | undefined): void {
    const r = this.unreported;
    this.unreported = null;
    if (r) this.report(r, gap?.offset ?? this.streamNext, gap?.bytes ?? 0);
    else if (gap) this.report({ offset: -1, end: -1, records: {}, reason: 'DATA records missing' }, gap.offset, gap.bytes);
  }

  private report(r: Region, streamOffset: number | undefined, streamBytes: number | undefined): void {
    if (streamBytes) this.damaged.streamBytes += streamBytes;
    this.handlers.damage?.({
      offset: r.offset,
      bytes: r.end - r.offset,
      records: r.records,
      reason: r.reason,
      streamOffset,
      streamBytes,
    });
  }

  // ---- version 2 ----

  private parseV2(final: boolean): void {
    const buf = this.buf;
    let at = this.at;
    this.need = 1;
    while (at < buf.length) {
      const avail = buf.length - at;
      if (avail < V2_HEADER_LEN && this.isSyncPrefix(buf, at)) {
        if (!final) {
          this.need = V2_HEADER_LEN;
          break;
        }
        if (!this.region) break; // a cut inside the header
        at = this.nextSync(buf, at + 1, true);
        continue;
      }
      if (buf[at] !== 0xa5 || buf[at + 1] !== 0x54 || buf[at + 2] !== 0x52 || buf[at + 3] !== 0x02) {
        this.damage(at, 'no record marker');
        at = this.nextSync(buf, at + 1, final);
        continue;
      }
      const type = buf[at + 4];
      const length = u32(buf, at + 5);
      if (crc32c(buf, at, at + 9) !== u32(buf, at + 9)) {
        this.damage(at, 'record header check failed');
        at = this.nextSync(buf, at + 1, final);
        continue;
      }
      if (length > V2_MAX_PAYLOAD || length < this.minPayload(type)) {
        this.damage(at, `${KIND_NAMES[type] ?? 'record'} length ${length} is impossible`, type);
        at = this.nextSync(buf, at + 1, final);
        continue;
      }
      const size = V2_HEADER_LEN + length + V2_TRAILER_LEN;
      if (avail < size) {
        if (!final) {
          this.need = size;
          break;
        }
        if (!this.region) break; // cut inside the last record
        this.damage(at, 'record cut', type);
        at = this.nextSync(buf, at + 1, true);
        continue;
      }
      const payload = buf.subarray(at + V2_HEADER_LEN, at + V2_HEADER_LEN + length);
      if (crc32c(buf, at, at + size - V2_TRAILER_LEN) !== u32(buf, at + size - V2_TRAILER_LEN)) {
        // A DATA record whose header holds and whose stream offset is the one expected, followed
        // (at its end, or a few bytes off it) by a valid header, was changed in place or had a
        // few bytes inserted or removed: its bytes go on to the decoder, whose frame checks drop
        // only the frames the change reached, exactly as on the wire. Anything else is skipped.
        if (type === RECORD_DATA && Number(u64(payload, 8)) === this.streamNext) {
          const end = this.passOnEnd(buf, at, size, final);
          if (end === undefined) {
            this.need = size + PASS_ON_SHIFT + V2_HEADER_LEN;
            break;
          }
          if (end >= 0) {
            const shift = end - at - size;
            const n = length - V2_DATA_PREFIX;
            this.resynced(at);
            this.flushUnreported(undefined);
            this.damaged.regions++;
            const how = shift === 0 ? 'check failed' : `is ${Math.abs(shift)} byte(s) ${shift > 0 ? 'longer' : 'shorter'} than its header says`;
            this.report({ offset: this.base + at, end: this.base + at, records: { DATA: 1 }, reason: `DATA record ${how}; its ${n} bytes go on to the frame checks` }, this.streamNext, 0);
            this.recordV2(type, buf.subarray(at + V2_HEADER_LEN, end - V2_TRAILER_LEN), this.base + at, this.lastHostNs, n);
            at = end;
            continue;
          }
        }
        this.damage(at, `${KIND_NAMES[type] ?? 'record'} record check failed`, type);
        at = this.nextSync(buf, at + 1, final);
        continue;
      }
      if (!(this.region && this.repairV2(buf, at))) {
        this.resynced(at);
      }
      this.recordV2(type, payload, this.base + at);
      at += size;
    }
    this.at = at;
    if (this.need <= buf.length - at) this.need = buf.length - at + 1;
  }

  /** whether the (fewer than V2_HEADER_LEN) bytes left start like a record */
  /**
   * A damaged stretch that ends at a valid record may be one record whose header alone was
   * changed in place: rebuild the header from the stretch's length and let the record's own check
   * prove the payload. The check cannot tell the type: a CRC run over bytes followed by their own
   * CRC always reaches the same register value, so after `hcrc` the trailer depends on the payload
   * only, and every type would "hold". The payload tells it (CAPTURE.md, reading rules).
   */
  private repairV2(buf: Uint8Array, next: number): boolean {
    const r = this.region!;
    const start = r.offset - this.base;
    const length = next - start - V2_HEADER_LEN - V2_TRAILER_LEN;
    if (start < 0 || length < 0 || length > V2_MAX_PAYLOAD) return false;
    const rec = new Uint8Array(V2_HEADER_LEN + length);
    rec.set(buf.subarray(start + V2_HEADER_LEN, next - V2_TRAILER_LEN), V2_HEADER_LEN);
    const payload = rec.subarray(V2_HEADER_LEN);
    const type = this.repairedType(payload);
    if (type === undefined) return false;
    const view = new DataView(rec.buffer);
    rec.set(V2_SYNC, 0);
    rec[4] = type;
    view.setUint32(5, length, true);
    view.setUint32(9, crc32c(rec, 0, 9), true);
    if (crc32c(rec) !== u32(buf, next - V2_TRAILER_LEN)) return false;
    this.region = null;
    this.flushUnreported(undefined);
    this.damaged.regions++;
    this.report({ offset: r.offset, end: r.offset, records: { [KIND_NAMES[type]]: 1 }, reason: `${KIND_NAMES[type]} record header damaged; repaired (the record check holds)` }, this.streamNext, 0);
    this.recordV2(type, payload, r.offset);
    return true;
  }

  /** The type a rebuilt record's payload shows, or undefined when it shows none. */
  private repairedType(payload: Uint8Array): number | undefined {
    if (payload.length >= this.minPayload(RECORD_DATA) && u64(payload, 8) === BigInt(this.streamNext)) return RECORD_DATA;
    if (payload.length >= this.minPayload(RECORD_EVENT)) {
      const j = jsonObject(payload.subarray(8));
      if (!('why' in j) && typeof j.value.kind === 'string') return RECORD_EVENT;
    }
    if (!this.sawMeta && !('why' in jsonObject(payload))) return RECORD_META;
    return undefined;
  }

  private isSyncPrefix(buf: Uint8Array, at: number): boolean {
    for (let i = at; i < buf.length && i < at + 4; i++) if (buf[i] !== V2_SYNC[i - at]) return false;
    return true;
  }

  /** Offset of the next possible sync marker at or after `from` (a partial one at the end counts). */
  private nextSync(buf: Uint8Array, from: number, final: boolean): number {
    for (let i = buf.indexOf(0xa5, from); i >= 0; i = buf.indexOf(0xa5, i + 1)) {
      if (buf.length - i < 4) return final ? buf.length : i;
      if (buf[i + 1] === 0x54 && buf[i + 2] === 0x52 && buf[i + 3] === 0x02) return i;
    }
    return buf.length;
  }

  private minPayload(type: number): number {
    return type === RECORD_DATA ? V2_DATA_PREFIX : type === RECORD_EVENT ? 8 : 0;
  }

  /**
   * Where a DATA record that failed its check really ends: at its stated end or up to
   * PASS_ON_SHIFT bytes off it, where a valid header (or the end of the file) follows. -1: none;
   * undefined: more bytes are needed to tell.
   */
  private passOnEnd(buf: Uint8Array, at: number, size: number, final: boolean): number | undefined {
    for (let k = 0; k <= 2 * PASS_ON_SHIFT; k++) {
      const e = at + size + (k & 1 ? (k + 1) >> 1 : -(k >> 1));
      if (e < at + V2_HEADER_LEN + V2_DATA_PREFIX + V2_TRAILER_LEN || e > buf.length) {
        if (e > buf.length && !final) return undefined;
        continue;
      }
      if (e === buf.length) {
        if (final) return e;
        return undefined;
      }
      if (buf.length - e < V2_HEADER_LEN) {
        if (!final) return undefined;
        continue;
      }
      if (v2HeaderOk(buf, e)) return e;
    }
    return -1;
  }

  /** hostNsInstead: instead of the record's own time (a record that failed its check);
   * streamLen: the stream bytes its header stands for, when its payload was shifted */
  private recordV2(type: number, payload: Uint8Array, offset: number, hostNsInstead?: bigint, streamLen?: number): void {
    if (type === RECORD_DATA) {
      const hostNs = hostNsInstead ?? u64(payload, 0);
      this.lastHostNs = hostNs;
      const streamOffset = Number(u64(payload, 8));
      let bytes = payload.subarray(V2_DATA_PREFIX);
      let fileOffset = offset + V2_HEADER_LEN + V2_DATA_PREFIX;
      if (streamOffset > this.streamNext) {
        this.flushUnreported({ offset: this.streamNext, bytes: streamOffset - this.streamNext });
      } else {
        this.flushUnreported(undefined);
        if (streamOffset < this.streamNext) {
          const overlap = Math.min(bytes.length, this.streamNext - streamOffset);
          this.handlers.warning?.(`DATA record at byte ${offset} repeats ${overlap} stream byte(s) already read; skipped`, offset);
          bytes = bytes.subarray(overlap);
          fileOffset += overlap;
        }
      }
      this.streamNext = Math.max(this.streamNext, streamOffset + (streamLen ?? payload.length - V2_DATA_PREFIX));
      this.records++;
      this.sawEnd = false;
      if (bytes.length === 0) return;
      this.dataBytes += bytes.length;
      this.handlers.data?.(hostNs, bytes, fileOffset);
      return;
    }
    this.deliver(type, payload, offset);
  }

  /** META, EVENT and unknown records (same payload in both versions). */
  private deliver(type: number, payload: Uint8Array, offset: number): void {
    this.records++;
    if (type === RECORD_META) {
      if (this.sawMeta) {
        this.handlers.warning?.(`a second META record at byte ${offset}; ignored`, offset);
        return;
      }
      this.sawMeta = true;
      const j = jsonObject(payload);
      if ('why' in j) this.handlers.warning?.(`META record at byte ${offset}: ${j.why}; ignored`, offset);
      this.handlers.meta?.('why' in j ? { source: 'unknown' } : (j.value as CaptureMeta), this.version);
      this.sawEnd = false;
      return;
    }
    if (type === RECORD_EVENT) {
      const hostNs = u64(payload, 0);
      const j = jsonObject(payload.subarray(8));
      let event: CaptureEvent;
      if ('why' in j) {
        this.handlers.warning?.(`EVENT record at byte ${offset}: ${j.why}; ignored`, offset);
        event = { kind: 'unknown' };
      } else {
        event = j.value as CaptureEvent;
        if (typeof event.kind !== 'string') event = { kind: 'unknown' };
      }
      this.lastHostNs = hostNs;
      // A record after "end" means the writer appended again: not complete until the next "end".
      this.sawEnd = event.kind === 'end';
      this.handlers.event?.(hostNs, event, offset);
      return;
    }
    // unknown types are skipped (forward compatible); they make the file incomplete again
    this.sawEnd = false;
  }

  // ---- version 1 ----

  /** Whether a v1 record header at `at` is possible; `strict` (while resynchronising) also asks for
   * a host time near the last one read. */
  private v1Plausible(buf: Uint8Array, at: number, strict: boolean): boolean | undefined {
    const avail = buf.length - at;
    if (avail < V1_HEADER_LEN) return undefined;
    const type = buf[at];
    const length = u32(buf, at + 1);
    if (type === RECORD_DATA) {
      if (length < 8 || length > MAX_RECORD) return false;
    } else if (type === RECORD_EVENT) {
      if (length < 10 || length > MAX_JSON + 8) return false;
    } else if (type === RECORD_META) {
      if (this.sawMeta || strict || length > MAX_JSON) return false;
    } else return false;
    if (!strict) return true;
    if (avail < V1_HEADER_LEN + 9) return undefined;
    if (type === RECORD_EVENT && buf[at + V1_HEADER_LEN + 8] !== 0x7b) return false;
    if (this.lastNs === null) return true;
    const ns = u64(buf, at + V1_HEADER_LEN);
    return ns + 1_000_000_000n >= this.lastNs && ns <= this.lastNs + NS_PER_DAY;
  }

  /**
   * The time a v1 resync is judged by comes from records whose successor is plausible, and moves
   * only within the window a resync accepts: one damaged time cannot make every later record look
   * implausible. Times that keep disagreeing (four in a row) are adopted: the old time was wrong.
   */
  private noteTime(ns: bigint): void {
    if (this.lastNs === null || (ns + 1_000_000_000n >= this.lastNs && ns <= this.lastNs + NS_PER_DAY)) {
      this.lastNs = ns;
      this.timeDisagreements = 0;
    } else if (++this.timeDisagreements >= 4) {
      this.lastNs = ns;
      this.timeDisagreements = 0;
    }
  }

  private parseV1(final: boolean): void {
    const buf = this.buf;
    let at = this.at;
    this.need = 1;
    while (at < buf.length) {
      const strict = this.region !== null;
      const ok = this.v1Plausible(buf, at, strict);
      if (ok === undefined) {
        if (!final) {
          this.need = V1_HEADER_LEN + (strict ? 9 : 0);
          break;
        }
        if (this.region) at = buf.length;
        break;
      }
      if (!ok) {
        if (strict) this.damage(at, 'no plausible record');
        else this.damage(at, v1Why(buf, at), KIND_NAMES[buf[at]] ? buf[at] : undefined);
        at = this.nextV1Candidate(buf, at + 1);
        continue;
      }
      const size = V1_HEADER_LEN + u32(buf, at + 1);
      const avail = buf.length - at;
      // accept a record only when the header after it is plausible too (or the file ends there)
      if (avail < size + V1_HEADER_LEN + 9) {
        if (!final) {
          this.need = size + V1_HEADER_LEN + 9;
          break;
        }
        if (avail < size) {
          // A cut inside the last record, or a damaged length: only a record after it can tell.
          const opened = !this.region;
          this.damage(at, `${KIND_NAMES[buf[at]]} record of ${size - V1_HEADER_LEN} bytes runs past the end of the file`, strict ? undefined : buf[at]);
          if (opened) this.region!.cut = true;
          at = this.nextV1Candidate(buf, at + 1);
          continue;
        }
      }
      const next = avail > size ? this.v1Plausible(buf, at + size, strict) : true;
      // A JSON record that parses whole is its own proof. Otherwise a successor of a known type
      // with an impossible length still shows this record's length was right: the damage is there.
      const successorType = buf[at + size];
      const proven =
        next !== false ||
        (buf[at] !== RECORD_DATA && this.v1JsonWhole(buf, at, size)) ||
        (!strict && (successorType === RECORD_DATA || successorType === RECORD_EVENT));
      if (!proven) {
        this.damage(at, 'implausible next record header', strict ? undefined : buf[at]);
        at = this.nextV1Candidate(buf, at + 1);
        continue;
      }
      this.resynced(at);
      if (next !== false && buf[at] !== RECORD_META) this.noteTime(u64(buf, at + V1_HEADER_LEN));
      this.recordV1(buf[at], buf.subarray(at + V1_HEADER_LEN, at + size), this.base + at);
      at += size;
    }
    this.at = at;
    if (this.need <= buf.length - at) this.need = buf.length - at + 1;
  }

  private v1JsonWhole(buf: Uint8Array, at: number, size: number): boolean {
    const from = at + V1_HEADER_LEN + (buf[at] === RECORD_EVENT ? 8 : 0);
    return buf[from] === 0x7b && buf[at + size - 1] === 0x7d && 'value' in jsonObject(buf.subarray(from, at + size));
  }

  /** Next offset worth testing as a v1 record header: a DATA or EVENT type byte with a length below 2^24. */
  private nextV1Candidate(buf: Uint8Array, from: number): number {
    for (let i = from; i < buf.length; i++) {
      const t = buf[i];
      if ((t === RECORD_DATA || t === RECORD_EVENT) && (i + 4 >= buf.length || buf[i + 4] === 0)) return i;
    }
    return buf.length;
  }

  private recordV1(type: number, payload: Uint8Array, offset: number): void {
    if (type === RECORD_DATA) {
      const hostNs = u64(payload, 0);
      this.records++;
      this.sawEnd = false;
      const body = payload.subarray(8);
      this.dataBytes += body.length;
      if (body.length > 0) this.handlers.data?.(hostNs, body, offset + V1_HEADER_LEN + 8);
      return;
    }
    this.deliver(type, payload, offset);
  }
}
