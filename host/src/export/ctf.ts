// CTF 1.8 export: a TSDL `metadata` file plus one binary stream file per core, read
// by babeltrace2 and Trace Compass. Events take few bytes (most 4 of header and 4 per raw
// argument; metadata(): event.header, eventClass), since writing them is much of an export's time.
//
// Packets are written as they close, so memory stays bounded by one open packet
// per core. The metadata is written last because event classes are created on
// first use (we cannot know which kinds and argument counts a trace has before
// reading it).
//
// Loss mapping (also stated in the metadata comment so a reader of the trace sees it):
// every event keeps exactly the time the decoder gives it. A tracepipe loss window
// [from, to] becomes packet bounds: the packet before it ends at `from`, and the next
// packet ends at `to` (it holds whatever events lie inside the window, normally none, and
// begins at the first of them, else at `to`). Then
//   - `events_discarded` (cumulative) grows by dropped + overwritten + link_lost + rejected in that
//     packet, so babeltrace2 prints "Tracer discarded N events between [from] and [to]"
//     with exactly tracepipe's counts and windows, and its sum per stream is
//     generated − decoded (CTF has one discarded-events count per packet: a refusal
//     (`rejected`, wire v2) is an event the tracer did not record, so it counts there too, and
//     the env block tells the causes apart);
//   - a window with link_lost > 0 also skips one `packet_seq_num`, so babeltrace2
//     prints "Tracer discarded 1 packet between [from] and [to]": one such message
//     per link-loss window (the number of wire packets lost is not knowable);
//   - the totals per core and cause are in the metadata `env` block
//     (core<N>_dropped, core<N>_overwritten, core<N>_link_lost, core<N>_rejected, ...).
// Windows that overlap each other are written as one window covering both (counted in
// lossWindowsChanged; packets that arrive after a FINAL status book such windows).
import type { EventBatch } from '../core/batch.js';
import type { CoreStats, EventKind, LossRecord, StreamHeader, TraceEvent, TraceRecord } from '../core/types.js';
import type { ArgType, NamedEvent } from '../core/metadata.js';
import type { TypedValue } from '../core/typed-values.js';
import { PacketCache } from './batch-cells.js';
import type { Packed } from './packing.js';
import type { ExportInfo, Exporter, Sink, SinkFactory } from './types.js';

const CTF_MAGIC = 0xc1fc1fc1;
const TWO_32 = 4294967296;
const INV_TWO_32 = 1 / TWO_32;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const MAX_EXACT_BIG = BigInt(MAX_EXACT);
/** raw event classes by (kind index × this + argument count) × 2 + wide (fewer arguments than this; rawIndex) */
const CLASS_STRIDE = 64;
/** The raw classes' indices: 8 kinds (a 3-bit field) × CLASS_STRIDE × 2 widths. */
export const RAW_CLASSES = 8 * CLASS_STRIDE * 2;
/**
 * Class ids below this have the compact event header: the id in 5 bits and the low 27 bits of
 * the time in one word. This id in those 5 bits marks the extended header: a 27-bit id, then the
 * time as a u64 (metadata(): event.header).
 */
const COMPACT_IDS = 31;
const TWO_27 = 134217728;
const TWO_27_BIG = BigInt(TWO_27);
/**
 * A compact header holds the low 27 bits of the time: a reader takes the time as the smallest
 * one at or after its clock's last value (the previous event's time, or the packet's
 * timestamp_begin) with those low bits (CTF 1.8 §8: an integer mapped to a clock narrower than
 * the clock). So it is exact while the time moved less than 2^27 ticks since that value.
 */
function compactHeader(classId: number, sinceClock: number): boolean {
  return classId < COMPACT_IDS && sinceClock < TWO_27;
}
/** A raw class's index: its kind, argument count, and whether an argument needs 64 bits (wide: uint64_t arguments, else uint32_t). */
function rawIndex(kind: number, nargs: number, wide: number): number {
  return (kind * CLASS_STRIDE + nargs) * 2 + wide;
}
/** Event bytes per packet before it is closed; keeps the open packet small. */
const MAX_PACKET_CONTENT = 64 * 1024;
/**
 * Words past a run of packed events' end that every event's test before it (p + 64 + 8 ×
 * arguments > MAX_PACKET_CONTENT) stays within: an event of n arguments is at least 8 + 4n bytes.
 */
const ROW_SLACK = 56 + 4 * (CLASS_STRIDE - 1);
const HEADER_BYTES = 4 + 16 + 4 + 8;
const CONTEXT_BYTES = 8 * 6 + 4;

export interface CtfOptions {
  /** fixed trace UUID (tests); random otherwise */
  uuid?: string;
}

interface EventClass {
  ctfId: number;
  name: string;
  /** TSDL field declarations, in payload order */
  fields: string[];
  /** ELF-typed payload (core/typed-values.ts), else raw id + arguments */
  typed?: ArgType[];
  /** raw arguments as uint64_t (some value needs more than 32 bits), else uint32_t */
  wide: boolean;
  /** a typed log: its formatted text follows the values */
  log: boolean;
  /** `file:line` of the call site, as model.emf.uri */
  site?: string;
  /** a log's printf format */
  format?: string;
  /** a counter's unit */
  unit?: string;
}

