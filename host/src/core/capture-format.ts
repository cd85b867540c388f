// tracepipe capture file (.tpt): the bytes exactly as received from the target, with host
// receive times and link events, in a container that stays readable when cut at any byte.
// Pure encode/parse: no I/O. protocol/CAPTURE.md is the same description for other readers.
//
//   file    = magic version record*
//   magic   = 89 54 50 54 0D 0A 1A 0A        "\x89TPT\r\n\x1a\n" (PNG-style: the high byte and the
//                                             CR/LF/^Z catch 7-bit and newline-mangling transfers)
//   version = u16 LE, 1
//   record  = type:u8 length:u32 LE payload[length]
//
//   type 0x01 META   payload = UTF-8 JSON object (CaptureMeta). The first record, exactly once.
//   type 0x02 DATA   payload = host_ns:u64 LE, then the received bytes, unmodified. One record per
//                    read from the port, in order; concatenating every DATA payload after its 8-byte
//                    time gives the raw stream.
//   type 0x03 EVENT  payload = host_ns:u64 LE, then a UTF-8 JSON object {"kind": ..., ...}:
//                    "open" (port opened), "command" (a host->target command was sent, "name"),
//                    "disconnect" (the link went away, "message"), "reconnect" (the link is back: the
//                    bytes after it do not continue the bytes before it), "end" (the writer closed
//                    the file cleanly; always the last record of a complete capture).
//   other types      reserved; a reader skips them (forward compatible within version 1).
//
// host_ns is the host's wall clock in nanoseconds since the Unix epoch when the bytes were read
// (monotonic within a capture: start wall time plus a monotonic clock).
//
// Why this shape: every record is written with a single append as soon as the bytes arrive, so a
// crash or a full disk loses at most the record being written. A reader that meets a record whose
// length runs past the end of the input ignores that partial record and reports it once; a
// complete capture ends with an "end" EVENT, so a cut exactly at a record boundary is also
// detected. No record is ever longer than MAX_RECORD bytes; a length above it means the file is
// damaged (not merely cut), and reading stops there with the same single report.

export const CAPTURE_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x54, 0x50, 0x54, 0x0d, 0x0a, 0x1a, 0x0a);
export const CAPTURE_VERSION = 1;
/** magic + version */
export const CAPTURE_PREAMBLE_LEN = CAPTURE_MAGIC.length + 2;
export const RECORD_HEADER_LEN = 5;
/** Writers split larger DATA payloads; readers treat a longer length as damage. */
export const MAX_RECORD = 1 << 24;

export const RECORD_META = 0x01;
export const RECORD_DATA = 0x02;
export const RECORD_EVENT = 0x03;

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

/** Whether the input's first bytes are a capture file's magic. `prefix` may be shorter than the
 * magic (a file cut inside it), then a match of every byte present counts. */
export function looksLikeCapture(prefix: Uint8Array): boolean {
  if (prefix.length === 0) return false;
  const n = Math.min(prefix.length, CAPTURE_MAGIC.length);
  for (let i = 0; i < n; i++) if (prefix[i] !== CAPTURE_MAGIC[i]) return false;
  return true;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

function recordHeader(out: Uint8Array, at: number, type: number, length: number): void {
  out[at] = type;
  new DataView(out.buffer, out.byteOffset + at + 1, 4).setUint32(0, length, true);
}

/** The bytes that open a capture file: magic, version and the META record. */
export function encodeCaptureStart(meta: CaptureMeta): Uint8Array {
  const json = utf8Encoder.encode(JSON.stringify(meta));
  if (json.length > MAX_RECORD) throw new RangeError('capture metadata too large');
  const out = new Uint8Array(CAPTURE_PREAMBLE_LEN + RECORD_HEADER_LEN + json.length);
  out.set(CAPTURE_MAGIC, 0);
  new DataView(out.buffer).setUint16(CAPTURE_MAGIC.length, CAPTURE_VERSION, true);
  recordHeader(out, CAPTURE_PREAMBLE_LEN, RECORD_META, json.length);
  out.set(json, CAPTURE_PREAMBLE_LEN + RECORD_HEADER_LEN);
  return out;
}

function timedRecord(type: number, hostNs: bigint, body: Uint8Array): Uint8Array {
  const length = 8 + body.length;
  const out = new Uint8Array(RECORD_HEADER_LEN + length);
  recordHeader(out, 0, type, length);
  new DataView(out.buffer).setBigUint64(RECORD_HEADER_LEN, BigInt.asUintN(64, hostNs), true);
  out.set(body, RECORD_HEADER_LEN + 8);
  return out;
}

/** DATA record(s) for bytes received at hostNs; split so that no record exceeds MAX_RECORD. */
export function encodeDataRecords(hostNs: bigint, bytes: Uint8Array): Uint8Array[] {
  const room = MAX_RECORD - 8;
  if (bytes.length <= room) return [timedRecord(RECORD_DATA, hostNs, bytes)];
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += room) {
    out.push(timedRecord(RECORD_DATA, hostNs, bytes.subarray(at, at + room)));
  }
  return out;
}

export function encodeEventRecord(hostNs: bigint, event: CaptureEvent): Uint8Array {
  return timedRecord(RECORD_EVENT, hostNs, utf8Encoder.encode(JSON.stringify(event)));
}

export interface CaptureHandlers {
  meta?(meta: CaptureMeta, version: number): void;
  /** bytes: a view valid only during the call; offset: file offset of the first byte */
  data?(hostNs: bigint, bytes: Uint8Array, offset: number): void;
  event?(hostNs: bigint, event: CaptureEvent, offset: number): void;
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
}

