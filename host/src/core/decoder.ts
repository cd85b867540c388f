// The streaming decoder: bytes in any chunking -> frames -> messages -> per-core books
// (SPEC §9) -> one merged timeline of records. Pure: no I/O, no clocks.
//
// Decisions the SPEC leaves to the reader, and why:
// - Frames before the first valid HEADER cannot be given a time. Up to `holdLimit` of them
//   are held; when a non-BOOT header arrives they are decoded with it (a late attach). A
//   BOOT header proves they belong to an earlier target session, so they are discarded,
//   as are frames beyond the limit or still held at the end: one `no_header` notice
//   counts the frames and events discarded.
// - A packet is a duplicate only when its (seq, ts_begin) equals one of the last 16
//   accepted packets of its core. Any other packet whose seq is not newer, or whose
//   ts_begin is older than the last accepted one, means the target reset: a new session
//   starts (late attach) with the previous header's parameters until its own header comes.
// - A BOOT header after any packet or status of the current session, or a header whose
//   session field differs from the session's, starts a new session.
// - Order (SPEC §9 step 8): every record with a time is merged by it. Loss records sort at
//   the start of their window; a non-final status at its time once its core's data reaches
//   it; a FINAL status at its time, after the losses it books; the header that opens a
//   session first, a repeat header at its ts, ahead of core records of that time. Records without a time (frame errors, commands, no_header)
//   go out at once, or right behind a header still waiting in the merge.

import { EventBatch } from './batch.js';
import { checkFrame, FRAME_LONG, FRAME_OK, FRAME_SHORT, FrameSplitter, MAX_MESSAGE, type FrameHandler } from './frames.js';
import { MERGE_LIMIT, TimelineMerge } from './merge.js';
import {
  COMMAND_NAMES,
  MSG_HEADER,
  MSG_PACKET,
  MSG_STATUS,
  parseEvents,
  parseHeader,
  parsePacketHead,
  parseStatus,
  toBig,
  type PacketHead,
  type StatusMsg,
} from './messages.js';
import { SCAN_VERSION, scannedHead, type ScanResult } from './frame-scan.js';
import {
  ROW_CORE,
  ROW_DROPPED,
  ROW_DURATION,
  ROW_EVENTS_BEFORE,
  ROW_FIRST,
  ROW_LAST,
  ROW_N_EVENTS,
  ROW_OVERWRITTEN,
  ROW_REJECTED,
  ROW_RESUME,
  ROW_SEQ,
  ROW_START,
  ROW_TS_HI,
  ROW_TS_LO,
  SCAN_ROW,
} from './scan-row.js';
import { PacketClock } from './time.js';
import {
  type Contradiction,
  type CoreStats,
  type LossCause,
  type Notice,
  type NoticeCode,
  type StreamHeader,
  type TraceRecord,
} from './types.js';
import { Cursor, WireError } from './varint.js';
import { NOTICE_LEVEL, SUPPORTED_VERSIONS, WIRE_VERSION } from './wire-gen.js';

export interface DecoderOptions {
  /** Merge cores into one timeline (default true). False: records leave in stream order. */
  merge?: boolean;
  /** Build event records (default true). False: accounting, losses and notices only (fast path). */
  objects?: boolean;
  /**
   * The batch API (core/batch.ts): events go here as columns, b[from, to) in timeline order
   * between the records sink receives, instead of one TraceEvent each to sink.
   */
  onEvents?: (batch: EventBatch, from: number, to: number) => void;
  /** Items the merge may hold before releasing the oldest out of order (default MERGE_LIMIT, 2^18). */
  mergeLimit?: number;
  /** Frames held while no header is known (default 256). */
  holdLimit?: number;
  /**
   * The header to decode with when none arrives (built by the caller from the ELF and the
   * board: cores, timer, build id). Used for frames held at the end of the input or beyond
   * holdLimit, never in place of a header that comes; what it cannot prove is reported
   * (`header_assumed`, `time_unproven`), and a later real header replaces it.
   */
  assumeHeader?: StreamHeader;
}

const TWO31 = 0x8000_0000;
const TWO64 = 1n << 64n;
const TWO63n = 1n << 63n;
const TWO62 = 2 ** 62;
const PACKET_BASE: Base = { seq: 0, eventsEnd: 0, dropped: 0, overwritten: 0, rejected: 0, tsBegin: 0, tsEnd: 0 };
const RECENT = 16;
/** 2^bits for every timer width: a load per packet, not a Math.pow */
const WRAP_TICKS = Array.from({ length: 65 }, (_, bits) => 2 ** bits);
const EMPTY = new Uint8Array(0);
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
/** ts_begin's high word below this: the whole u64 is an exact double */
const TS_HI_SAFE = 2 ** 21;

/**
 * A tick count kept per packet: a number while it is below 2^53, else a bigint, so that the
 * common packet makes no BigInt. Always in that form (=== compares two of them; < and > are
 * exact between a number and a bigint).
 */
type Ticks = number | bigint;

function ticksOf(v: bigint): Ticks {
  return v <= MAX_SAFE_BIG ? Number(v) : v;
}

interface Base {
  seq: number;
  /** events_before + n_events, mod 2^32: what the next packet's events_before should be */
  eventsEnd: number;
  dropped: number;
  overwritten: number;
  rejected: number;
  tsBegin: Ticks;
  tsEnd: Ticks;
}

interface Book {
  core: number;
  /** the counters the books start from: the header's origin, or the first packet (late attach) */
  base: Base | null;
  /** the last counters the target sent: the last accepted packet's end, or a FINAL status */
  P: Base | null;
  closed: boolean;
  /** ns, a number where exact (as firstNs and lastNs): stats() gives bigints */
  provenNs: bigint | number | null;
  /** the latest non-final status: what the target counted beyond P while the books were open */
  tail: { committed: number; dropped: number; rejected: number } | null;
  contradictions: Contradiction[];
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
  firstNs: bigint | number | null;
  lastNs: bigint | number | null;
  /** (seq, ts_begin) of the last RECENT accepted packets, a ring written at recentAt (seq -1: none yet) */
  recentSeq: number[];
  recentTs: Ticks[];
  recentAt: number;
}

