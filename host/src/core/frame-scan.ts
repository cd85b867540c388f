// The frame checks the accounting needs, for a stretch of stream bytes on its own (issue 11):
// frames are independent once split, so a stretch that ends at a delimiter can be scanned
// anywhere (a worker thread, io/scan-pool.ts) while the decoder books the stretch before it.
// A scan does what the decoder does to a frame up to booking its packet: COBS, length, CRC,
// packet head, events stepped over (the counting parser); it returns one row of numbers per
// PACKET that passed all of it. Anything else (headers, statuses, damaged frames, packets the
// scan cannot prove) gets no row: TraceDecoder.pushScanned reads those bytes itself, so every
// notice and refusal keeps its one source. Pure: no I/O.

import type { EventBatch } from './batch.js';
import { checkFrame, FRAME_OK, FrameSplitter } from './frames.js';
import { MSG_PACKET, parseEvents, parsePacketHead, toBig, type PacketHead } from './messages.js';
import { Cursor, WireError } from './varint.js';
import { WIRE_VERSION } from './wire-gen.js';
import { ROW_CORE, ROW_DROPPED, ROW_DURATION, ROW_EVENTS_BEFORE, ROW_FIRST, ROW_LAST, ROW_N_EVENTS, ROW_OVERWRITTEN, ROW_REJECTED, ROW_RESUME, ROW_SEQ, ROW_START, ROW_TS_HI, ROW_TS_LO, SCAN_ROW } from './scan-row.js';

export { ROW_FIRST, ROW_LAST, ROW_RESUME, ROW_START, SCAN_ROW } from './scan-row.js';

/** The wire version a scan reads packet heads with; the decoder uses a row only in a session of it. */
export const SCAN_VERSION = WIRE_VERSION;

/** Rows a result holds: a stretch with more packets gets rows for the first ones only (the decoder reads the rest). */
export const SCAN_ROWS = 4096;

export interface ScanResult {
  /** count rows of SCAN_ROW numbers */
  rows: Float64Array;
  count: number;
}

export function newScanResult(rows = new Float64Array(SCAN_ROWS * SCAN_ROW)): ScanResult {
  return { rows, count: 0 };
}

/**
 * The PacketHead a row holds, as parsePacketHead gave it. Its numbers as integers again (a
 * Float64Array gives doubles): an object of the same field kinds as parsePacketHead's keeps the
 * booking code monomorphic and its fields unboxed.
 */