/** Error for input that is not a capture of a version this reader knows. */
export class CaptureFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureFormatError';
  }
}

/**
 * Incremental capture reader: push() any chunking of the file, then end(). Records are delivered
 * as soon as they are whole, so a live file can be followed. Throws CaptureFormatError only for a
 * wrong magic or an unknown version; damage after the preamble is reported by end().
 */
export class CaptureParser {
  private buf: Uint8Array = new Uint8Array(0);
  /** file offset of buf[0] */
  private base = 0;
  private preambleDone = false;
  private stopped = false;
  private damage: string | undefined;
  private damageAt = 0;
  private sawMeta = false;
  private sawEnd = false;
  private records = 0;
  private dataBytes = 0;
  private total = 0;

  constructor(private readonly handlers: CaptureHandlers) {}

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.stopped || chunk.length === 0) return;
    if (this.buf.length === 0) {
      this.buf = chunk;
    } else {
      const joined = new Uint8Array(this.buf.length + chunk.length);
      joined.set(this.buf, 0);
      joined.set(chunk, this.buf.length);
      this.buf = joined;
    }
    this.parse();
  }

  end(): CaptureEnd {
    const ignoredBytes = this.damage !== undefined ? this.total - this.damageAt : this.buf.length;
    let problem: string | undefined;
    if (this.damage) {
      problem = this.damage;
    } else if (!this.preambleDone) {
      problem = `capture cut inside its ${CAPTURE_PREAMBLE_LEN}-byte preamble`;
    } else if (this.buf.length > 0) {
      problem = `capture cut inside a record at byte ${this.base} (${this.buf.length} trailing bytes ignored)`;
    } else if (!this.sawEnd) {
      problem = `capture has no end marker (cut at byte ${this.base}, or the writer stopped)`;
    }
    return {
      complete: problem === undefined,
      problem,
      ignoredBytes,
      totalBytes: this.total,
      dataBytes: this.dataBytes,
      records: this.records,
    };
  }

  private parse(): void {
    let at = 0;
    const buf = this.buf;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!this.preambleDone) {
      const n = Math.min(buf.length, CAPTURE_MAGIC.length);
      for (let i = 0; i < n; i++) {
        if (buf[i] !== CAPTURE_MAGIC[i]) throw new CaptureFormatError('not a tracepipe capture file (bad magic)');
      }
      if (buf.length < CAPTURE_PREAMBLE_LEN) return;
      const version = view.getUint16(CAPTURE_MAGIC.length, true);
      if (version !== CAPTURE_VERSION) {
        throw new CaptureFormatError(
          `capture file version ${version} is not supported (this reader knows version ${CAPTURE_VERSION})`,
        );
      }
      this.preambleDone = true;
      at = CAPTURE_PREAMBLE_LEN;
    }
    while (buf.length - at >= RECORD_HEADER_LEN) {
      const type = buf[at];
      const length = view.getUint32(at + 1, true);
      const offset = this.base + at;
      if (length > MAX_RECORD) {
        this.stop(offset, `capture damaged at byte ${offset}: record length ${length} is impossible; reading stopped there`);
        return;
      }
      if (buf.length - at - RECORD_HEADER_LEN < length) break;
      const payload = buf.subarray(at + RECORD_HEADER_LEN, at + RECORD_HEADER_LEN + length);
      if (!this.record(type, payload, offset)) return;
      at += RECORD_HEADER_LEN + length;
    }
    this.base += at;
    this.buf = at === buf.length ? new Uint8Array(0) : buf.slice(at);
  }

  /** false when reading must stop */
  private record(type: number, payload: Uint8Array, offset: number): boolean {
    this.records++;
    if (!this.sawMeta) {
      if (type !== RECORD_META) {
        this.stop(offset, `capture damaged at byte ${offset}: first record is not the metadata record`);
        return false;
      }
      this.sawMeta = true;
      let meta: CaptureMeta;
      try {
        const parsed: unknown = JSON.parse(utf8Decoder.decode(payload));
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
        meta = parsed as CaptureMeta;
      } catch {
        meta = { source: 'unknown' };
      }
      this.handlers.meta?.(meta, CAPTURE_VERSION);
      return true;
    }
    if (type === RECORD_DATA || type === RECORD_EVENT) {
      if (payload.length < 8) {
        this.stop(offset, `capture damaged at byte ${offset}: record too short for its timestamp`);
        return false;
      }
      const hostNs = new DataView(payload.buffer, payload.byteOffset, 8).getBigUint64(0, true);
      const body = payload.subarray(8);
      if (type === RECORD_DATA) {
        this.dataBytes += body.length;
        this.handlers.data?.(hostNs, body, offset + RECORD_HEADER_LEN + 8);
      } else {
        let event: CaptureEvent;
        try {
          const parsed: unknown = JSON.parse(utf8Decoder.decode(body));
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
          event = parsed as CaptureEvent;
          if (typeof event.kind !== 'string') event = { kind: 'unknown' };
        } catch {
          event = { kind: 'unknown' };
        }
        // A record after "end" means the writer appended again (a resumed capture): not complete
        // until the next "end".
        this.sawEnd = event.kind === 'end';
        this.handlers.event?.(hostNs, event, offset);
        return true;
      }
    }
    // Any record other than a trailing "end" EVENT makes the file incomplete again.
    this.sawEnd = false;
    return true;
  }

  private stop(offset: number, problem: string): void {
    this.stopped = true;
    this.damageAt = offset;
    this.damage = problem;
    this.buf = new Uint8Array(0);
  }
}