interface Session {
  index: number;
  header: StreamHeader;
  /** false while the session was started by a packet and its own header has not come */
  ownHeader: boolean;
  /** a BOOT header of this session came before any of its packets: origin is the baseline */
  bootOrigin: boolean;
  sawData: boolean;
  books: Map<number, Book>;
  clock: PacketClock;
}

interface Held {
  msg: Uint8Array;
  start: number;
  resume: number;
  events: number;
  /** wire versions whose layout this PACKET or STATUS fits exactly (checked while held) */
  fits: readonly number[];
}

/** Severity of each notice code (protocol/wire.json). */
export { NOTICE_LEVEL };

/** Contradictions kept per core; more only make the notice stream longer. */
const MAX_CONTRADICTIONS = 64;

export class TraceDecoder {
  private readonly splitter: FrameSplitter;
  private readonly merger: TimelineMerge<TraceRecord, EventBatch>;
  private readonly mergeOn: boolean;
  /** events are parsed into batches (objects or onEvents) */
  private readonly wantEvents: boolean;
  private readonly onEvents: ((batch: EventBatch, from: number, to: number) => void) | null;
  /** batches no run refers to any more, for reuse */
  private readonly free: EventBatch[] = [];
  /** runs of each batch still in the merge */
  private readonly runsLeft = new Map<EventBatch, number>();
  private readonly holdLimit: number;
  private readonly assumed: StreamHeader | null;
  /** a header of an unknown protocol version was refused: the stream is not ours to assume */
  private refusedVersion = false;
  private readonly sessions: Session[] = [];
  private session: Session | null = null;
  private held: Held[] = [];
  private heldDropped = { frames: 0, events: 0, offset: -1 };
  private latest: StreamHeader | null = null;
  /** why the last HEADER was refused, for the no_header notice (a refused header is the usual cause) */
  private lastRefusal = '';
  private ended = false;
  private readonly span = { first: 0 as number | bigint };
  /** Host receive time of the chunk being decoded, when the caller gives one. */
  lastHostTimeNs: bigint | undefined;
  /** FINAL statuses that closed a core's books, counted as they are decoded: the merge may
   * hold the record itself until every other core's data has passed its time, which after a
   * flush is never (a live host waiting for the FINALs asks here, not the sink). */
  finalsClosed = 0;

  constructor(
    private readonly sink: (rec: TraceRecord) => void,
    opts: DecoderOptions = {},
  ) {
    this.mergeOn = opts.merge ?? true;
    this.onEvents = opts.onEvents ?? null;
    this.wantEvents = this.onEvents !== null || (opts.objects ?? true);
    this.holdLimit = opts.holdLimit ?? 256;
    this.assumed = opts.assumeHeader ?? null;
    const mergeLimit = opts.mergeLimit ?? MERGE_LIMIT;
    this.merger = new TimelineMerge<TraceRecord, EventBatch>(
      sink,
      mergeLimit,
      (b, from, to, last) => this.release(b, from, to, last),
      // straight to the sink: it comes from inside a release, ahead of the records it warns about
      (waitFor, key) =>
        sink(
          noticeOf(
            'order_unproven',
            `core ${waitFor} has sent nothing at or after ${key === null ? 'the next record' : `${key} ns`} while ${mergeLimit} records were held: ` +
              `released without proof of order; a later packet of core ${waitFor} may go back in time (an open packet, SPEC §6)`,
            undefined,
            undefined,
            waitFor,
          ),
        ),
    );
    const handler: FrameHandler = {
      frame: (buf, len, start, resume) => this.onFrame(buf, len, start, resume),
      bad: (code, start, resume, detail) => this.notice(code, detail, start, resume),
      // the kernel's scan reads a PACKET as onPacket would, where no event is wanted
      scanVersion: () => (this.wantEvents || this.session === null ? -1 : this.session.header.version),
      row: (rows, o, start, resume) => this.bookRow(rows, o, start, resume),
    };
    this.splitter = new FrameSplitter(handler);
  }

  get bytesIn(): number {
    return this.splitter.offset;
  }

  /** The latest valid stream header. */
  get header(): StreamHeader | null {
    return this.latest;
  }

