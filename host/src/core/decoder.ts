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
// - Loss records sort at the start of their window; a status sorts after the records of
//   its core already queued. Records without a core (headers, frame errors) are emitted
//   at once, ahead of records still waiting in the merge.

import { crc32c } from './crc32c.js';
import { FrameSplitter, MAX_MESSAGE, type FrameHandler } from './frames.js';
import { TimelineMerge } from './merge.js';
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
import { PacketClock } from './time.js';
import {
  type CoreStats,
  type LossCause,
  type Notice,
  type NoticeCode,
  type StreamHeader,
  type TraceEvent,
  type TraceRecord,
} from './types.js';
import { Cursor, WireError } from './varint.js';
import { NOTICE_LEVEL } from './wire-gen.js';

export interface DecoderOptions {
  /** Merge cores into one timeline (default true). False: records leave in stream order. */
  merge?: boolean;
  /** Build event records (default true). False: accounting, losses and notices only (fast path). */
  objects?: boolean;
  /** Items the merge may hold before releasing the oldest out of order (default 65536). */
  mergeLimit?: number;
  /** Frames held while no header is known (default 256). */
  holdLimit?: number;
}

const TWO31 = 0x8000_0000;
const RECENT = 16;

interface Base {
  seq: number;
  /** events_before + n_events, mod 2^32: what the next packet's events_before should be */
  eventsEnd: number;
  dropped: number;
  overwritten: number;
  tsBegin: bigint;
  tsEnd: bigint;
}

interface Book {
  core: number;
  P: Base | null;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  firstNs: bigint | null;
  lastNs: bigint | null;
  recentSeq: number[];
  recentTs: bigint[];
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
}

/** Severity of each notice code (protocol/wire.json). */
export { NOTICE_LEVEL };

export class TraceDecoder {
  private readonly splitter: FrameSplitter;
  private readonly merger: TimelineMerge<TraceRecord>;
  private readonly mergeOn: boolean;
  private readonly objects: boolean;
  private readonly holdLimit: number;
  private readonly sessions: Session[] = [];
  private session: Session | null = null;
  private held: Held[] = [];
  private heldDropped = { frames: 0, events: 0, offset: -1 };
  private latest: StreamHeader | null = null;
  private ended = false;
  private readonly evs: TraceEvent[] = [];
  private readonly offs: (number | bigint)[] = [];
  private readonly span = { first: 0 as number | bigint };
  /** Host receive time of the chunk being decoded, when the caller gives one. */
  lastHostTimeNs: bigint | undefined;