/** Word stores are the file's little-endian layout only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

class ByteBuf {
  buf = new Uint8Array(4096);
  view = new DataView(this.buf.buffer);
  /** buf as 32-bit words (sizes are powers of two, so whole words) */
  words = new Uint32Array(this.buf.buffer);
  len = 0;
  /** Makes room for n more bytes: then buf[len, len + n) may be written. */
  need(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
    this.words = new Uint32Array(b.buffer);
  }
  u8(v: number): void {
    this.need(1);
    this.buf[this.len++] = v;
  }
  u32(v: number): void {
    this.need(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  /** a u64 given as a number (exact below 2^53) */
  u64n(v: number): void {
    this.need(8);
    this.view.setUint32(this.len, v % TWO_32, true);
    this.view.setUint32(this.len + 4, Math.floor(v / TWO_32), true);
    this.len += 8;
  }
  u64(v: bigint): void {
    this.need(8);
    this.view.setBigUint64(this.len, BigInt.asUintN(64, v), true);
    this.len += 8;
  }
  /** An event's header (compactHeader), its time t; clock: the reader's clock before it. */
  header(classId: number, t: bigint, clock: bigint): void {
    const d = t - clock;
    if (compactHeader(classId, d < TWO_27_BIG ? Number(d) : TWO_27)) {
      this.u32(classId | (Number(t & 0x7ffffffn) << 5));
    } else {
      this.u32(COMPACT_IDS | (classId << 5));
      this.u64(t);
    }
  }
  /** two's complement little-endian integer of `bits` bits */
  int(v: bigint, bits: number): void {
    let u = BigInt.asUintN(bits, v);
    for (let i = 0; i < bits / 8; i++) {
      this.u8(Number(u & 0xffn));
      u >>= 8n;
    }
  }
  float(v: number, single: boolean): void {
    this.need(8);
    if (single) this.view.setFloat32(this.len, v, true);
    else this.view.setFloat64(this.len, v, true);
    this.len += single ? 4 : 8;
  }
  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  reset(): void {
    this.len = 0;
  }
}

interface PendingLoss {
  fromTicks: bigint;
  toTicks: bigint;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
}

class CoreStream {
  sink: Sink;
  /** the open packet: events before any pending loss window */
  events = new ByteBuf();
  beginTicks = 0n;
  private lastBig = 0n;
  /** the time of the last event when the batch path wrote it (lastTicks is made from it on demand), else NaN */
  lastNum = NaN;
  get lastTicks(): bigint {
    if (!Number.isNaN(this.lastNum)) {
      this.lastBig = BigInt(this.lastNum);
      this.lastNum = NaN;
    }
    return this.lastBig;
  }
  set lastTicks(v: bigint) {
    this.lastBig = v;
    this.lastNum = NaN;
  }
  open = false;
  /** end timestamp of the last packet written, null before the first */
  lastEnd: bigint | null = null;
  seq = 0n;
  dropped = 0n;
  overwritten = 0n;
  link_lost = 0n;
  rejected = 0n;
  pendingLoss: PendingLoss | null = null;
  maxTicks: bigint | null = null;
  hz = 0;
  /** events inside the pending loss window: they ride in the packet that carries its counts */
  inside = new ByteBuf();
  insideFirst: bigint | null = null;
  insideLast = 0n;
  constructor(
    readonly core: number,
    sink: Sink,
  ) {
    this.sink = sink;
  }
}

interface SessionState {
  header: StreamHeader | null;
  /** largest tick babeltrace2 can place on the clock (see limitTicks), once the header is known */
  maxTicks: bigint | null;
  /** the decoder's session number */
  index: number;
  dir: string;
  streams: Map<number, CoreStream>;
  /** a later session started: its streams are written and closed, only its metadata is left */
  ended: boolean;
}

export class CtfExporter implements Exporter {
  readonly packing = 'ctf';
  /** a stream per core: no timeline across cores needed (types.ts) */
  readonly perCore = true;
  private readonly uuid: string;
  private readonly uuidBytes: Uint8Array;
  private info: ExportInfo = {};
  private readonly classes = new Map<string, EventClass>();
  private readonly sessions = new Map<number, SessionState>();
  private readonly packet = new ByteBuf();
  private stats: CoreStats[] = [];
  /** per packet of a batch: its core's stream */
  private readonly packets = new PacketCache((b) => this.stream(this.session(b.session), b.core));
  /** the CTF ids of the classes of events without ELF names, by kind and argument count (see CLASS_STRIDE), -1 before first use */
  private rawIds: Int32Array = new Int32Array(RAW_CLASSES).fill(-1);
  /** argument counts of the raw classes, by class id */
  private readonly rawArgs: number[] = [];
  /** words of the raw classes' payloads (id and arguments), by class id */
  private readonly rawPayloadWords: number[] = [];
  /** an event's words where its place in the packet is not word-aligned (after a blob) */
  private readonly scratch = new ByteBuf();
  /** events written with the previous time of their stream because theirs went back */
  timeClamped = 0;
  /** loss windows joined to an overlapping one (packets that arrive after a FINAL status book such windows) */
  lossWindowsChanged = 0;
  /** loss windows that began before an event already written, so CTF shows them starting after it */
  lossWindowsLate = 0;

  constructor(
    private readonly out: SinkFactory,
    opts: CtfOptions = {},
  ) {
    // Web Crypto's global, loaded on first use: node:crypto imported here cost every `stats` run its load (decode-pool imports this module)
    this.uuid = opts.uuid ?? globalThis.crypto.randomUUID();
    this.uuidBytes = uuidToBytes(this.uuid);
  }

  begin(info: ExportInfo): void {
    this.info = info;
  }

  record(rec: TraceRecord): void {
    switch (rec.type) {
      case 'header': {
        const s = this.session(rec.session);
        if (!s.header) {
          s.header = rec.header;
          s.maxTicks = limitTicks(rec.header.timerHz, this.info.wallClock?.originUnixNs ?? 0n);
        }
        break;
      }
      case 'event':
        this.onEvent(rec);
        break;
      case 'loss':
        this.onLoss(rec);
        break;
      default:
        break;
    }
  }

  end(stats: CoreStats[]): void {
    this.stats = stats;
    for (const s of this.sessions.values()) {
      this.endSession(s);
      // at the end only: it names every class of the whole trace and the decoder's final counts
      const meta = this.out.open(s.dir + 'metadata');
      // as bytes: a sink may gather a string in a buffer of a MiB (sinks.ts BackgroundSink), one
      // per session until the files are finished
      meta.write(Buffer.from(this.metadata(s), 'utf8'));
      meta.close();
    }
  }

  /**
   * Writes out a session's streams (a pending loss window, the open packet) and closes them: the
   * sink factory can then finish the files and release their buffers, so what an export holds
   * does not grow with the number of sessions.
   */
  private endSession(s: SessionState): void {
    if (s.ended) return;
    s.ended = true;
    for (const st of [...s.streams.values()].sort((a, b) => a.core - b.core)) {
      this.flushLoss(st);
      if (st.open) this.closePacket(st, st.events, st.beginTicks, st.lastTicks);
      st.sink.close();
    }
    s.streams.clear();
  }

  /** Stream files open now (a test bounds them). */
  openStreams(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.streams.size;
    return n;
  }

  /** Folder of each target session's trace, relative to the output ('' = the output itself). */
  sessionDirs(): string[] {
    return [...this.sessions.values()].map((s) => s.dir);
  }

  private session(n: number): SessionState {
    let s = this.sessions.get(n);
    if (!s) {
      // A target reset starts a new time base, so each later session is its own CTF trace
      // in a sub-folder (babeltrace2 reads one trace per folder argument: muxing both
      // would interleave two unrelated time bases).
      // The decoder sends every record of a session before the next one's (SPEC §9: a reset
      // closes the session), so the earlier sessions are over: their streams are written out now.
      for (const earlier of this.sessions.values()) this.endSession(earlier);
      s = { header: null, maxTicks: null, index: n, dir: n === 0 ? '' : `session-${n}/`, streams: new Map(), ended: false };
      this.sessions.set(n, s);
    }
    return s;
  }

  private stream(s: SessionState, core: number): CoreStream {
    let st = s.streams.get(core);
    if (!st) {
      if (s.ended) throw new Error(`CTF export: a record of session ${s.index} after a later session started (records must come in session order)`);
      st = new CoreStream(core, this.out.open(`${s.dir}stream_core${core}`));
      st.maxTicks = s.maxTicks;
      st.hz = s.header?.timerHz ?? 0;
      s.streams.set(core, st);
    }
    return st;
  }

  private eventClass(ev: NamedEvent): EventClass {
    const nargs = ev.blob ? -1 : ev.args.length;
    const named = this.info.names?.eventName(ev.kind, ev.id);
    const values = this.info.raw ? undefined : ev.values;
    const isLog = ev.kind === 'log' && named !== undefined;
    // raw arguments are uint32_t, as the firmware's calls pass them, unless one needs more
    const wide = !values && wideArgs(ev);
    const key = values
      ? `${ev.kind}/${ev.id}/typed/${values.map((v) => v.type).join(',')}`
      : named !== undefined
        ? `${ev.kind}/${ev.id}/${nargs}/${wide}`
        : `${ev.kind}/${nargs}/${wide}`;
    let c = this.classes.get(key);
    if (!c) {
      const idField = ev.kind === 'isr_enter' || ev.kind === 'isr_exit' ? 'irq' : 'id';
      const fields = [`uint32_t ${idField};`];
      // A log has no name of its own, and its format is no identifier: the class is named by
      // its id, and the format and call site ride along (see metadata()).
      let name = isLog ? `log_${ev.id}` : (named ?? defaultClassName(ev.kind, nargs));
      let typed: ArgType[] | undefined;
      if (values) {
        typed = values.map((v) => v.type);
        const used = new Set([idField]);
        for (const v of values) fields.push(`${CTF_TYPE[v.type]} ${fieldIdent(v.name, used)};`);
        if (isLog) fields.push('string text;');
      } else {
        const argType = wide ? 'uint64_t' : 'uint32_t';
        if (nargs < 0) fields.push('uint32_t len;', 'uint8_t data[len];');
        else if (ev.kind === 'counter' && nargs === 1) fields.push(`${argType} value;`);
        else for (let i = 0; i < nargs; i++) fields.push(`${argType} a${i};`);
        // an ELF event whose arguments did not fit its descriptor: keep it apart
        if (named !== undefined && !this.info.raw && ev.mismatch !== undefined) name += '_raw';
      }
      if (named !== undefined && nargs !== 1 && ev.kind === 'counter') name += `_${nargs}args`;
      // one ELF name covers both ends of a pair: tell them apart
      if (named !== undefined) name += PAIR_SUFFIX[ev.kind] ?? '';
      c = {
        ctfId: this.classes.size,
        name,
        fields,
        typed,
        wide,
        log: isLog && values !== undefined,
        site: named !== undefined ? ev.site : undefined,
        format: isLog ? named : undefined,
        unit: ev.unit,
      };
      this.classes.set(key, c);
    }
    return c;
  }

  private writeTyped(b: ByteBuf, values: TypedValue[]): void {
    for (const { type, value: v } of values) {
      switch (type) {
        case 'f32':
        case 'f64':
          b.float(typeof v === 'number' ? v : Number(v), type === 'f32');
          break;
        case 'str':
          // TSDL strings end at the first NUL
          b.bytes(new TextEncoder().encode(String(v).replace(/\0[\s\S]*$/, '')));
          b.u8(0);
          break;
        default: {
          const bits = INT_BITS[type];
          const big = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
          b.int(big, bits);
        }
      }
    }
  }

  /** clock: the reader's clock before the event (the previous event's time, or ticks when it begins the packet) */
  private writeEvent(b: ByteBuf, cls: EventClass, ev: TraceEvent, ticks: bigint, clock: bigint): void {
    b.header(cls.ctfId, ticks, clock);
    b.u32(ev.id);
    if (cls.typed) {
      this.writeTyped(b, (ev as NamedEvent).values ?? []);
      if (cls.log) {
        b.bytes(new TextEncoder().encode(((ev as NamedEvent).text ?? '').replace(/\0[\s\S]*$/, '')));
        b.u8(0);
      }
    } else if (ev.blob) {
      b.u32(ev.blob.length);
      b.bytes(ev.blob);
    } else if (cls.wide) {
      for (const a of ev.args) b.u64(a);
    } else {
      for (const a of ev.args) b.u32(Number(a));
    }
  }

  /**
   * Events of a batch, the same bytes as onEvent writes, without a record or a bigint per
   * event while the core's time moves on plainly; loss windows, blobs, ELF names and times
   * past 2^53 ticks take the record path.
   */
  eventBatch(b: EventBatch, from: number, to: number): void {
    if (this.info.names) {
      for (let i = from; i < to; i++) this.onEvent(b.event(i));
      return;
    }
    const { value: st, ticks: base } = this.packets.of(b);
    const { argStart, argHi, argLo, ticksOff, kind, id } = b;
    const ids = this.rawIds;
    // the open packet's state in locals, written back before anything else reads it
    const e = st.events;
    let p = e.len;
    let words = e.words;
    let open = st.open;
    // st.lastTicks as a number while the packet is open (st.lastNum once the run is done)
    let last = open ? (Number.isNaN(st.lastNum) ? Number(st.lastTicks) : st.lastNum) : NaN;
    let stale = false;
    // where no argument of the run needs 64 bits, no event's does: one loop, not one per event
    const someWide = anyNonZero(argHi, argStart[from], argStart[to]);
    for (let i = from; i < to; i++) {
      const k = base + ticksOff[i];
      const s = argStart[i];
      const n = argStart[i + 1] - s;
      if (
        st.pendingLoss !== null ||
        st.insideFirst !== null ||
        !(k <= MAX_EXACT) ||
        n >= CLASS_STRIDE ||
        (b.hasBlobs && b.blob(i)) ||
        (!open && st.lastEnd !== null && st.lastEnd > MAX_EXACT_BIG)
      ) {
        e.len = p;
        if (stale) st.lastNum = last;
        stale = false;
        this.onEvent(b.event(i));
        p = e.len;
        words = e.words;
        open = st.open;
        last = open ? Number(st.lastTicks) : NaN;
        continue;
      }
      const wide = someWide && anyNonZero(argHi, s, s + n) ? 1 : 0;
      const ci = rawIndex(kind[i], n, wide);
      let classId = ids[ci];
      if (classId < 0) classId = this.rawClass(ci, b, i);
      if (open && p + 64 + n * 8 > MAX_PACKET_CONTENT) {
        e.len = p;
        if (stale) st.lastNum = last;
        stale = false;
        this.closePacket(st, e, st.beginTicks, st.lastTicks);
        p = 0;
        open = false;
      }
      let t = k;
      const floor = open ? last : st.lastEnd === null ? k : Number(st.lastEnd);
      if (t < floor) {
        t = floor;
        this.timeClamped++;
      }
      // a packet's first event follows its timestamp_begin, which is that event's time
      const compact = compactHeader(classId, open ? t - last : 0);
      if (!open) {
        open = st.open = true;
        st.beginTicks = BigInt(t);
      }
      const size = 4 * ((compact ? 2 : 4) + n * (wide + 1));
      if (p + size > e.buf.length) {
        e.len = p;
        e.need(size);
        words = e.words;
      }
      if (LITTLE_ENDIAN && (p & 3) === 0) {
        // every raw event is whole words: word stores, where a blob or typed value left them aligned
        p = putRawWords(words, p >> 2, classId, compact, t, id[i], argLo, argHi, s, n, wide) << 2;
      } else {
        putRawWords(this.scratch.words, 0, classId, compact, t, id[i], argLo, argHi, s, n, wide);
        e.buf.set(this.scratch.buf.subarray(0, size), p);
        p += size;
      }
      last = t;
      stale = true;
    }
    e.len = p;
    if (stale) st.lastNum = last;
  }

  /**
   * From now on the ids of the raw classes live in `table` (shared with the threads that pack
   * events, packRawEvents): rawIndex -> class id, -1 before first use.
   */
  packedTable(table: Int32Array): void {
    table.set(this.rawIds);
    this.rawIds = table;
  }

  /** The class of raw event i of b (rawIndex ci) on its first use: its id. */
  private rawClass(ci: number, b: EventBatch, i: number): number {
    const id = this.eventClass(b.event(i)).ctfId;
    const n = (ci >> 1) % CLASS_STRIDE;
    this.rawArgs[id] = n;
    this.rawPayloadWords[id] = 1 + n * ((ci & 1) + 1);
    Atomics.store(this.rawIds, ci, id);
    return id;
  }

  /**
   * Events packRawEvents wrote for a packet the decoder booked, words[from, to) (what it said of
   * them in `row`): the same bytes as eventBatch writes for that packet, copied in; returns their
   * count. -1, having written nothing, where eventBatch must take the packet (a loss window
   * pending, a time before the stream's last, a header the packing could not choose): the
   * caller then hands it the packet's batch.
   */
  packedEvents(session: number, core: number, words: Uint32Array, from: number, to: number, row: Packed): number {
    if (this.info.names || !LITTLE_ENDIAN || to <= from) return -1;
    const st = this.stream(this.session(session), core);
    if (st.pendingLoss !== null || st.insideFirst !== null) return -1;
    if (!st.open && st.lastEnd !== null && st.lastEnd > MAX_EXACT_BIG) return -1;
    // times never go back within a packet (dt is unsigned), so only the first can need the clamp
    const first = row.first;
    const floor = st.open ? (Number.isNaN(st.lastNum) ? Number(st.lastTicks) : st.lastNum) : st.lastEnd === null ? first : Number(st.lastEnd);
    if (first < floor) return -1;
    // the first event was packed as if it began a CTF packet: in the open one, that holds while the clock moved less than 2^27
    if (st.open && first - floor >= TWO_27) return -1;
    const e = st.events;
    if (e.len + 4 * (to - from) + ROW_SLACK <= MAX_PACKET_CONTENT) {
      // eventBatch's test before each event holds for all: the packet takes them whole
      this.copyPacked(st, words, from, to, first, row.last);
      return row.count;
    }
    // an event packed extended for its gap would be compact where it begins a packet
    if (row.gap) return -1;
    const argsOf = this.rawArgs;
    const payloadOf = this.rawPayloadWords;
    let q = from;
    // the time of the last event walked, by the reader's rule for the compact header (compactHeader)
    let t = first;
    while (q < to) {
      // the events that fit the open packet
      let p = e.len;
      let r = q;
      let begin = -1;
      let open = st.open;
      while (r < to) {
        const w = words[r];
        const extended = (w & 31) === COMPACT_IDS;
        const cls = extended ? w >>> 5 : w & 31;
        if (open && p + 64 + argsOf[cls] * 8 > MAX_PACKET_CONTENT) break;
        if (extended) t = words[r + 2] * TWO_32 + words[r + 1];
        else {
          const low = w >>> 5;
          const clockLow = t % TWO_27;
          t += low - clockLow + (low < clockLow ? TWO_27 : 0);
        }
        if (begin < 0) begin = t;
        open = true;
        const size = (extended ? 3 : 1) + payloadOf[cls];
        p += 4 * size;
        r += size;
      }
      if (r > q) this.copyPacked(st, words, q, r, begin, t);
      if (r < to) this.closePacket(st, e, st.beginTicks, st.lastTicks);
      q = r;
    }
    return row.count;
  }

  /** Appends packed events words[from, to) to st's packet, opening it; the first at time `first`, the last at `last`. */
  private copyPacked(st: CoreStream, words: Uint32Array, from: number, to: number, first: number, last: number): void {
    const e = st.events;
    if (!st.open) {
      st.open = true;
      st.beginTicks = BigInt(first);
    }
    e.need(4 * (to - from));
    e.buf.set(new Uint8Array(words.buffer, words.byteOffset + 4 * from, 4 * (to - from)), e.len);
    e.len += 4 * (to - from);
    st.lastNum = last;
  }

  private onEvent(ev: TraceEvent): void {
    const s = this.session(ev.session);
    const st = this.stream(s, ev.core);
    const cls = this.eventClass(ev);
    let ticks = ev.ticks;
    if (st.pendingLoss && ticks > st.pendingLoss.toTicks) this.flushLoss(st);
    const p = st.pendingLoss;
    // CTF readers require time to never go back within a stream. The decoder keeps each
    // core's time monotonic except inside a packet flagged time_unproven; such an event
    // keeps the previous time here, and is counted so the CLI can say so.
    if (p && (ticks >= p.fromTicks || st.insideFirst !== null)) {
      // Inside a loss window (e.g. a packet that arrived after a FINAL status whose losses
      // cover its time): the event keeps its own time in the packet carrying the window.
      if (st.insideFirst !== null && ticks < st.insideLast) {
        ticks = st.insideLast;
        this.timeClamped++;
      }
      const clock = st.insideFirst === null ? ticks : st.insideLast;
      if (st.insideFirst === null) st.insideFirst = ticks;
      this.writeEvent(st.inside, cls, ev, ticks, clock);
      st.insideLast = ticks;
      return;
    }
    if (st.open && st.events.len + 64 + (ev.blob?.length ?? ev.args.length * 8) > MAX_PACKET_CONTENT) {
      this.closePacket(st, st.events, st.beginTicks, st.lastTicks);
    }
    const floor = st.open ? st.lastTicks : (st.lastEnd ?? ticks);
    if (ticks < floor) {
      ticks = floor;
      this.timeClamped++;
    }
    // a packet's first event follows its timestamp_begin, which is that event's time
    const clock = st.open ? st.lastTicks : ticks;
    if (!st.open) {
      st.open = true;
      st.beginTicks = ticks;
    }
    this.writeEvent(st.events, cls, ev, ticks, clock);
    st.lastTicks = ticks;
  }

  private onLoss(l: LossRecord): void {
    const s = this.session(l.session);
    const st = this.stream(s, l.core);
    const hz = s.header?.timerHz;
    if (!hz) return; // no header: no clock to place the window on (the decoder cannot produce this)
    let fromTicks = nsToTicks(l.fromNs, hz);
    let toTicks = nsToTicks(l.toNs, hz);
    // The decoder opens a window where the core's last packet ended, so no event already
    // written lies after its start; should one, the window starts after that event.
    const floor = st.open ? st.lastTicks : st.lastEnd;
    if (floor !== null && fromTicks < floor) {
      fromTicks = floor;
      this.lossWindowsLate++;
    }
    if (toTicks < fromTicks) toTicks = fromTicks;
    const p = st.pendingLoss;
    if (p && (p.fromTicks !== fromTicks || p.toTicks !== toTicks)) {
      // A zero-length window at the end of the pending one is what a packet arriving after
      // a FINAL status books (its events lie before that status): it joins, so those events
      // fall inside the pending window instead of before a packet already written.
      const joins = fromTicks < p.toTicks || (fromTicks === p.toTicks && toTicks === fromTicks);
      if (!joins) this.flushLoss(st);
      else {
        // Overlapping windows cannot both be exact packet bounds: one window covering
        // both, with both counts, still holds the truth.
        if (fromTicks < p.fromTicks) p.fromTicks = fromTicks;
        if (toTicks > p.toTicks) p.toTicks = toTicks;
        this.lossWindowsChanged++;
      }
    }
    if (!st.pendingLoss) st.pendingLoss = { fromTicks, toTicks, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
    st.pendingLoss[l.cause] += l.count;
  }

  /**
   * Writes a pending loss window [from, to] as packet bounds: the packet before it ends at
   * `from`, and the next packet ends at `to` and carries the grown events_discarded.
   * babeltrace2 reports discarded events over [previous packet end, this packet end] and
   * discarded packets over [previous packet end, this packet begin]. That next packet
   * holds the events that lie inside the window (normally none), at their own times.
   */
  private flushLoss(st: CoreStream): void {
    const p = st.pendingLoss;
    if (!p) return;
    st.pendingLoss = null;
    if (st.open) this.closePacket(st, st.events, st.beginTicks, p.fromTicks);
    else if (st.lastEnd === null || st.lastEnd < p.fromTicks) this.closePacket(st, st.events, p.fromTicks, p.fromTicks);
    st.dropped += BigInt(p.dropped);
    st.overwritten += BigInt(p.overwritten);
    st.link_lost += BigInt(p.link_lost);
    st.rejected += BigInt(p.rejected);
    if (p.link_lost > 0) st.seq += 1n;
    this.closePacket(st, st.inside, st.insideFirst ?? p.toTicks, p.toTicks);
    st.insideFirst = null;
  }

  private closePacket(st: CoreStream, events: ByteBuf, beginTicks: bigint, endTicks: bigint): void {
    // every event and bound of a packet lies at or before its end
    const lim = st.maxTicks;
    if (lim !== null && endTicks > lim) throw new CtfRangeError(st.core, endTicks, st.hz);
    const p = this.packet;
    p.reset();
    const totalBytes = HEADER_BYTES + CONTEXT_BYTES + events.len;
    p.u32(CTF_MAGIC);
    p.bytes(this.uuidBytes);
    p.u32(0); // stream class id
    p.u64(BigInt(st.core)); // stream instance id
    p.u64(beginTicks);
    p.u64(endTicks);
    p.u64(BigInt(totalBytes * 8)); // content_size, bits
    p.u64(BigInt(totalBytes * 8)); // packet_size, bits: no padding needed
    p.u64(st.seq);
    p.u64(st.dropped + st.overwritten + st.link_lost + st.rejected);
    p.u32(st.core);
    if (st.sink.writeNow) {
      // copied by the sink: the events go from their buffer, not through the packet's
      st.sink.writeNow(p.buf.subarray(0, p.len));
      st.sink.writeNow(events.buf.subarray(0, events.len));
    } else {
      // the buffers are reused: a sink that keeps what it is given gets a copy
      p.bytes(events.buf.subarray(0, events.len));
      st.sink.write(p.buf.slice(0, p.len));
    }
    st.seq += 1n;
    st.lastEnd = endTicks;
    if (events === st.events) st.open = false;
    events.reset();
  }

  private metadata(s: SessionState): string {
    const h = s.header;
    const hz = h?.timerHz ?? 1_000_000_000;
    const wc = this.info.wallClock;
    let offsetS = 0n;
    let offsetCycles = 0n;
    if (wc) {
      offsetS = floorDiv(wc.originUnixNs, 1_000_000_000n);
      const rem = wc.originUnixNs - offsetS * 1_000_000_000n;
      offsetCycles = (rem * BigInt(hz)) / 1_000_000_000n;
    }
    const lines: string[] = [];
    lines.push('/* CTF 1.8 */');
    lines.push('');
    lines.push('/*');
    lines.push(' * Exported by tracepipe. One stream per target core (stream_instance_id = core = cpu_id).');
    lines.push(' * Clock "target_timer" counts the target timer ticks (freq = timer_hz).');
    lines.push(' * Every event has exactly the time tracepipe decode gives it. Losses: for each tracepipe loss window');
    lines.push(' * [from, to] the packet before it ends at `from` and the next packet ends at `to` (holding the events');
    lines.push(' * inside the window, if any). events_discarded is the cumulative dropped + overwritten + link_lost + rejected');
    lines.push(' * count of the core, so "discarded events" windows and counts are exactly tracepipe\'s. A window');
    lines.push(' * with link_lost > 0 also skips one packet_seq_num, so each link-loss window shows as "1 discarded');
    lines.push(' * packet". The env block holds the per-core accounting by cause (coreN_dropped, ...).');
    lines.push(' * Event header as LTTng\'s: compact (5-bit id, low 27 bits of the time, extended from the clock\'s last');
    lines.push(' * value) for ids below 31 while the clock moved less than 2^27 ticks, else extended (27-bit id, whole time).');
    lines.push(' * Raw arguments are uint32_t; a class of the same name holds uint64_t ones where a value needs 64 bits.');
    lines.push(' */');
    lines.push('');
    lines.push('typealias integer { size = 8; align = 8; signed = false; } := uint8_t;');
    lines.push('typealias integer { size = 32; align = 8; signed = false; } := uint32_t;');
    lines.push('typealias integer { size = 64; align = 8; signed = false; } := uint64_t;');
    lines.push('typealias integer { size = 16; align = 8; signed = false; } := uint16_t;');
    lines.push('typealias integer { size = 8; align = 8; signed = true; } := int8_t;');
    lines.push('typealias integer { size = 16; align = 8; signed = true; } := int16_t;');
    lines.push('typealias integer { size = 32; align = 8; signed = true; } := int32_t;');
    lines.push('typealias integer { size = 64; align = 8; signed = true; } := int64_t;');
    lines.push('typealias floating_point { exp_dig = 8; mant_dig = 24; align = 8; } := f32_t;');
    lines.push('typealias floating_point { exp_dig = 11; mant_dig = 53; align = 8; } := f64_t;');
    lines.push('');
    lines.push('trace {');
    lines.push('\tmajor = 1;');
    lines.push('\tminor = 8;');
    lines.push(`\tuuid = "${this.uuid}";`);
    lines.push('\tbyte_order = le;');
    lines.push('\tpacket.header := struct {');
    lines.push('\t\tuint32_t magic;');
    lines.push('\t\tuint8_t uuid[16];');
    lines.push('\t\tuint32_t stream_id;');
    lines.push('\t\tuint64_t stream_instance_id;');
    lines.push('\t};');
    lines.push('};');
    lines.push('');
    lines.push('env {');
    lines.push('\ttracer_name = "tracepipe";');
    if (h) {
      lines.push(`\ttimer_hz = ${h.timerHz};`);
      lines.push(`\ttimer_bits = ${h.timerBits};`);
      lines.push(`\tcores = ${h.cores};`);
      lines.push(`\tmode = ${tsdlString(h.mode)};`);
      lines.push(`\tsession = ${h.session};`);
      lines.push(`\tbuild_id = ${tsdlString(h.buildId)};`);
    }
    if (wc) {
      lines.push(`\twall_clock_drift_ppm = ${tsdlString(wc.driftPpm.toFixed(3))};`);
      lines.push(`\twall_clock_error_ns = ${Math.round(wc.errorNs)};`);
    }
    const sessionNo = [...this.sessions.entries()].find(([, v]) => v === s)?.[0];
    for (const c of this.stats.filter((x) => x.session === sessionNo)) {
      lines.push(`\tcore${c.core}_generated = ${c.generated};`);
      lines.push(`\tcore${c.core}_decoded = ${c.decoded};`);
      lines.push(`\tcore${c.core}_dropped = ${c.dropped};`);
      lines.push(`\tcore${c.core}_overwritten = ${c.overwritten};`);
      lines.push(`\tcore${c.core}_link_lost = ${c.link_lost};`);
      lines.push(`\tcore${c.core}_rejected = ${c.rejected};`);
    }
    if (this.info.source !== undefined) lines.push(`\tsource = ${tsdlString(this.info.source)};`);
    // typed: payloads are the values decoded with the ELF; raw: a0… are the wire words
    lines.push(`\tvalues = "${this.info.names && !this.info.raw ? 'typed' : 'raw'}";`);
    const envUsed = new Set<string>();
    for (const c of this.classes.values()) {
      if (c.unit) lines.push(`\t${fieldIdent(`unit_${c.name}`, envUsed)} = ${tsdlString(c.unit)};`);
    }
    lines.push('};');
    lines.push('');
    lines.push('clock {');
    lines.push('\tname = "target_timer";');
    lines.push('\tdescription = "target timestamp timer, extended to 64 bits";');
    lines.push(`\tfreq = ${hz};`);
    lines.push('\tprecision = 1;');
    lines.push(`\toffset_s = ${offsetS};`);
    lines.push(`\toffset = ${offsetCycles};`);
    lines.push(`\tabsolute = ${wc ? 'true' : 'false'};`);
    lines.push('};');
    lines.push('');
    lines.push('typealias integer { size = 64; align = 8; signed = false; map = clock.target_timer.value; } := uint64_clock_t;');
    lines.push('typealias integer { size = 27; align = 1; signed = false; map = clock.target_timer.value; } := uint27_clock_t;');
    // align = 1 (not byte-aligned) so that the extended struct is not: its 27-bit id then follows the 5-bit tag in the same word
    lines.push('typealias integer { size = 64; align = 1; signed = false; map = clock.target_timer.value; } := uint64_clock_packed_t;');
    lines.push('');
    lines.push('stream {');
    lines.push('\tid = 0;');
    lines.push('\tpacket.context := struct {');
    lines.push('\t\tuint64_clock_t timestamp_begin;');
    lines.push('\t\tuint64_clock_t timestamp_end;');
    lines.push('\t\tuint64_t content_size;');
    lines.push('\t\tuint64_t packet_size;');
    lines.push('\t\tuint64_t packet_seq_num;');
    lines.push('\t\tuint64_t events_discarded;');
    lines.push('\t\tuint32_t cpu_id;');
    lines.push('\t};');
    // LTTng's compact header: 4 bytes for the first 31 classes while the clock moves less than
    // 2^27 ticks between events (the reader extends the 27 bits from its last clock value),
    // else 12 bytes with a 27-bit class id and the whole time
    lines.push('\tevent.header := struct {');
    lines.push(`\t\tenum : integer { size = 5; align = 1; signed = false; } { compact = 0 ... ${COMPACT_IDS - 1}, extended = ${COMPACT_IDS} } id;`);
    lines.push('\t\tvariant <id> {');
    lines.push('\t\t\tstruct { uint27_clock_t timestamp; } compact;');
    lines.push('\t\t\tstruct { integer { size = 27; align = 1; signed = false; } id; uint64_clock_packed_t timestamp; } extended;');
    lines.push('\t\t} v;');
    lines.push('\t} align(8);');
    lines.push('};');
    for (const c of [...this.classes.values()].sort((a, b) => a.ctfId - b.ctfId)) {
      lines.push('');
      if (c.format !== undefined) lines.push(`/* format: ${tsdlComment(c.format)} */`);
      if (c.unit !== undefined) lines.push(`/* unit: ${tsdlComment(c.unit)} */`);
      lines.push('event {');
      lines.push(`\tname = ${tsdlString(c.name)};`);
      lines.push(`\tid = ${c.ctfId};`);
      if (c.site !== undefined) lines.push(`\tmodel.emf.uri = ${tsdlString(c.site)};`);
      lines.push('\tstream_id = 0;');
      lines.push('\tfields := struct {');
      for (const f of c.fields) lines.push(`\t\t${f}`);
      lines.push('\t};');
      lines.push('};');
    }
    lines.push('');
    return lines.join('\n');
  }
}

/**
 * One raw event (eventClass) as words from q: its header (compact or extended, compactHeader),
 * its time t (< 2^53), id and arguments (as u64 where wide, else u32); returns the next word.
 */
function putRawWords(words: Uint32Array, q: number, classId: number, compact: boolean, t: number, id: number, argLo: Uint32Array, argHi: Uint32Array, s: number, n: number, wide: number): number {
  if (compact) {
    // t << 5 takes t modulo 2^32 (exact below 2^53), then the shift keeps its low 27 bits
    words[q++] = classId | (t << 5);
  } else {
    // the product by 2^-32 is exact, and cheaper than the division
    const tHi = Math.floor(t * INV_TWO_32);
    words[q] = COMPACT_IDS | (classId << 5);
    words[q + 1] = t - tHi * TWO_32;
    words[q + 2] = tHi;
    q += 3;
  }
  words[q++] = id;
  if (wide) {
    for (let a = s; a < s + n; a++, q += 2) {
      words[q] = argLo[a];
      words[q + 1] = argHi[a];
    }
  } else {
    for (let a = s; a < s + n; a++) words[q++] = argLo[a];
  }
  return q;
}


/**
 * Events b[0, b.length) in CTF's raw layout (eventClass) for a decode thread (io/decode-pool.ts):
 * into words from `at`, each with the header compactHeader chooses (the first as if it began a
 * CTF packet; CtfExporter.packedEvents checks that), its class id from ids (CtfExporter.packedTable's
 * table), its id, and its arguments. Returns the end of what it wrote, or -1 where only the batch
 * path writes the same bytes: blobs, a class it has not got yet, times past 2^53 or going back,
 * a big-endian host, or fewer than `room` words left.
 */
export function packRawEvents(b: EventBatch, ticksBase: number, words: Uint32Array, at: number, room: number, ids: Int32Array, out: Packed): number {
  const n = b.length;
  if (!LITTLE_ENDIAN || b.hasBlobs || n === 0) return -1;
  const { argStart, argLo, argHi, ticksOff, kind, id } = b;
  // at most 4 header and id words per event, and 2 per argument
  if (!(ticksBase + ticksOff[n - 1] <= MAX_EXACT) || 4 * n + 2 * argStart[n] > room) return -1;
  let q = at;
  let prev = ticksBase + ticksOff[0];
  let gap = false;
  const someWide = anyNonZero(argHi, 0, argStart[n]);
  for (let i = 0; i < n; i++) {
    const t = ticksBase + ticksOff[i];
    if (t < prev) return -1;
    const s = argStart[i];
    const na = argStart[i + 1] - s;
    const wide = someWide && anyNonZero(argHi, s, s + na) ? 1 : 0;
    const classId = ids[rawIndex(kind[i], na, wide)];
    if (classId < 0) return -1;
    const compact = compactHeader(classId, t - prev);
    if (!compact && classId < COMPACT_IDS) gap = true;
    q = putRawWords(words, q, classId, compact, t, id[i], argLo, argHi, s, na, wide);
    prev = t;
  }
  out.count = n;
  out.first = ticksBase + ticksOff[0];
  out.last = prev;
  out.gap = gap;
  return q;
}

const PAIR_SUFFIX: Partial<Record<EventKind, string>> = {
  span_begin: '_begin',
  span_end: '_end',
  isr_enter: '_enter',
  isr_exit: '_exit',
};

const CTF_TYPE: Record<ArgType, string> = {
  u8: 'uint8_t',
  u16: 'uint16_t',
  u32: 'uint32_t',
  u64: 'uint64_t',
  i8: 'int8_t',
  i16: 'int16_t',
  i32: 'int32_t',
  i64: 'int64_t',
  f32: 'f32_t',
  f64: 'f64_t',
  str: 'string',
};
const INT_BITS: Record<string, number> = { u8: 8, u16: 16, u32: 32, u64: 64, i8: 8, i16: 16, i32: 32, i64: 64 };

const TSDL_KEYWORDS = new Set(
  'align callsite clock const char double enum env event floating_point float integer int long short signed stream string struct trace typealias typedef unsigned variant void _Bool _Complex _Imaginary'.split(
    ' ',
  ),
);

/** A field name from the ELF as a TSDL identifier, unique within its class. */
export function fieldIdent(raw: string, used: Set<string>): string {
  let id = raw.replace(/[^A-Za-z0-9_]/g, '_') || 'field';
  if (/^[0-9]/.test(id) || TSDL_KEYWORDS.has(id)) id = '_' + id;
  let out = id;
  for (let n = 2; used.has(out); n++) out = `${id}_${n}`;
  used.add(out);
  return out;
}

export function defaultClassName(kind: EventKind, nargs: number): string {
  if (nargs < 0) return `${kind}_blob`;
  switch (kind) {
    case 'event':
    case 'log':
      return `${kind}_${nargs}args`;
    case 'counter':
      return nargs === 1 ? 'counter' : `counter_${nargs}args`;
    default:
      return nargs === 0 ? kind : `${kind}_${nargs}args`;
  }
}

/** A time CTF readers cannot place: the export is refused rather than written unreadable. */
export class CtfRangeError extends Error {
  constructor(core: number, ticks: bigint, hz: number) {
    super(
      `CTF cannot hold this trace: core ${core} reaches tick ${ticks}` +
        (hz > 0 ? ` (${ticks / BigInt(hz)} s)` : '') +
        `, past the 2^63 ns (292 years) from the clock origin that babeltrace2 can represent; export it as jsonl, csv or perfetto instead`,
    );
    this.name = 'CtfRangeError';
  }
}

/**
 * The largest tick babeltrace2 can turn into its signed 64-bit ns from the clock origin:
 * it computes 1e9 × ticks / freq in double precision, then adds the clock offset, and
 * refuses the trace when either passes INT64_MAX. The margin covers the double rounding.
 */
export function limitTicks(hz: number, offsetNs: bigint): bigint {
  const maxNs = (1n << 63n) - 1n - (offsetNs > 0n ? offsetNs : 0n) - 1_000_000n;
  const byNs = (maxNs * BigInt(hz)) / 1_000_000_000n;
  const u64 = (1n << 64n) - 1n;
  return byNs < u64 ? byNs : u64;
}

/** Smallest tick count whose ns time (truncated, SPEC §9.7) is `ns`: inverts ticks→ns exactly. */
export function nsToTicks(ns: bigint, hz: number): bigint {
  const num = ns * BigInt(hz);
  return (num + 999_999_999n) / 1_000_000_000n;
}

/** TSDL string literal: device and ELF strings may hold anything, so escape all but plain ASCII. */
export function tsdlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += '?';
  }
  return out + '"';
}

/** Text inside a TSDL comment: printable ASCII, and never the comment's end. */
function tsdlComment(s: string): string {
  return tsdlString(s).slice(1, -1).replace(/\*\//g, '*?/');
}

function uuidToBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`bad UUID ${uuid}`);
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return b;
}

/** Whether some of words[from, to) is not 0. */
function anyNonZero(words: Uint32Array, from: number, to: number): boolean {
  for (let a = from; a < to; a++) if (words[a] !== 0) return true;
  return false;
}

/** Whether some raw argument of ev needs more than 32 bits. */
function wideArgs(ev: TraceEvent): boolean {
  for (const a of ev.args) if (a > 0xffff_ffffn) return true;
  return false;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b < 0n ? q - 1n : q;
}