  push(chunk: Uint8Array, hostTimeNs?: bigint): void {
    if (this.ended) throw new Error('TraceDecoder.push() after end()');
    this.lastHostTimeNs = hostTimeNs;
    this.splitter.push(chunk);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.session && this.held.length > 0) {
      if (this.canAssume()) this.assumeHeader();
      else this.dropHeld();
    }
    this.merger.flush();
    const pending = this.splitter.pendingStart();
    if (pending >= 0) {
      this.notice(
        'truncated',
        `input ends inside a frame (${this.bytesIn - pending} byte(s) without delimiter)`,
        pending,
        this.bytesIn,
      );
    }
  }

  /** Every core of the latest session has its books closed by a FINAL status (false before any
   * header): what the summary's identity line will say, known as soon as the bytes are in. */
  booksClosed(): boolean {
    const s = this.session;
    if (!s) return false;
    for (let c = 0; c < s.header.cores; c++) if (!s.books.get(c)?.closed) return false;
    return true;
  }

  /** What the decoder holds right now; every figure has a fixed bound (live display, tests). */
  buffered(): { mergeItems: number; heldFrames: number; pendingFrameBytes: number } {
    const p = this.splitter.pendingStart();
    return {
      mergeItems: this.merger.size,
      heldFrames: this.held.length,
      pendingFrameBytes: p < 0 ? 0 : Math.min(this.bytesIn - p, MAX_MESSAGE + 4 + 17),
    };
  }

  stats(): CoreStats[] {
    const out: CoreStats[] = [];
    for (const s of this.sessions) {
      const cores = new Set<number>(s.books.keys());
      for (let c = 0; c < s.header.cores; c++) cores.add(c);
      for (const c of [...cores].sort((a, b) => a - b)) {
        const b = s.books.get(c);
        const decoded = b?.decoded ?? 0;
        const dropped = b?.dropped ?? 0;
        const overwritten = b?.overwritten ?? 0;
        const link_lost = b?.link_lost ?? 0;
        const rejected = b?.rejected ?? 0;
        // generated comes from the target's counters alone; the losses from the windows and the
        // events from the parser, so a bug or a lying target shows as an identity that fails.
        const P = b?.P ?? null;
        const B = b?.base ?? null;
        const generated =
          P && B ? ((P.eventsEnd - B.eventsEnd) >>> 0) + ((P.dropped - B.dropped) >>> 0) + ((P.rejected - B.rejected) >>> 0) : 0;
        const contradictions = b ? b.contradictions.slice() : [];
        let tailUnaccounted = 0;
        const from = P ?? (s.bootOrigin ? this.originBase(s, c) : null);
        if (b && !b.closed && b.tail && from) {
          const te = (b.tail.committed - from.eventsEnd) >>> 0;
          const td = (b.tail.dropped - from.dropped) >>> 0;
          const tr = (b.tail.rejected - from.rejected) >>> 0;
          tailUnaccounted = (te < TWO31 ? te : 0) + (td < TWO31 ? td : 0) + (tr < TWO31 ? tr : 0);
        }
        out.push({
          session: s.index,
          core: c,
          generated,
          decoded,
          dropped,
          overwritten,
          link_lost,
          rejected,
          wireVersion: s.header.version,
          firstNs: bigOrNull(b?.firstNs),
          lastNs: bigOrNull(b?.lastNs),
          identity: contradictions.length === 0 && generated === decoded + dropped + overwritten + link_lost + rejected,
          closed: b?.closed ?? false,
          provenSeq: P ? P.seq : null,
          provenNs: bigOrNull(b?.provenNs),
          tailUnaccounted,
          contradictions,
        });
      }
    }
    return out;
  }

  // ---- records ----

  /** Hands out events [from, to) of b; `last`: the merge holds no more of this run. */
  private release(b: EventBatch, from: number, to: number, last: boolean): void {
    if (this.onEvents) this.onEvents(b, from, to);
    else for (let i = from; i < to; i++) this.sink(b.event(i));
    if (!last) return;
    const left = (this.runsLeft.get(b) ?? 1) - 1;
    if (left > 0) this.runsLeft.set(b, left);
    else {
      this.runsLeft.delete(b);
      if (this.free.length < 64) this.free.push(b);
    }
  }

  private batch(events: number, args: number): EventBatch {
    const b = this.free.pop() ?? new EventBatch();
    b.reset(events, args);
    return b;
  }

  /** Queues b's events as runs (or hands them out at once without the merge). */
  private queueBatch(b: EventBatch): void {
    if (b.length === 0) {
      this.free.push(b);
      return;
    }
    if (!this.mergeOn) {
      this.release(b, 0, b.length, true);
      return;
    }
    const before = this.merger.runsAdded;
    this.merger.pushRun(b.core, b, 0, b.length);
    this.runsLeft.set(b, this.merger.runsAdded - before);
  }

  /** Records without a core or time go out at once, or behind a header still waiting in the merge. */
  private out(rec: TraceRecord): void {
    if (!this.mergeOn || !this.merger.pushAfterGlobal(rec)) this.sink(rec);
  }

  private queued(core: number, key: bigint, rec: TraceRecord): void {
    if (this.mergeOn) this.merger.push(core, key, rec);
    else this.sink(rec);
  }

  private notice(code: NoticeCode, message: string, offset?: number, resume?: number, core?: number, key?: bigint): void {
    const n = noticeOf(code, message, offset, resume, core);
    if (core !== undefined && key !== undefined) this.queued(core, key, n);
    else this.out(n);
  }

  // ---- frames ----

  private onFrame(buf: Uint8Array, len: number, start: number, resume: number): void {
    const check = checkFrame(buf, len, this.splitter.words, this.splitter.kernel);
    if (check !== FRAME_OK) {
      if (check === FRAME_SHORT) this.notice('frame_short', `frame of ${len} decoded byte(s), at least 5 needed`, start, resume);
      else if (check === FRAME_LONG) this.notice('frame_too_long', `message of ${len - 4} bytes exceeds ${MAX_MESSAGE}`, start, resume);
      else this.notice('crc_mismatch', 'frame CRC does not match', start, resume);
      return;
    }
    this.onMessage(buf, len - 4, start, resume);
    if (this.mergeOn) this.merger.pump();
  }

  private onMessage(buf: Uint8Array, end: number, start: number, resume: number): void {
    const type = buf[0];
    try {
      if (!this.session && (type === MSG_PACKET || type === MSG_STATUS)) this.holdUnread(buf, end, start, resume);
      else if (type === MSG_PACKET) this.onPacket(buf, end, start, resume);
      else if (type === MSG_HEADER) this.onHeader(parseHeader(buf, 0, end), start);
      else if (type === MSG_STATUS) this.onStatus(parseStatus(buf, 0, end, this.version()), buf, end, start, resume);
      else if (COMMAND_NAMES[type] !== undefined) {
        if (end !== 1) throw new WireError('malformed', `command 0x${type.toString(16)} with a body`);
        this.notice('command', `host command CMD_${COMMAND_NAMES[type].toUpperCase()}`, start);
      } else {
        throw new WireError('unknown_type', `unknown message type 0x${type.toString(16).padStart(2, '0')}`);
      }
    } catch (e) {
      this.refused(e, type, start, resume);
    }
  }

  /** A message that could not be used: a WireError becomes its notice; anything else is a bug. */
  private refused(e: unknown, type: number, start: number, resume: number): void {
    if (!(e instanceof WireError)) throw e;
    if (type === MSG_HEADER) this.lastRefusal = `${e.message} [${e.code}]`;
    if (type === MSG_HEADER && e.code === 'bad_version') this.refusedVersion = true;
    this.notice(e.code, type === MSG_HEADER ? `header refused: ${e.message}` : e.message, start, resume);
  }

  /**
   * Stream bytes whose frames a FrameScanner (core/frame-scan.ts) has read: raw continues the
   * stream at bytesIn and ends with a frame delimiter; scan.rows lists its PACKET frames that
   * passed every check a frame passes before its packet is booked. Those are booked from the
   * rows, without decoding them again, when the decoder would have read them as the scanner
   * did (a session is open, its wire version is the scanner's, no event is wanted); every
   * other byte goes through the splitter as push() would take it. Same records, same stats.
   * With `booked`, rows are booked even when events are wanted: their events are the caller's
   * (a scan that parsed them, io/decode-pool.ts), who is told of each packet booked from a
   * row, in its place among the records; without the merge only, which would reorder them.
   */
  pushScanned(raw: Uint8Array, scan: ScanResult, hostTimeNs?: bigint, booked?: (row: number, session: number, core: number) => void): void {
    if (this.ended) throw new Error('TraceDecoder.pushScanned() after end()');
    if (booked && this.mergeOn) throw new Error('TraceDecoder.pushScanned(): rows with their events need merge: false');
    this.lastHostTimeNs = hostTimeNs;
    const rows = scan.rows;
    let pos = 0;
    for (let r = 0; r < scan.count; r++) {
      const o = r * SCAN_ROW;
      const start = rows[o + ROW_START];
      const resume = rows[o + ROW_RESUME];
      if (start > pos) this.splitter.push(raw.subarray(pos, start));
      pos = resume;
      if ((this.wantEvents && !booked) || this.session === null || this.session.header.version !== SCAN_VERSION) {
        this.splitter.push(raw.subarray(start, resume));
        continue;
      }
      const at = this.splitter.offset;
      this.splitter.skipFrame(resume - start);
      if (this.bookRow(rows, o, at, at + resume - start) && booked) booked(r, this.session.index, rows[o + ROW_CORE]);
    }
    if (pos < raw.length) this.splitter.push(raw.subarray(pos));
  }

  /**
   * Books the PACKET of stream bytes [start, resume) from its scan row (core/scan-row.ts), as
   * onPacket would have booked it after reading it; false when it is not used.
   */
  private bookRow(rows: Float64Array, o: number, start: number, resume: number): boolean {
    if (this.bookRowFast(rows, o)) {
      if (this.mergeOn) this.merger.pump();
      return true;
    }
    let used = false;
    this.span.first = rows[o + ROW_FIRST];
    try {
      used = this.acceptPacket(scannedHead(rows, o), EMPTY, 0, start, resume, null, rows[o + ROW_LAST]);
    } catch (e) {
      this.refused(e, MSG_PACKET, start, resume);
    }
    if (this.mergeOn) this.merger.pump();
    return used;
  }

  /**
   * acceptPacket of a row's packet in the common case, in doubles: its core's books are open, it
   * follows their last packet with nothing lost between them, and every time it books is below
   * 2^53 ticks and ns. Anything else (false, nothing changed) takes acceptPacket, whose result
   * this is where both apply.
   */
  private bookRowFast(rows: Float64Array, o: number): boolean {
    const s = this.session;
    const hi = rows[o + ROW_TS_HI];
    // integers again (a Float64Array gives doubles): fields of the kinds acceptPacket stores
    const core = rows[o + ROW_CORE] | 0;
    if (s === null || hi >= TS_HI_SAFE || core >= s.header.cores) return false;
    const b = s.books.get(core);
    const P = b?.P;
    if (!b || !P) return false;
    const seq = rows[o + ROW_SEQ] >>> 0;
    const ts = hi * 2 ** 32 + rows[o + ROW_TS_LO];
    const d = (seq - P.seq) >>> 0;
    if (d === 0 || d >= TWO31 || ts < P.tsBegin) return false;
    // A book's accepted ts_begin never goes back (an older one starts a new session) and P keeps
    // the last (a FINAL status too): no recent packet can have a later ts_begin than P's.
    if (!(ts > P.tsBegin)) for (let i = 0; i < RECENT; i++) if (b.recentSeq[i] === seq && b.recentTs[i] === ts) return false;
    // account(): a window with no loss in it books nothing
    const eventsBefore = rows[o + ROW_EVENTS_BEFORE] >>> 0;
    const dropped = rows[o + ROW_DROPPED] >>> 0;
    const overwritten = rows[o + ROW_OVERWRITTEN] >>> 0;
    const rejected = rows[o + ROW_REJECTED] >>> 0;
    if (eventsBefore !== P.eventsEnd || dropped !== P.dropped || overwritten !== P.overwritten || rejected !== P.rejected) return false;
    // emitPacket(): no time_unproven (past64 cannot be below 2^53 ticks)
    const n = rows[o + ROW_N_EVENTS] | 0;
    const dur = rows[o + ROW_DURATION];
    const last = rows[o + ROW_LAST];
    if (last > dur || (n > 1 && last >= WRAP_TICKS[s.header.timerBits])) return false;
    // first <= last <= dur: the end is the largest time
    const clock = s.clock;
    const endNs = clock.nsOf(ts + dur);
    if (endNs < 0) return false;
    s.sawData = true;
    if (n > 0) {
      if (b.firstNs === null) b.firstNs = clock.nsOf(ts + rows[o + ROW_FIRST]);
      b.lastNs = clock.nsOf(ts + last);
    }
    b.decoded += n;
    b.closed = false;
    b.provenNs = endNs;
    if (P === b.base) {
      b.P = { seq, eventsEnd: (eventsBefore + n) >>> 0, dropped, overwritten, rejected, tsBegin: ts, tsEnd: ts + dur };
    } else {
      // P is the books' alone (base is the only other Base a book holds): updated in place
      P.seq = seq;
      P.eventsEnd = (eventsBefore + n) >>> 0;
      P.tsBegin = ts;
      P.tsEnd = ts + dur;
    }
    recent(b, seq, ts);
    if (this.mergeOn) this.merger.advance(core, BigInt(endNs));
    return true;
  }

  /** The wire version PACKET and STATUS bodies are read with: the session's header's. */
  private version(): number {
    return this.session?.header.version ?? this.latest?.version ?? WIRE_VERSION;
  }

  /**
   * A PACKET or STATUS before any header is held unparsed: its wire version is the header's,
   * not known yet (onHeader replays it). Which versions it fits is noted, for an assumed
   * header (assumeHeader), and its events are counted, for a no_header notice, by the first.
   */
  private holdUnread(buf: Uint8Array, end: number, start: number, resume: number): void {
    let events = -1;
    const fits: number[] = [];
    for (const v of [WIRE_VERSION, ...SUPPORTED_VERSIONS.filter((x) => x !== WIRE_VERSION)]) {
      try {
        if (buf[0] === MSG_STATUS) {
          parseStatus(buf, 0, end, v);
        } else {
          const c = new Cursor(buf, 1, end);
          const head = parsePacketHead(c, v);
          parseEvents(c, head.nEvents, null, this.span);
          if (c.remaining !== 0) continue;
          if (events < 0) events = head.nEvents;
        }
        fits.push(v);
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
      }
    }
    this.hold(buf, end, start, resume, Math.max(events, 0), fits);
  }

  // ---- sessions ----

  private newSession(h: StreamHeader, own: boolean): Session {
    if (this.mergeOn) this.merger.flush();
    const s: Session = {
      index: this.sessions.length,
      header: h,
      ownHeader: own,
      bootOrigin: own && h.boot,
      sawData: false,
      books: new Map(),
      clock: new PacketClock(h.timerHz),
    };
    this.sessions.push(s);
    this.session = s;
    if (this.mergeOn) for (let c = 0; c < h.cores; c++) this.merger.activate(c);
    return s;
  }

  private onHeader(h: StreamHeader, start: number): void {
    this.latest = h;
    let s = this.session;
    if (!s) {
      s = this.newSession(h, true);
      if (h.boot) this.dropHeld();
      else if (this.heldDropped.frames > 0) this.reportHeldDropped();
      this.timed(s, h, start, true);
      const held = this.held;
      this.held = [];
      for (const f of held) this.onMessage(f.msg, f.msg.length, f.start, f.resume);
      return;
    }
    const opens = (h.boot && s.sawData) || (s.ownHeader && h.session !== s.header.session);
    if (opens) {
      const why = h.boot && s.sawData ? 'BOOT header after data' : `session ${s.header.session} -> ${h.session}`;
      s = this.newSession(h, true);
      this.notice('session_reset', `target reset (${why}): session ${s.index} starts`, start);
    } else {
      if (!s.ownHeader) s.ownHeader = true;
      if (h.timerHz !== s.header.timerHz) s.clock = new PacketClock(h.timerHz);
      s.header = h;
    }
    this.timed(s, h, start, opens);
  }

  /**
   * The header that opens a session describes all of it: it goes out first (events recorded
   * before it was written still follow it). A repeat header sorts at its own time, ahead of
   * core records of that time (merge.ts, global items).
   */
  private timed(s: Session, h: StreamHeader, start: number, opening: boolean): void {
    const rec: TraceRecord = { type: 'header', session: s.index, header: h, offset: start };
    if (this.mergeOn && !opening) this.merger.pushGlobal(ticksNs(s, h.ts), rec);
    else this.sink(rec);
  }

  private hold(buf: Uint8Array, end: number, start: number, resume: number, events: number, fits: readonly number[] = []): void {
    this.held.push({ msg: buf.slice(0, end), start, resume, events, fits });
    if (this.held.length > this.holdLimit && this.canAssume()) {
      this.assumeHeader();
      return;
    }
    if (this.held.length > this.holdLimit) {
      const f = this.held.shift()!;
      this.countDropped(f);
    }
  }

  private canAssume(): boolean {
    return this.assumed !== null && !this.refusedVersion;
  }

  /**
   * No header came for the held frames: decode them with the caller's assumed one. Its wire
   * version is a guess too (the firmware's current one); when every held frame fits another
   * version's layout and none fits the guess, the frames are read with that version instead,
   * so an older target's frames are not misread.
   */
  private assumeHeader(): void {
    const guess = this.assumed!;
    const held = this.held;
    const everyFit = SUPPORTED_VERSIONS.filter((v) => held.every((f) => f.fits.includes(v)));
    const h = everyFit.length > 0 && !everyFit.includes(guess.version) ? { ...guess, version: everyFit[0] } : guess;
    this.held = [];
    const first = held[0].start;
    const s = this.newSession(h, false);
    this.latest = h;
    if (this.heldDropped.frames > 0) this.reportHeldDropped();
    const why = this.lastRefusal ? `the last header was refused: ${this.lastRefusal}` : 'no header arrived';
    this.notice(
      'header_assumed',
      `${held.length} frame(s) came with no usable stream header (${why}): decoded with a header assumed from the ELF and board ` +
        `(cores ${h.cores}, timer ${h.timerHz} Hz, ${h.timerBits} bits, build id ${h.buildId || 'unknown'}, wire version ${h.version}` +
        `${h.version !== guess.version ? ', the one the frames fit' : ''}); ` +
        'the build id, mode, session and the losses before each core\'s first packet are not proven',
      first,
    );
    this.notice('time_unproven', `times use the assumed timer rate ${h.timerHz} Hz, which no stream header confirmed`, first);
    this.sink({ type: 'header', session: s.index, header: h, offset: first, assumed: true });
    for (const f of held) this.onMessage(f.msg, f.msg.length, f.start, f.resume);
  }

  private countDropped(f: Held): void {
    if (this.heldDropped.frames === 0) this.heldDropped.offset = f.start;
    this.heldDropped.frames++;
    this.heldDropped.events += f.events;
  }

  private dropHeld(): void {
    for (const f of this.held) this.countDropped(f);
    this.held = [];
    this.reportHeldDropped();
  }

  private reportHeldDropped(): void {
    const d = this.heldDropped;
    if (d.frames === 0) return;
    const why = this.lastRefusal ? ` (the last header was refused: ${this.lastRefusal})` : '';
    this.notice(
      'no_header',
      `${d.frames} frame(s) with ${d.events} event(s) came before any usable stream header and were discarded${why}`,
      d.offset,
    );
    this.heldDropped = { frames: 0, events: 0, offset: -1 };
  }

  private book(s: Session, core: number): Book {
    let b = s.books.get(core);
    if (!b) {
      b = {
        core,
        base: null,
        P: null,
        closed: false,
        provenNs: null,
        tail: null,
        contradictions: [],
        decoded: 0,
        dropped: 0,
        overwritten: 0,
        link_lost: 0,
        rejected: 0,
        firstNs: null,
        lastNs: null,
        recentSeq: new Array<number>(RECENT).fill(-1),
        recentTs: new Array<Ticks>(RECENT).fill(-1),
        recentAt: 0,
      };
      s.books.set(core, b);
    }
    return b;
  }

  private originBase(s: Session, core: number): Base {
    const o = s.header.origin[core];
    return {
      seq: (o.seq - 1) >>> 0,
      eventsEnd: o.events,
      dropped: o.dropped,
      overwritten: o.overwritten,
      rejected: o.rejected,
      tsBegin: 0,
      tsEnd: 0,
    };
  }

  /**
   * Books the losses between base and a newer packet or FINAL status q (SPEC §9 steps 3, 5),
   * in the window [from, to] ticks.
   */
  private account(
    s: Session,
    b: Book,
    base: Base,
    q: { eventsBefore: number; dropped: number; overwritten: number; rejected: number; seq: number; final: boolean },
    from: Ticks,
    to: Ticks,
    offset: number,
  ): void {
    let gap = (q.eventsBefore - base.eventsEnd) >>> 0;
    let ow = (q.overwritten - base.overwritten) >>> 0;
    let dr = (q.dropped - base.dropped) >>> 0;
    let rj = (q.rejected - base.rejected) >>> 0;
    // With no sequence number missing between base and q, no packet lay between them, so no
    // committed event can be missing either (SPEC §9 step 3).
    const adjacent = ((q.seq - base.seq) >>> 0) === (q.final ? 0 : 1);
    let why = '';
    let kind: Contradiction['kind'] = 'counters_backwards';
    if (gap >= TWO31 || ow >= TWO31 || dr >= TWO31 || rj >= TWO31 || ow > gap) {
      why = `cumulative counters went backwards or disagree (events +${gap}, overwritten +${ow}, dropped +${dr}, rejected +${rj})`;
    } else if (adjacent && gap !== 0) {
      kind = q.final ? 'final_disagrees' : 'count_disagrees';
      why = q.final
        ? `FINAL status says committed ${q.eventsBefore}, but the last packet (seq ${base.seq}) ends at event ${base.eventsEnd} and no packet is missing`
        : `packet seq ${base.seq} ends at event ${base.eventsEnd}, yet the next packet (seq ${q.seq}) says events_before ${q.eventsBefore}`;
    }
    // the window's times only when something is booked in it (most windows are empty)
    if (!why && gap === 0 && dr === 0 && rj === 0) return;
    const fromNs = ticksNs(s, BigInt(from));
    if (why) {
      this.contradiction(b, kind, q.final ? (q.seq + 1) >>> 0 : q.seq, fromNs, why, offset);
      return;
    }
    const toNs = ticksNs(s, BigInt(to < from ? from : to));
    const link = gap - ow;
    if (dr > 0) this.loss(s, b, 'dropped', dr, fromNs, toNs);
    if (ow > 0) this.loss(s, b, 'overwritten', ow, fromNs, toNs);
    if (link > 0) this.loss(s, b, 'link_lost', link, fromNs, toNs);
    if (rj > 0) this.loss(s, b, 'rejected', rj, fromNs, toNs);
    b.dropped += dr;
    b.rejected += rj;
    b.overwritten += ow;
    b.link_lost += link;
  }

  /** Books a contradiction: the core's identity is false, with the point named in a notice. */
  private contradiction(b: Book, kind: Contradiction['kind'], seq: number, tNs: bigint, why: string, offset: number): void {
    if (b.contradictions.length < MAX_CONTRADICTIONS) b.contradictions.push({ kind, seq, tNs });
    this.notice(
      'counter_mismatch',
      `core ${b.core}: ${why} at seq ${seq}, t_ns ${tNs}; the identity fails for this core and no loss is counted in this window`,
      offset,
      undefined,
      b.core,
      tNs,
    );
  }

  private loss(s: Session, b: Book, cause: LossCause, count: number, fromNs: bigint, toNs: bigint): void {
    this.queued(b.core, fromNs, {
      type: 'loss',
      session: s.index,
      core: b.core,
      cause,
      count,
      fromNs,
      toNs,
    });
  }

  private onPacket(buf: Uint8Array, end: number, start: number, resume: number): void {
    const c = new Cursor(buf, 1, end);
    const head = parsePacketHead(c, this.version());
    const evs = this.wantEvents && this.session ? this.batch(head.nEvents, c.remaining) : null;
    let lastOff: number | bigint;
    try {
      lastOff = parseEvents(c, head.nEvents, evs, this.span, this.splitter.kernel);
      if (c.remaining !== 0) throw new WireError('malformed', `${c.remaining} trailing byte(s) after the last event`);
    } catch (e) {
      if (evs) this.free.push(evs);
      throw e;
    }
    if (!this.acceptPacket(head, buf, end, start, resume, evs, lastOff) && evs) this.free.push(evs);
  }

  /** Books a parsed packet; false when it is not used (held, duplicate, refused). */
  private acceptPacket(
    head: PacketHead,
    buf: Uint8Array,
    end: number,
    start: number,
    resume: number,
    evs: EventBatch | null,
    lastOff: number | bigint,
  ): boolean {
    let s = this.session;
    if (!s) {
      this.hold(buf, end, start, resume, head.nEvents);
      return false;
    }
    if (head.core >= s.header.cores) {
      throw new WireError('malformed', `packet core ${head.core} >= cores ${s.header.cores}`);
    }
    let b = this.book(s, head.core);
    const tsBegin = ticksOf(head.tsBegin);
    if (b.P) {
      for (let i = 0; i < RECENT; i++) {
        if (b.recentSeq[i] === head.seq && b.recentTs[i] === tsBegin) {
          this.notice('duplicate', `core ${head.core}: packet seq ${head.seq} already decoded`, start, resume, head.core, this.merger.watermark(head.core) ?? 0n);
          return false;
        }
      }
      const d = (head.seq - b.P.seq) >>> 0;
      if (d === 0 || d >= TWO31 || head.tsBegin < b.P.tsBegin) {
        const why =
          head.tsBegin < b.P.tsBegin
            ? `ts_begin went back from ${b.P.tsBegin} to ${head.tsBegin}`
            : `seq went back from ${b.P.seq} to ${head.seq}`;
        s = this.newSession(s.header, false);
        this.notice(
          'session_reset',
          `core ${head.core}: ${why}: target reset assumed, session ${s.index} starts`,
          start,
          undefined,
          head.core,
        );
        b = this.book(s, head.core);
      }
    }
    s.sawData = true;
    s.clock.setBase(head.tsBegin);
    const q = {
      eventsBefore: head.eventsBefore,
      dropped: head.dropped,
      overwritten: head.overwritten,
      rejected: head.rejected,
      seq: head.seq,
      final: false,
    };
    if (!b.P) {
      // only a first packet's notices tell its time (a BigInt each: not made for every packet)
      const tsBeginNs = s.clock.ns(0);
      b.base = {
        ...PACKET_BASE,
        seq: (head.seq - 1) >>> 0,
        eventsEnd: head.eventsBefore,
        dropped: head.dropped,
        overwritten: head.overwritten,
        rejected: head.rejected,
      };
      if (s.bootOrigin) {
        const base = this.originBase(s, head.core);
        const d = (head.seq - base.seq) >>> 0;
        // SPEC §5: no packet is empty, so the d - 1 packets before this one held >= d - 1 events.
        const tooFewEvents = d - 1 > ((head.eventsBefore - base.eventsEnd) >>> 0);
        if (d === 0 || d >= TWO31 || tooFewEvents) {
          const why = tooFewEvents
            ? `follows ${d - 1} packet(s) after the header's origin ${(base.seq + 1) >>> 0} but only ${(head.eventsBefore - base.eventsEnd) >>> 0} event(s)`
            : `is older than the header's origin ${(base.seq + 1) >>> 0}`;
          this.contradiction(
            b,
            tooFewEvents ? 'count_disagrees' : 'counters_backwards',
            head.seq,
            tsBeginNs,
            `first packet seq ${head.seq} ${why}; nothing before it is counted`,
            start,
          );
        } else {
          b.base = base;
          this.account(s, b, base, q, 0, tsBegin, start);
        }
      } else {
        this.notice(
          'late_attach',
          `core ${head.core}: first packet seq ${head.seq} without a BOOT header before it; losses before it are not counted`,
          start,
          undefined,
          head.core,
          tsBeginNs,
        );
      }
    } else {
      this.account(s, b, b.P, q, b.P.tsEnd, tsBegin, start);
    }
    s.clock.setBase(head.tsBegin);
    this.emitPacket(s, b, head, tsBegin, evs, lastOff, start);
    return true;
  }

  private emitPacket(
    s: Session,
    b: Book,
    head: PacketHead,
    tsBegin: Ticks,
    evs: EventBatch | null,
    lastOff: number | bigint,
    start: number,
  ): void {
    const clock = s.clock;
    const n = head.nEvents;
    const dur = head.duration;
    // In doubles where exact (lastOff is a number only below 2^53; Number() of a larger
    // duration rounds to 2^53 or more, still above it): the common case makes no BigInt.
    const small = typeof lastOff === 'number';
    const durN = Number(dur);
    const beyond = small ? lastOff > durN : lastOff > dur;
    // SPEC §2: timestamps are u64; one that passes 2^64 is not a time the target could have had.
    const past64 =
      small && durN < TWO62 && head.tsBegin < TWO63n ? false : head.tsBegin + (BigInt(lastOff) > dur ? BigInt(lastOff) : dur) >= TWO64;
    // SPEC §6.2: after an idle gap duration may exceed a wrap; the events may not.
    const longGap = n > 1 && (small ? lastOff >= WRAP_TICKS[s.header.timerBits] : BigInt(lastOff) >= 1n << BigInt(s.header.timerBits));
    if (beyond || longGap || past64) {
      this.notice(
        'time_unproven',
        `core ${head.core} seq ${head.seq}: ` +
          (beyond
            ? `an event lies ${BigInt(lastOff) - dur} tick(s) after the packet end`
            : longGap
              ? `its last event lies ${lastOff} ticks after ts_begin, more than one timer wrap, with ${n} events`
              : 'its end passes 2^64 ticks, beyond any 64-bit timestamp') +
          `; times in [${clock.ns(0)}, ${clock.ns(dur > BigInt(lastOff) ? dur : lastOff)}] ns are not provable`,
        start,
        undefined,
        head.core,
        clock.ns(0),
      );
    }
    if (n > 0) {
      const firstNs = clock.ns(this.span.first);
      const lastNs = clock.ns(lastOff);
      if (b.firstNs === null) b.firstNs = firstNs;
      b.lastNs = lastNs;
    }
    // the packet's end, by the clock at ts_begin: ticksNs(tsEnd) without a BigInt division
    const endOff = beyond ? lastOff : durN <= Number.MAX_SAFE_INTEGER ? durN : dur;
    const endNs = clock.ns(endOff);
    if (evs) {
      evs.session = s.index;
      evs.core = head.core;
      evs.seq = head.seq;
      this.timeBatch(evs, clock, head.tsBegin);
      clock.setBase(head.tsBegin);
    }
    b.decoded += n;
    b.closed = false;
    b.provenNs = endNs;
    b.P = {
      seq: head.seq,
      eventsEnd: (head.eventsBefore + n) >>> 0,
      dropped: head.dropped,
      overwritten: head.overwritten,
      rejected: head.rejected,
      tsBegin,
      tsEnd: ticksOf(head.tsBegin + (typeof endOff === 'number' ? toBig(endOff) : endOff)),
    };
    recent(b, head.seq, tsBegin);
    if (this.mergeOn) this.merger.advance(head.core, endNs);
  }

  /**
   * Fills b's times from its tick offsets from tsBegin, rebasing them on ticksBase. Where an
   * offset is too far from the batch's base for exact doubles, the events from there on move
   * to a new batch with its own base; each batch is queued.
   */
  private timeBatch(b: EventBatch, clock: PacketClock, tsBegin: bigint): void {
    let base = tsBegin;
    for (;;) {
      // the tick offsets of b are from base
      b.ticksBase = base;
      clock.setBase(base);
      b.setNsBase(clock.baseNs);
      const n = b.length;
      const offs = b.ticksOff;
      const ns = b.nsOff;
      const big = b.bigOff;
      let i = 0;
      for (; i < n; i++) {
        if (big && big.has(i)) break;
        const r = clock.rel(offs[i]);
        if (r < 0) break;
        ns[i] = r;
      }
      if (i === n) {
        b.bigOff = null;
        this.queueBatch(b);
        return;
      }
      // event i starts a batch of its own base (its offset 0 is always exact)
      const tail = this.batch(0, 0);
      b.moveTail(i, tail);
      this.queueBatch(b);
      b = tail;
      const bigs = b.bigOff;
      const shift = bigs?.get(0) ?? BigInt(b.ticksOff[0]);
      base += shift;
      b.bigOff = null;
      for (let j = 0; j < b.length; j++) {
        const d = (bigs?.get(j) ?? BigInt(b.ticksOff[j])) - shift;
        if (d <= BigInt(Number.MAX_SAFE_INTEGER)) b.ticksOff[j] = Number(d);
        else (b.bigOff ??= new Map()).set(j, d);
      }
    }
  }

  private onStatus(st: StatusMsg, buf: Uint8Array, end: number, start: number, resume: number): void {
    const s = this.session;
    if (!s) {
      this.hold(buf, end, start, resume, 0);
      return;
    }
    if (st.core >= s.header.cores) {
      throw new WireError('malformed', `status core ${st.core} >= cores ${s.header.cores}`);
    }
    const b = this.book(s, st.core);
    s.sawData = true;
    const tNs = ticksNs(s, st.ts);
    const w = this.mergeOn ? this.merger.watermark(st.core) : undefined;
    const rec: TraceRecord = {
      type: 'status',
      session: s.index,
      core: st.core,
      final: st.final,
      ticks: st.ts,
      tNs,
      nextSeq: st.nextSeq,
      committed: st.committed,
      dropped: st.dropped,
      overwritten: st.overwritten,
      rejected: st.rejected,
    };
    if (!st.final) {
      b.tail = { committed: st.committed, dropped: st.dropped, rejected: st.rejected };
      if (this.mergeOn) this.merger.pushPending(st.core, tNs, rec);
      else this.sink(rec);
      // A non-final status is for live display only (SPEC §9 step 5). It must not move the
      // merge watermark: on a multi-core target the drain writes it from another core while
      // this core may hold a reservation timestamped before `ts` that `committed` does not
      // count yet, so "nothing older will come" is not proven by it: it waits aside until the
      // core's own data reaches its time (merge.ts, pending items).
      return;
    }
    // A FINAL status sorts at its time, after the losses of the window it closes.
    this.closeBooks(s, b, st, tNs, w, start);
    this.queued(st.core, tNs, rec);
    if (this.mergeOn && b.P) this.merger.advance(st.core, ticksNs(s, BigInt(b.P.tsEnd)));
  }

  private closeBooks(s: Session, b: Book, st: StatusMsg, tNs: bigint, w: bigint | undefined, start: number): void {
    const q = {
      eventsBefore: st.committed,
      dropped: st.dropped,
      overwritten: st.overwritten,
      rejected: st.rejected,
      seq: (st.nextSeq - 1) >>> 0,
      final: true,
    };
    const next: Base = {
      seq: (st.nextSeq - 1) >>> 0,
      eventsEnd: st.committed,
      dropped: st.dropped,
      overwritten: st.overwritten,
      rejected: st.rejected,
      tsBegin: ticksOf(st.ts),
      tsEnd: ticksOf(st.ts),
    };
    let base = b.P;
    const from = base ? base.tsEnd : 0;
    if (!base && s.bootOrigin) {
      base = this.originBase(s, st.core);
      b.base = base;
    }
    if (!base) {
      this.notice(
        'late_attach',
        `core ${st.core}: first sign is a FINAL status; losses before it are not counted`,
        start,
        undefined,
        st.core,
        tNs,
      );
      b.base = next;
      b.P = next;
      b.closed = true;
      b.provenNs = tNs;
      this.finalsClosed++;
      return;
    }
    const d = (next.seq - base.seq) >>> 0;
    if (d >= TWO31 || st.ts < base.tsBegin) {
      this.contradiction(
        b,
        'final_disagrees',
        st.nextSeq,
        w ?? tNs,
        `FINAL status (next_seq ${st.nextSeq}) is older than the last packet (seq ${base.seq}); not used`,
        start,
      );
      return;
    }
    this.account(s, b, base, q, from, st.ts, start);
    next.tsBegin = base.tsBegin;
    if (base.tsEnd > next.tsEnd) next.tsEnd = base.tsEnd;
    b.P = next;
    b.closed = true;
    b.provenNs = tNs;
    this.finalsClosed++;
  }
}

function noticeOf(code: NoticeCode, message: string, offset?: number, resume?: number, core?: number): Notice {
  const n: Notice = { type: 'notice', level: NOTICE_LEVEL[code], code, message };
  if (offset !== undefined) n.offset = offset;
  if (resume !== undefined) n.resume = resume;
  if (core !== undefined) n.core = core;
  return n;
}

/** Notes an accepted packet among the last RECENT of its core. */
function recent(b: Book, seq: number, tsBegin: Ticks): void {
  b.recentSeq[b.recentAt] = seq;
  b.recentTs[b.recentAt] = tsBegin;
  b.recentAt = (b.recentAt + 1) % RECENT;
}

function bigOrNull(ns: bigint | number | null | undefined): bigint | null {
  return ns === null || ns === undefined ? null : BigInt(ns);
}

function ticksNs(s: Session, ticks: bigint): bigint {
  return (ticks * 1_000_000_000n) / BigInt(s.header.timerHz);
}