export function scannedHead(rows: Float64Array, o: number): PacketHead {
  const lo = rows[o + ROW_TS_LO] >>> 0;
  const hi = rows[o + ROW_TS_HI] >>> 0;
  return {
    core: rows[o + ROW_CORE] | 0,
    seq: rows[o + ROW_SEQ] >>> 0,
    tsBegin: hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo),
    duration: toBig(rows[o + ROW_DURATION]),
    eventsBefore: rows[o + ROW_EVENTS_BEFORE] >>> 0,
    dropped: rows[o + ROW_DROPPED] >>> 0,
    overwritten: rows[o + ROW_OVERWRITTEN] >>> 0,
    rejected: rows[o + ROW_REJECTED] >>> 0,
    nEvents: rows[o + ROW_N_EVENTS] | 0,
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** What a scan that also parses events does with them (io/decode-pool.ts: CTF export on two threads). */
export interface ScanEvents {
  /** a batch, emptied for nEvents events in `bytes` bytes, to parse a PACKET's events into; null counts them only */
  batch(nEvents: number, bytes: number): EventBatch | null;
  /** the packet that would get row `row` passed every check; false: no row (the decoder reads the packet itself) */
  row(row: number, batch: EventBatch | null, head: PacketHead): boolean;
}

export class FrameScanner {
  private out: ScanResult = newScanResult();
  private base = 0;
  private readonly span = { first: 0 as number | bigint };
  private readonly splitter: FrameSplitter = new FrameSplitter({
    frame: (buf, len, start, resume) => this.frame(buf, len, start, resume),
    bad: () => undefined,
  });

  constructor(private readonly events?: ScanEvents) {}

  /**
   * Scans bytes, which must start where a frame starts and end with a delimiter (a Buffer's
   * indexOf is memchr: pass one where there is one), into out.
   */
  scan(bytes: Uint8Array, out: ScanResult): ScanResult {
    out.count = 0;
    this.out = out;
    this.base = this.splitter.offset;
    this.splitter.push(bytes);
    if (this.splitter.pendingStart() >= 0) throw new Error('FrameScanner.scan(): bytes end inside a frame');
    return out;
  }

  private frame(buf: Uint8Array, len: number, start: number, resume: number): void {
    const out = this.out;
    if (out.count === SCAN_ROWS || buf[0] !== MSG_PACKET || checkFrame(buf, len, this.splitter.words, this.splitter.kernel) !== FRAME_OK) return;
    const c = new Cursor(buf, 1, len - 4);
    let head: PacketHead;
    let last: number | bigint;
    let evs: EventBatch | null = null;
    try {
      head = parsePacketHead(c, SCAN_VERSION);
      evs = this.events ? this.events.batch(head.nEvents, c.remaining) : null;
      last = parseEvents(c, head.nEvents, evs, this.span, this.splitter.kernel);
    } catch (e) {
      if (e instanceof WireError) return;
      throw e;
    }
    const first = this.span.first;
    if (c.remaining !== 0 || typeof last !== 'number' || typeof first !== 'number' || head.duration > MAX_SAFE) return;
    if (this.events && !this.events.row(out.count, evs, head)) return;
    // ts_begin's halves from its bytes, where the head has it (after core and seq): no BigInt arithmetic
    const ts = new Cursor(buf, 1, len - 4);
    ts.u8();
    ts.varU32();
    const o = out.count * SCAN_ROW;
    const rows = out.rows;
    rows[o + ROW_START] = start - this.base;
    rows[o + ROW_RESUME] = resume - this.base;
    rows[o + ROW_CORE] = head.core;
    rows[o + ROW_SEQ] = head.seq;
    rows[o + ROW_TS_LO] = ts.u32();
    rows[o + ROW_TS_HI] = ts.u32();
    rows[o + ROW_DURATION] = Number(head.duration);
    rows[o + ROW_EVENTS_BEFORE] = head.eventsBefore;
    rows[o + ROW_DROPPED] = head.dropped;
    rows[o + ROW_OVERWRITTEN] = head.overwritten;
    rows[o + ROW_REJECTED] = head.rejected;
    rows[o + ROW_N_EVENTS] = head.nEvents;
    rows[o + ROW_FIRST] = first;
    rows[o + ROW_LAST] = last;
    out.count++;
  }
}

/**
 * A file cut at fixed offsets for two threads (io/scan-pool.ts): stretch j of size S is read
 * from offset j * S - 1 (stretch 0 from 0) into bytes, which run on past its nominal end by
 * at least a frame's length. Its frames are those that start after the first delimiter at or
 * after offset j * S - 1 (stretch 0: at 0) and end with the first delimiter at or after offset
 * (j + 1) * S - 1, so that the stretches meet at frame boundaries whoever reads them; endFrom
 * is that offset's index in bytes (S - 1 for stretch 0, else S). Scans them into out and
 * returns their indices in bytes: [start, end), empty when the stretch holds no frame start.
 * Where the closing delimiter is not in bytes (a frame longer than any valid one, or the end
 * of the file) the scan stops at the last delimiter it has, and the reader books the rest.
 */
export function scanStretch(
  scanner: FrameScanner,
  bytes: Uint8Array,
  first: boolean,
  endFrom: number,
  out: ScanResult,
): { start: number; end: number } {
  out.count = 0;
  let start = 0;
  if (!first) {
    const z = bytes.indexOf(0);
    if (z < 0 || z >= endFrom) return { start: 0, end: 0 };
    start = z + 1;
  }
  let z = endFrom < bytes.length ? bytes.indexOf(0, endFrom) : -1;
  if (z < 0) z = bytes.lastIndexOf(0);
  const end = z + 1;
  if (end <= start) return { start, end: start };
  scanner.scan(bytes.subarray(start, end), out);
  return { start, end };
}