  constructor(
    private readonly sink: (rec: TraceRecord) => void,
    opts: DecoderOptions = {},
  ) {
    this.mergeOn = opts.merge ?? true;
    this.objects = opts.objects ?? true;
    this.holdLimit = opts.holdLimit ?? 256;
    this.merger = new TimelineMerge<TraceRecord>(sink, opts.mergeLimit ?? 1 << 16);
    const handler: FrameHandler = {
      frame: (buf, len, start, resume) => this.onFrame(buf, len, start, resume),
      bad: (code, start, resume, detail) => this.notice(code, detail, start, resume),
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
    if (!this.session && this.held.length > 0) this.dropHeld();
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
        out.push({
          session: s.index,
          core: c,
          generated: decoded + dropped + overwritten + link_lost,
          decoded,
          dropped,
          overwritten,
          link_lost,
          firstNs: b?.firstNs ?? null,
          lastNs: b?.lastNs ?? null,
        });
      }
    }
    return out;
  }

  // ---- records ----

  /** Records without a core go out at once, in either mode. */
  private out(rec: TraceRecord): void {
    this.sink(rec);
  }

  private queued(core: number, key: bigint, rec: TraceRecord): void {
    if (this.mergeOn) this.merger.push(core, key, rec);
    else this.sink(rec);
  }

  private notice(code: NoticeCode, message: string, offset?: number, resume?: number, core?: number, key?: bigint): void {
    const n: Notice = { type: 'notice', level: NOTICE_LEVEL[code], code, message };
    if (offset !== undefined) n.offset = offset;
    if (resume !== undefined) n.resume = resume;
    if (core !== undefined) n.core = core;
    if (core !== undefined && key !== undefined) this.queued(core, key, n);
    else this.out(n);
  }

  // ---- frames ----

  private onFrame(buf: Uint8Array, len: number, start: number, resume: number): void {
    if (len < 5) {
      this.notice('frame_short', `frame of ${len} decoded byte(s), at least 5 needed`, start, resume);
      return;
    }
    if (len > MAX_MESSAGE + 4) {
      // COBS of a message with zero bytes is short enough to pass the splitter's limit.
      this.notice('frame_too_long', `message of ${len - 4} bytes exceeds ${MAX_MESSAGE}`, start, resume);
      return;
    }
    const end = len - 4;
    const want = (buf[end] | (buf[end + 1] << 8) | (buf[end + 2] << 16) | (buf[end + 3] << 24)) >>> 0;
    if (crc32c(buf, 0, end) !== want) {
      this.notice('crc_mismatch', 'frame CRC does not match', start, resume);
      return;
    }
    this.onMessage(buf, end, start, resume);
    if (this.mergeOn) this.merger.pump();
  }

  private onMessage(buf: Uint8Array, end: number, start: number, resume: number): void {
    const type = buf[0];
    try {
      if (type === MSG_PACKET) this.onPacket(buf, end, start, resume);
      else if (type === MSG_HEADER) this.onHeader(parseHeader(buf, 0, end), start);
      else if (type === MSG_STATUS) this.onStatus(parseStatus(buf, 0, end), buf, end, start, resume);
      else if (COMMAND_NAMES[type] !== undefined) {
        if (end !== 1) throw new WireError('malformed', `command 0x${type.toString(16)} with a body`);
        this.notice('command', `host command CMD_${COMMAND_NAMES[type].toUpperCase()}`, start);
      } else {
        throw new WireError('unknown_type', `unknown message type 0x${type.toString(16).padStart(2, '0')}`);
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.notice(e.code, e.message, start, resume);
    }
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
      this.out({ type: 'header', session: s.index, header: h, offset: start });
      const held = this.held;
      this.held = [];
      for (const f of held) this.onMessage(f.msg, f.msg.length, f.start, f.resume);
      return;
    }
    if ((h.boot && s.sawData) || (s.ownHeader && h.session !== s.header.session)) {
      const why = h.boot && s.sawData ? 'BOOT header after data' : `session ${s.header.session} -> ${h.session}`;
      s = this.newSession(h, true);
      this.notice('session_reset', `target reset (${why}): session ${s.index} starts`, start);
    } else {
      if (!s.ownHeader) s.ownHeader = true;
      if (h.timerHz !== s.header.timerHz) s.clock = new PacketClock(h.timerHz);
      s.header = h;
    }
    this.out({ type: 'header', session: s.index, header: h, offset: start });
  }

  private hold(buf: Uint8Array, end: number, start: number, resume: number, events: number): void {
    this.held.push({ msg: buf.slice(0, end), start, resume, events });
    if (this.held.length > this.holdLimit) {
      const f = this.held.shift()!;
      this.countDropped(f);
    }
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
    this.notice(
      'no_header',
      `${d.frames} frame(s) with ${d.events} event(s) came before any usable stream header and were discarded`,
      d.offset,
    );
    this.heldDropped = { frames: 0, events: 0, offset: -1 };
  }

  private book(s: Session, core: number): Book {
    let b = s.books.get(core);
    if (!b) {
      b = {
        core,
        P: null,
        decoded: 0,
        dropped: 0,
        overwritten: 0,
        link_lost: 0,
        firstNs: null,
        lastNs: null,
        recentSeq: [],
        recentTs: [],
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
      tsBegin: 0n,
      tsEnd: 0n,
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
    q: { eventsBefore: number; dropped: number; overwritten: number },
    from: bigint,
    to: bigint,
    offset: number,
  ): void {
    let gap = (q.eventsBefore - base.eventsEnd) >>> 0;
    let ow = (q.overwritten - base.overwritten) >>> 0;
    let dr = (q.dropped - base.dropped) >>> 0;
    const fromNs = ticksNs(s, from);
    const toNs = ticksNs(s, to < from ? from : to);
    if (gap >= TWO31 || ow >= TWO31 || dr >= TWO31 || ow > gap) {
      this.notice(
        'counter_mismatch',
        `core ${b.core}: cumulative counters went backwards or disagree (events +${gap}, overwritten +${ow}, dropped +${dr}); losses in this window not counted`,
        offset,
        undefined,
        b.core,
        fromNs,
      );
      gap = ow = dr = 0;
    }
    const link = gap - ow;
    if (dr > 0) this.loss(s, b, 'dropped', dr, fromNs, toNs);
    if (ow > 0) this.loss(s, b, 'overwritten', ow, fromNs, toNs);
    if (link > 0) this.loss(s, b, 'link_lost', link, fromNs, toNs);
    b.dropped += dr;
    b.overwritten += ow;
    b.link_lost += link;
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
    const head = parsePacketHead(c);
    const evs = this.objects && this.session ? this.evs : null;
    this.evs.length = 0;
    this.offs.length = 0;
    const lastOff = parseEvents(c, head.nEvents, evs, this.offs, this.span, head.core, head.seq);
    if (c.remaining !== 0) throw new WireError('malformed', `${c.remaining} trailing byte(s) after the last event`);
    let s = this.session;
    if (!s) {
      this.hold(buf, end, start, resume, head.nEvents);
      return;
    }
    if (head.core >= s.header.cores) {
      throw new WireError('malformed', `packet core ${head.core} >= cores ${s.header.cores}`);
    }
    let b = this.book(s, head.core);
    if (b.P) {
      for (let i = 0; i < b.recentSeq.length; i++) {
        if (b.recentSeq[i] === head.seq && b.recentTs[i] === head.tsBegin) {
          this.notice('duplicate', `core ${head.core}: packet seq ${head.seq} already decoded`, start, resume, head.core);
          return;
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
    const tsBeginNs = s.clock.ns(0);
    if (!b.P) {
      if (s.bootOrigin) {
        const base = this.originBase(s, head.core);
        const d = (head.seq - base.seq) >>> 0;
        // SPEC §5: no packet is empty, so the d - 1 packets before this one held >= d - 1 events.
        const tooFewEvents = d - 1 > ((head.eventsBefore - base.eventsEnd) >>> 0);
        if (d === 0 || d >= TWO31 || tooFewEvents) {
          const why = tooFewEvents
            ? `follows ${d - 1} packet(s) after the header's origin ${(base.seq + 1) >>> 0} but only ${(head.eventsBefore - base.eventsEnd) >>> 0} event(s)`
            : `is older than the header's origin ${(base.seq + 1) >>> 0}`;
          this.notice(
            'counter_mismatch',
            `core ${head.core}: first packet seq ${head.seq} ${why}; nothing before it is counted`,
            start,
            undefined,
            head.core,
            tsBeginNs,
          );
        } else {
          this.account(s, b, base, head, 0n, head.tsBegin, start);
        }
      } else {
        this.notice(
          'late_attach',
          `core ${head.core}: first packet seq ${head.seq} without a BOOT header before it; losses before it are not counted`,
          start,
          undefined,
          head.core,
        );
      }
    } else {
      this.account(s, b, b.P, head, b.P.tsEnd, head.tsBegin, start);
    }
    s.clock.setBase(head.tsBegin);
    this.emitPacket(s, b, head, evs, lastOff, start);
  }

  private emitPacket(
    s: Session,
    b: Book,
    head: PacketHead,
    evs: TraceEvent[] | null,
    lastOff: number | bigint,
    start: number,
  ): void {
    const clock = s.clock;
    const n = head.nEvents;
    const dur = head.duration;
    const tsEnd = head.tsBegin + dur;
    const beyond = BigInt(lastOff) > dur;
    // SPEC §6.2: after an idle gap duration may exceed a wrap; the events may not.
    const longGap = n > 1 && BigInt(lastOff) >= 1n << BigInt(s.header.timerBits);
    if (beyond || longGap) {
      this.notice(
        'time_unproven',
        `core ${head.core} seq ${head.seq}: ` +
          (beyond
            ? `an event lies ${BigInt(lastOff) - dur} tick(s) after the packet end`
            : `its last event lies ${lastOff} ticks after ts_begin, more than one timer wrap, with ${n} events`) +
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
    if (evs) {
      const offs = this.offs;
      const tsBegin = head.tsBegin;
      const si = s.index;
      const core = head.core;
      for (let i = 0; i < evs.length; i++) {
        const ev = evs[i];
        const off = offs[i];
        ev.session = si;
        ev.ticks = tsBegin + (typeof off === 'number' ? toBig(off) : off);
        ev.tNs = clock.ns(off);
        this.queued(core, ev.tNs, ev);
      }
    }
    b.decoded += n;
    b.P = {
      seq: head.seq,
      eventsEnd: (head.eventsBefore + n) >>> 0,
      dropped: head.dropped,
      overwritten: head.overwritten,
      tsBegin: head.tsBegin,
      tsEnd: beyond ? head.tsBegin + BigInt(lastOff) : tsEnd,
    };
    if (b.recentSeq.length >= RECENT) {
      b.recentSeq.shift();
      b.recentTs.shift();
    }
    b.recentSeq.push(head.seq);
    b.recentTs.push(head.tsBegin);
    if (this.mergeOn) this.merger.advance(head.core, ticksNs(s, b.P.tsEnd));
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
    this.queued(st.core, w ?? tNs, {
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
    });
    if (!st.final) {
      // A non-final status is for live display only (SPEC §9 step 5). It must not move the
      // merge watermark: on a multi-core target the drain writes it from another core while
      // this core may hold a reservation timestamped before `ts` that `committed` does not
      // count yet, so "nothing older will come" is not proven by it.
      return;
    }
    const q = { eventsBefore: st.committed, dropped: st.dropped, overwritten: st.overwritten };
    const next: Base = {
      seq: (st.nextSeq - 1) >>> 0,
      eventsEnd: st.committed,
      dropped: st.dropped,
      overwritten: st.overwritten,
      tsBegin: st.ts,
      tsEnd: st.ts,
    };
    let base = b.P;
    let from = base ? base.tsEnd : 0n;
    if (!base && s.bootOrigin) base = this.originBase(s, st.core);
    if (!base) {
      this.notice(
        'late_attach',
        `core ${st.core}: first sign is a FINAL status; losses before it are not counted`,
        start,
        undefined,
        st.core,
      );
      b.P = next;
      return;
    }
    const d = (next.seq - base.seq) >>> 0;
    if (d >= TWO31 || st.ts < base.tsBegin) {
      this.notice(
        'counter_mismatch',
        `core ${st.core}: FINAL status (next_seq ${st.nextSeq}) is older than the last packet (seq ${base.seq}); not used`,
        start,
        undefined,
        st.core,
        w ?? tNs,
      );
      return;
    }
    this.account(s, b, base, q, from, st.ts, start);
    next.tsBegin = base.tsBegin;
    if (base.tsEnd > next.tsEnd) next.tsEnd = base.tsEnd;
    b.P = next;
    from = next.tsEnd;
    if (this.mergeOn) this.merger.advance(st.core, ticksNs(s, from));
  }
}

function ticksNs(s: Session, ticks: bigint): bigint {
  return (ticks * 1_000_000_000n) / BigInt(s.header.timerHz);
}
