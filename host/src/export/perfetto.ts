// Perfetto's native trace format: a protobuf `Trace` of `TracePacket`s holding `TrackEvent`s
// (field numbers: test/export/perfetto-subset.proto, which names Perfetto's .proto files they
// come from; the encoding: protobuf.ts). ui.perfetto.dev and trace_processor read it natively.
//
// One packet sequence (trusted_packet_sequence_id) per target session and core, and one more
// (TRACEPIPE_SEQ) for what the tracer itself says: losses, notices, sessions, the accounting.
// A core's sequence opens with a packet that clears its incremental state and sets the defaults
// (the core's thread track, and the sequence's own incremental clock), the thread track's
// descriptor (under the session's process track, described on TRACEPIPE_SEQ), and a clock
// snapshot that ties that clock to BOOTTIME at 0:
// each event's timestamp is then its distance in ns from the event before on its core, so the
// exact decoder tNs is the sum, in a varint of one or two bytes. An event that goes back in time
// (time_unproven) carries its absolute time on BOOTTIME instead and leaves the running clock
// alone. Event names and argument names are interned per sequence (iid in the packet that first
// needs it); a0..a7 in the sequence's first packet.
//
// Events are instants with debug annotations (raw: a0.. as uint; with --elf the typed values by
// name, int or uint or double or string as typed, and the log text), spans begin/end slices on the
// core's track, ISRs begin/end slices on a track of their own per core, counters TYPE_COUNTER on a
// counter track per core and id. Losses are slices over their windows on a track per core and
// cause ("core 0 dropped"), with cause, count, core and window. A 2-argument event is 24-26 bytes with small arguments, 33 with
// full 32-bit ones.
//
// Fed per core (Exporter.perCore): Perfetto sorts packets by time itself, so no merge is needed.
import type { EventBatch } from '../core/batch.js';
import { exactQuotient, nsPerTick, ticksToNs } from '../core/time.js';
import { EVENT_KINDS, type CoreStats, type EventKind, type Notice, type TraceEvent, type TraceRecord } from '../core/types.js';
import type { TypedValue } from '../core/typed-values.js';
import { ByteOut } from '../core/byte-out.js';
import { eventLabel, PacketCache } from './batch-cells.js';
import { hex } from './csv.js';
import { wallClockJson } from './jsonl.js';
import { PbMessage, putVarintHL } from './protobuf.js';
import { putVarU64, varLen } from '../core/varint.js';
import type { Packed } from './packing.js';
import type { ExportInfo, Exporter, NameTable, Sink } from './types.js';

// Trace / TracePacket
const TRACE_PACKET = 1;
const TP_CLOCK_SNAPSHOT = 6;
const TP_TIMESTAMP = 8;
const TP_SEQ_ID = 10;
const TP_TRACK_EVENT = 11;
const TP_INTERNED_DATA = 12;
const TP_SEQUENCE_FLAGS = 13;
const TP_TIMESTAMP_CLOCK_ID = 58;
const TP_DEFAULTS = 59;
const TP_TRACK_DESCRIPTOR = 60;
const SEQ_INCREMENTAL_STATE_CLEARED = 1;
// TracePacketDefaults / TrackEventDefaults
const DEF_TIMESTAMP_CLOCK_ID = 58;
const DEF_TRACK_EVENT_DEFAULTS = 11;
const TED_TRACK_UUID = 11;
// ClockSnapshot / Clock
const CS_CLOCKS = 1;
const CLOCK_ID = 1;
const CLOCK_TIMESTAMP = 2;
const CLOCK_IS_INCREMENTAL = 3;
const BOOTTIME = 6;
/** the first sequence-scoped clock id (64..127): each core sequence's incremental ns clock */
const SEQ_CLOCK = 64;
// TrackEvent
const TE_DEBUG_ANNOTATIONS = 4;
const TE_TYPE = 9;
const TE_NAME_IID = 10;
const TE_TRACK_UUID = 11;
const TE_NAME = 23;
const TE_COUNTER_VALUE = 30;
const TE_DOUBLE_COUNTER_VALUE = 44;
const TYPE_SLICE_BEGIN = 1;
const TYPE_SLICE_END = 2;
const TYPE_INSTANT = 3;
const TYPE_COUNTER = 4;
// DebugAnnotation
const DA_NAME_IID = 1;
const DA_BOOL = 2;
const DA_UINT = 3;
const DA_INT = 4;
const DA_DOUBLE = 5;
const DA_STRING = 6;
const DA_NAME = 10;
// InternedData, EventName, DebugAnnotationName
const ID_EVENT_NAMES = 2;
const ID_DEBUG_ANNOTATION_NAMES = 3;
const IID = 1;
const INTERNED_NAME = 2;
// TrackDescriptor, ProcessDescriptor, ThreadDescriptor, CounterDescriptor
const TD_UUID = 1;
const TD_NAME = 2;
const TD_PROCESS = 3;
const TD_THREAD = 4;
const TD_PARENT_UUID = 5;
const TD_COUNTER = 8;
const PD_PID = 1;
const PD_PROCESS_NAME = 6;
const THD_PID = 1;
const THD_TID = 2;
const THD_THREAD_NAME = 5;

/** the sequence of the tracer's own packets (losses, notices, sessions, accounting) */
const TRACEPIPE_SEQ = 1;
/** a0..a7 have iids 1..8 on every core sequence */
const ARG_IIDS = 8;
/** ids below this have their name iid and counter track in the sequence's table; the rest take onEvent */
const FAST_IDS = 1024;
const KINDS = EVENT_KINDS.length;

// A sequence's table (Seq.tab), and each core's slice of the table shared with a decode thread
// (packedTable, packPerfettoEvents): what writing an event needs besides the event.
/** generation of a core's shared slice: odd while the booking thread rewrites it, 0 before its first sequence */
const T_GEN = 0;
const T_SEQ = 1;
/** 10^9 / timer_hz as a reduced fraction: ns = floor(ticks * num / den) */
const T_NUM = 2;
const T_DEN = 3;
/** the ISR track's uuid, 0 until the first ISR */
const T_IRQ = 4;
/** by kind index * FAST_IDS + id: the name's iid, 0 before it is interned */
const T_IIDS = 8;
/** by id: the counter track's uuid, 0 before it is described */
const T_COUNTERS = T_IIDS + KINDS * FAST_IDS;
const CORE_WORDS = T_COUNTERS + FAST_IDS;
/** cores whose packets a decode thread packs; the others take the batch path */
const PACK_CORES = 16;
/** Int32 words of the table PerfettoExporter.packedTable takes (decode-pool.ts PACKERS) */
export const PERFETTO_TABLE_WORDS = PACK_CORES * CORE_WORDS;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_EXACT);
const EXACT_52 = 2 ** 52;

const K = (k: EventKind): number => EVENT_KINDS.indexOf(k);
const K_SPAN_BEGIN = K('span_begin');
const K_SPAN_END = K('span_end');
const K_ISR_ENTER = K('isr_enter');
const K_ISR_EXIT = K('isr_exit');
const K_COUNTER = K('counter');

/** A core's packet sequence in one session. */
interface Seq {
  id: number;
  session: number;
  core: number;
  threadUuid: number;
  /** the incremental clock's value (ns, exact), or NaN when past 2^53 (then lastBig) */
  last: number;
  lastBig: bigint;
  /** seq id, clock, ISR track, name iids and counter tracks (T_*) */
  tab: Int32Array;
  /** label -> iid */
  names: Map<string, number>;
  /** debug annotation name -> iid */
  argNames: Map<string, number>;
  /** counter id -> its track's uuid, for ids past FAST_IDS */
  counters: Map<number, number>;
}

interface Session {
  processUuid: number;
  /** the "tracepipe" track: notices, the session's facts, the books */
  tracepipeUuid: number;
  /** by "core cause": the loss tracks (lossTrack), each with the end of its last window */
  lossLanes: Map<string, { uuid: number; end: bigint }[]>;
  facts?: Record<string, string | number>;
}

export class PerfettoExporter implements Exporter {
  readonly perCore = true;
  readonly packing = 'perfetto';
  private info: ExportInfo = {};
  private names?: NameTable;
  private readonly out: ByteOut;
  private nextUuid = 1;
  private nextSeq = TRACEPIPE_SEQ + 1;
  private readonly sessions = new Map<number, Session>();
  private readonly seqs = new Map<number, Seq>();
  private readonly packets = new PacketCache((b) => this.seq(b.session, b.core));
  /** the latest time written on any sequence (the larger of the two): where a notice without a time of its own goes */
  private latestNs = 0n;
  private latestNum = 0;
  /** the tracepipe sequence's first packet (it clears its state) is written */
  private tracepipeOpen = false;

  constructor(sink: Sink) {
    this.out = new ByteOut(sink);
  }

  begin(info: ExportInfo): void {
    this.info = info;
    this.names = info.names;
  }

  record(rec: TraceRecord): void {
    switch (rec.type) {
      case 'header': {
        const s = this.session(rec.session);
        const h = rec.header;
        if (!s.facts) {
          s.facts = { timer_hz: h.timerHz, timer_bits: h.timerBits, cores: h.cores, mode: h.mode, build_id: h.buildId, target_session: h.session };
          if (rec.assumed) s.facts.header_assumed = 1;
          const ns = ticksToNs(h.ts, h.timerHz);
          this.tracepipeInstant(rec.session, ns, 'session', Object.entries(s.facts));
        }
        break;
      }
      case 'event':
        this.onEvent(rec);
        break;
      case 'loss': {
        // A slice over the loss window, on a track of the core's and the cause's under the
        // session: what a span or ISR on the core's tracks lived across shows beneath it.
        const from = rec.fromNs < 0n ? 0n : rec.fromNs;
        const to = rec.toNs < from ? from : rec.toNs;
        const track = this.lossTrack(rec.session, rec.core, rec.cause, from, to);
        this.tracepipeEvent(TYPE_SLICE_BEGIN, track, from, `${rec.cause}`, [
          ['cause', rec.cause],
          ['count', rec.count],
          ['core', rec.core],
          ['from_ns', rec.fromNs],
          ['to_ns', rec.toNs],
        ]);
        this.tracepipeEvent(TYPE_SLICE_END, track, to);
        break;
      }
      default:
        break;
    }
  }

  end(stats: CoreStats[]): void {
    for (const st of stats) {
      // the core's books: what stats says of it, at its last event
      const fields: [string, Annot][] = [
        ['core', st.core],
        ['generated', st.generated],
        ['decoded', st.decoded],
        ['dropped', st.dropped],
        ['overwritten', st.overwritten],
        ['link_lost', st.link_lost],
        ['rejected', st.rejected],
        ['identity', st.identity],
        ['closed', st.closed],
        ['contradictions', st.contradictions.length],
      ];
      if (st.firstNs !== null) fields.push(['first_ns', st.firstNs]);
      if (st.lastNs !== null) fields.push(['last_ns', st.lastNs]);
      this.tracepipeInstant(st.session, st.lastNs ?? st.firstNs ?? 0n, 'accounting', fields);
    }
    const meta: [string, Annot][] = [
      ['generator', 'tracepipe'],
      ['format_version', 1],
      ['values', this.names ? 'typed' : 'raw'],
    ];
    if (this.info.source !== undefined) meta.push(['source', this.info.source]);
    if (this.info.wallClock) meta.push(['wall_clock', JSON.stringify(wallClockJson(this.info.wallClock))]);
    this.tracepipeInstant(stats[0]?.session ?? 0, 0n, 'trace', meta);
    this.out.close();
  }

  // ---- tracks and sequences ----

  private session(index: number): Session {
    let s = this.sessions.get(index);
    if (s) return s;
    s = { processUuid: this.nextUuid++, tracepipeUuid: this.nextUuid++, lossLanes: new Map() };
    this.sessions.set(index, s);
    if (!this.tracepipeOpen) {
      this.tracepipeOpen = true;
      this.packet(new PbMessage().varint(TP_SEQ_ID, TRACEPIPE_SEQ).varint(TP_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED));
    }
    const pid = index + 1;
    const name = index === 0 ? 'tracepipe target' : `tracepipe target (session ${index})`;
    this.descriptor(TRACEPIPE_SEQ, new PbMessage().varint(TD_UUID, s.processUuid).message(TD_PROCESS, new PbMessage().varint(PD_PID, pid).string(PD_PROCESS_NAME, name)));
    this.descriptor(TRACEPIPE_SEQ, new PbMessage().varint(TD_UUID, s.tracepipeUuid).varint(TD_PARENT_UUID, s.processUuid).string(TD_NAME, 'tracepipe'));
    return s;
  }

  private seq(session: number, core: number): Seq {
    const key = session * 65536 + core;
    let q = this.seqs.get(key);
    if (q) return q;
    const s = this.session(session);
    q = {
      id: this.nextSeq++,
      session,
      core,
      threadUuid: this.nextUuid++,
      last: 0,
      lastBig: 0n,
      tab: new Int32Array(CORE_WORDS),
      names: new Map(),
      argNames: new Map(),
      counters: new Map(),
    };
    this.seqs.set(key, q);
    const hz = Number(s.facts?.timer_hz ?? 0);
    const { num, den } = hz > 0 && Number.isInteger(hz) ? nsPerTick(hz) : { num: 0, den: 0 };
    q.tab[T_SEQ] = q.id;
    q.tab[T_NUM] = num;
    q.tab[T_DEN] = den;
    this.publish(q);
    const pid = session + 1;
    // tids unique across sessions: a reused tid would read as the same thread to trace_processor
    const tid = pid * 1000 + core;
    const interned = new PbMessage();
    for (let a = 0; a < ARG_IIDS; a++) {
      q.argNames.set(`a${a}`, a + 1);
      interned.message(ID_DEBUG_ANNOTATION_NAMES, new PbMessage().varint(IID, a + 1).string(INTERNED_NAME, `a${a}`));
    }
    this.packet(
      new PbMessage()
        .varint(TP_SEQ_ID, q.id)
        .varint(TP_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED)
        .message(TP_DEFAULTS, new PbMessage().varint(DEF_TIMESTAMP_CLOCK_ID, SEQ_CLOCK).message(DEF_TRACK_EVENT_DEFAULTS, new PbMessage().varint(TED_TRACK_UUID, q.threadUuid)))
        .message(TP_INTERNED_DATA, interned),
    );
    this.descriptor(
      q.id,
      new PbMessage()
        .varint(TD_UUID, q.threadUuid)
        .varint(TD_PARENT_UUID, s.processUuid)
        .message(TD_THREAD, new PbMessage().varint(THD_PID, pid).varint(THD_TID, tid).string(THD_THREAD_NAME, `core ${core}`)),
    );
    this.packet(
      new PbMessage()
        .varint(TP_SEQ_ID, q.id)
        .message(
          TP_CLOCK_SNAPSHOT,
          new PbMessage()
            .message(CS_CLOCKS, new PbMessage().varint(CLOCK_ID, SEQ_CLOCK).varint(CLOCK_TIMESTAMP, 0).varint(CLOCK_IS_INCREMENTAL, 1))
            .message(CS_CLOCKS, new PbMessage().varint(CLOCK_ID, BOOTTIME).varint(CLOCK_TIMESTAMP, 0)),
        ),
    );
    return q;
  }

  /**
   * The track for a loss window of a core and cause: "core N <cause>", a lane of it ("... 2")
   * where the window begins before the last one on the track ends, so no slice on a track
   * overlaps another but by nesting (one cause's windows on a core follow each other: the
   * lanes are for what the books do not promise).
   */
  private lossTrack(session: number, core: number, cause: string, from: bigint, to: bigint): number {
    const s = this.session(session);
    const key = `${core} ${cause}`;
    let lanes = s.lossLanes.get(key);
    if (!lanes) s.lossLanes.set(key, (lanes = []));
    let lane = lanes.find((l) => l.end <= from);
    if (!lane) {
      lane = { uuid: this.nextUuid++, end: 0n };
      const name = `core ${core} ${cause}` + (lanes.length > 0 ? ` ${lanes.length + 1}` : '');
      lanes.push(lane);
      this.descriptor(TRACEPIPE_SEQ, new PbMessage().varint(TD_UUID, lane.uuid).varint(TD_PARENT_UUID, s.processUuid).string(TD_NAME, name));
    }
    lane.end = to;
    return lane.uuid;
  }

  private descriptor(seqId: number, td: PbMessage): void {
    this.packet(new PbMessage().varint(TP_SEQ_ID, seqId).message(TP_TRACK_DESCRIPTOR, td));
  }

  private irqTrack(q: Seq): number {
    if (q.tab[T_IRQ] === 0) {
      this.setTab(q, T_IRQ, this.nextUuid++);
      this.descriptor(q.id, new PbMessage().varint(TD_UUID, q.tab[T_IRQ]).varint(TD_PARENT_UUID, this.session(q.session).processUuid).string(TD_NAME, `core ${q.core} ISR`));
    }
    return q.tab[T_IRQ];
  }

  private counterTrack(q: Seq, id: number, unit: string | undefined): number {
    let u = id < FAST_IDS ? q.tab[T_COUNTERS + id] || undefined : q.counters.get(id);
    if (u === undefined) {
      u = this.nextUuid++;
      if (id < FAST_IDS) this.setTab(q, T_COUNTERS + id, u);
      else q.counters.set(id, u);
      const name = `core${q.core} ${this.label('counter', id)}${unit ? ` (${unit})` : ''}`;
      this.descriptor(q.id, new PbMessage().varint(TD_UUID, u).varint(TD_PARENT_UUID, q.threadUuid).string(TD_NAME, name).message(TD_COUNTER, new PbMessage()));
    }
    return u;
  }

  private label(kind: EventKind, id: number): string {
    return eventLabel(this.names, kind, id);
  }

  /** A whole TracePacket, as the Trace's next packet. */
  private packet(p: PbMessage): void {
    const b = p.finish();
    const out = this.out;
    out.room(16 + b.length);
    let q = out.pos;
    out.buf[q++] = (TRACE_PACKET << 3) | 2;
    q = putVarU64(out.buf, q, b.length);
    out.buf.set(b, q);
    out.pos = q + b.length;
  }

  // ---- the tracer's own packets ----

  private tracepipeInstant(session: number, ns: bigint, name: string, fields: [string, Annot][]): void {
    this.tracepipeEvent(TYPE_INSTANT, this.session(session).tracepipeUuid, ns, name, fields);
  }

  /** An event on the tracepipe sequence, at its absolute time (BOOTTIME, the trace's clock). */
  private tracepipeEvent(type: number, track: number, ns: bigint, name?: string, fields: [string, Annot][] = []): void {
    const te = new PbMessage().varint(TE_TYPE, type).varint(TE_TRACK_UUID, track);
    if (name !== undefined) te.string(TE_NAME, name);
    for (const [k, v] of fields) te.message(TE_DEBUG_ANNOTATIONS, annotation(new PbMessage().string(DA_NAME, k), v));
    const p = new PbMessage();
    p.varint(TP_TIMESTAMP, ns < 0n ? 0n : ns).varint(TP_SEQ_ID, TRACEPIPE_SEQ);
    this.packet(p.message(TP_TRACK_EVENT, te));
    if (ns > this.latestNs) this.latestNs = ns;
  }

  notice(n: Notice): void {
    const fields: [string, Annot][] = [
      ['level', n.level],
      ['code', n.code],
      ['message', n.message],
    ];
    if (n.offset !== undefined) fields.push(['offset', n.offset]);
    if (n.resume !== undefined) fields.push(['resume', n.resume]);
    if (n.core !== undefined) fields.push(['core', n.core]);
    // a notice has no target time: it stands at the latest time written before it
    const latest = BigInt(this.latestNum) > this.latestNs ? BigInt(this.latestNum) : this.latestNs;
    this.tracepipeInstant(this.sessions.size > 0 ? Math.max(...this.sessions.keys()) : 0, latest, `notice ${n.code}`, fields);
  }

  // ---- events, one at a time (records, blobs, typed values, what the batch path leaves) ----

  private onEvent(ev: TraceEvent): void {
    const q = this.seq(ev.session, ev.core);
    const k = EVENT_KINDS.indexOf(ev.kind);
    const p = new PbMessage();
    // the time: a step of the sequence's clock, or absolute where it would go back
    const t = ev.tNs;
    const last = Number.isNaN(q.last) ? q.lastBig : BigInt(q.last);
    if (t >= last) {
      p.varint(TP_TIMESTAMP, t - last);
      if (t <= MAX_SAFE_BIG) q.last = Number(t);
      else {
        q.last = NaN;
        q.lastBig = t;
      }
    } else {
      p.varint(TP_TIMESTAMP, t < 0n ? 0n : t).varint(TP_TIMESTAMP_CLOCK_ID, BOOTTIME);
    }
    if (t > this.latestNs) this.latestNs = t;
    p.varint(TP_SEQ_ID, q.id);
    const interned = new PbMessage();
    const te = new PbMessage();
    const typed = (ev as { values?: TypedValue[] }).values;
    if (k === K_COUNTER) {
      te.varint(TE_TYPE, TYPE_COUNTER);
      const unit = (ev as { unit?: unknown }).unit;
      te.varint(TE_TRACK_UUID, this.counterTrack(q, ev.id, typeof unit === 'string' ? unit : undefined));
      const v = typed ? typed[0].value : (ev.args[0] ?? 0n);
      if (typeof v === 'number' && !Number.isInteger(v)) te.double(TE_DOUBLE_COUNTER_VALUE, v);
      else if (typeof v === 'string') te.varint(TE_COUNTER_VALUE, 0);
      else {
        const b = BigInt(v);
        if (b >= -(1n << 63n) && b < 1n << 63n) te.varint(TE_COUNTER_VALUE, b);
        else te.double(TE_DOUBLE_COUNTER_VALUE, Number(b));
      }
      this.packet(p.message(TP_TRACK_EVENT, te));
      return;
    }
    const iid = intern(q.names, this.label(ev.kind, ev.id), ID_EVENT_NAMES, interned);
    if (ev.id < FAST_IDS && q.tab[T_IIDS + k * FAST_IDS + ev.id] === 0) this.setTab(q, T_IIDS + k * FAST_IDS + ev.id, iid);
    const slice = k === K_SPAN_BEGIN || k === K_ISR_ENTER ? TYPE_SLICE_BEGIN : k === K_SPAN_END || k === K_ISR_EXIT ? TYPE_SLICE_END : TYPE_INSTANT;
    te.varint(TE_TYPE, slice).varint(TE_NAME_IID, iid);
    if (k === K_ISR_ENTER || k === K_ISR_EXIT) te.varint(TE_TRACK_UUID, this.irqTrack(q));
    if (slice === TYPE_INSTANT) {
      const put = (name: string, v: Annot): void => {
        te.message(TE_DEBUG_ANNOTATIONS, annotation(new PbMessage().varint(DA_NAME_IID, intern(q.argNames, name, ID_DEBUG_ANNOTATION_NAMES, interned)), v));
      };
      const text = (ev as { text?: unknown }).text;
      if (typeof text === 'string') put('text', text);
      if (typed) {
        for (const v of typed) put(v.name, v.value);
        if (this.info.raw && !ev.blob) ev.args.forEach((a, i) => put(`raw${i}`, a));
      } else ev.args.forEach((a, i) => put(`a${i}`, a));
      if (ev.blob) put('blob_hex', hex(ev.blob));
    }
    if (!interned.empty()) p.message(TP_INTERNED_DATA, interned);
    this.packet(p.message(TP_TRACK_EVENT, te));
  }

  // ---- events as columns: the hot path ----

  // ---- the table a decode thread packs with ----

  /** The sequence each core's shared slice describes (the core's latest). */
  private readonly current: (Seq | undefined)[] = [];
  private shared: Int32Array | null = null;

  /** From now on the decode threads read each core's sequence from `table` (decode-pool.ts). */
  packedTable(table: Int32Array): void {
    this.shared = table;
    for (const q of this.current) if (q) this.publish(q);
  }

  /** q becomes its core's sequence in the shared table: its whole slice, under a new generation. */
  private publish(q: Seq): void {
    if (q.core >= PACK_CORES) return;
    this.current[q.core] = q;
    const t = this.shared;
    if (!t) return;
    const base = q.core * CORE_WORDS;
    // a packing that read any of this while it changed sees the generation change (packPerfettoEvents)
    const gen = Atomics.load(t, base + T_GEN);
    Atomics.store(t, base + T_GEN, gen + 1);
    t.set(q.tab.subarray(T_SEQ), base + T_SEQ);
    Atomics.store(t, base + T_GEN, gen + 2);
  }

  /** tab[i] = v (0 before): in the shared slice too while q is its core's. */
  private setTab(q: Seq, i: number, v: number): void {
    q.tab[i] = v;
    if (this.shared && this.current[q.core] === q) Atomics.store(this.shared, q.core * CORE_WORDS + i, v);
  }

  /**
   * A packet's events that packPerfettoEvents wrote, bytes [from * 4, from * 4 + row.bytes) of
   * words: the same bytes as eventBatch writes for it. This thread writes the first event's
   * timestamp (from the sequence's clock) and copies the rest. -1, having written nothing, where
   * the packing read another sequence than the core's now, or the first event goes back in time.
   */
  packedEvents(session: number, core: number, words: Uint32Array, from: number, _to: number, row: Packed): number {
    if (this.names || !this.shared || core >= PACK_CORES) return -1;
    const q = this.seq(session, core);
    if (this.current[core] !== q || row.mark !== Atomics.load(this.shared, core * CORE_WORDS + T_GEN) || !(row.first >= q.last)) return -1;
    const delta = row.first - q.last;
    const inner = 1 + varLen(delta) + row.head;
    const out = this.out;
    out.room(row.bytes + 16);
    const buf = out.buf;
    let p = out.pos;
    buf[p++] = (TRACE_PACKET << 3) | 2;
    p = putVarU64(buf, p, inner);
    buf[p++] = TP_TIMESTAMP << 3;
    p = putVarU64(buf, p, delta);
    buf.set(new Uint8Array(words.buffer, words.byteOffset + 4 * from, row.bytes), p);
    out.pos = p + row.bytes;
    q.last = row.last;
    if (row.last > this.latestNum) this.latestNum = row.last;
    return row.count;
  }

  // ---- events as columns: the hot path ----

  /**
   * Events of a batch, the same bytes as onEvent writes, from the columns into the buffer
   * (putEventTail, which the decode threads' packing writes with too). What is rare takes
   * onEvent: a name not yet interned on the sequence, a time that goes back or past 2^53, a
   * blob, more than ARG_IIDS arguments, ids past FAST_IDS, a counter of a new track.
   */
  eventBatch(b: EventBatch, from: number, to: number): void {
    if (this.names) {
      for (let i = from; i < to; i++) this.onEvent(b.event(i));
      return;
    }
    const { value: q, ns } = this.packets.of(b);
    const { argStart, argHi, argLo, kind, id: ids, nsOff } = b;
    const out = this.out;
    const seqId = q.id;
    const tab = q.tab;
    const c = this.cells;
    let last = q.last;
    // the buffer in locals, room made per event only where the end is near
    let buf = out.buf;
    let view = out.view;
    let p = out.pos;
    let end = buf.length - eventRoom(ARG_IIDS);
    const run = smallRun;
    for (let i = from; i < to; i++) {
      if (!b.hasBlobs && p <= end) {
        i = putSmallInstants(view, p, end, b, i, to, ns, 0, 1, tab, 0, seqId, last, run);
        p = run.p;
        last = run.last * 1;
        if (i === to) break;
      }
      const t = ns + nsOff[i];
      const s = argStart[i];
      const na = argStart[i + 1] - s;
      if (!(t <= MAX_EXACT) || !(t >= last) || (b.hasBlobs && b.blob(i)) || !eventCells(tab, 0, kind[i], ids[i], s, na, argHi, c)) {
        q.last = last;
        out.pos = p;
        this.onEvent(b.event(i));
        last = q.last;
        buf = out.buf;
        view = out.view;
        p = out.pos;
        end = buf.length - eventRoom(ARG_IIDS);
        continue;
      }
      if (p > end) {
        out.pos = p;
        out.room(eventRoom(ARG_IIDS));
        buf = out.buf;
        view = out.view;
        p = out.pos;
        end = buf.length - eventRoom(ARG_IIDS);
      }
      p = putEventPacket(buf, p, t - last, seqId, c, argHi, argLo, s);
      last = t;
    }
    out.pos = p;
    q.last = last;
    if (last > this.latestNum) this.latestNum = last;
  }

  private readonly cells = new Cells();
}

/** What writing one event needs beyond its columns (eventCells). */
class Cells {
  type = 0;
  iid = 0;
  track = 0;
  na = 0;
}

/**
 * The cells of event (kind k, id, arguments s..s+na) from a sequence's table at `base` (Seq.tab,
 * or a core's shared slice); false where only onEvent writes it: a name or counter track the
 * table has not got, ids past FAST_IDS, more than ARG_IIDS arguments, a counter past int64.
 */
function eventCells(tab: Int32Array, base: number, k: number, id: number, s: number, na: number, argHi: Uint32Array, c: Cells): boolean {
  if (id >= FAST_IDS) return false;
  c.na = na;
  if (k === K_COUNTER) {
    const track = tab[base + T_COUNTERS + id];
    if (track === 0 || na < 1 || argHi[s] >= 0x8000_0000) return false;
    c.type = TYPE_COUNTER;
    c.track = track;
    return true;
  }
  const iid = tab[base + T_IIDS + k * FAST_IDS + id];
  if (iid === 0 || na > ARG_IIDS) return false;
  c.iid = iid;
  if (k === K_ISR_ENTER || k === K_ISR_EXIT) {
    const track = tab[base + T_IRQ];
    if (track === 0) return false;
    c.track = track;
    c.type = k === K_ISR_ENTER ? TYPE_SLICE_BEGIN : TYPE_SLICE_END;
  } else {
    c.track = 0;
    c.type = k === K_SPAN_BEGIN ? TYPE_SLICE_BEGIN : k === K_SPAN_END ? TYPE_SLICE_END : TYPE_INSTANT;
  }
  return true;
}

// What putSmallInstants makes of a kind: 4 bits per kind index in SMALL_CLASSES (eventCells's
// types: an instant, a slice's begin or end on the core's track or the ISR track, a counter).
// An odd class begins a slice.
const SMALL_INSTANT = 0;
const SMALL_SPAN_BEGIN = 1;
const SMALL_SPAN_END = 2;
const SMALL_IRQ_BEGIN = 3;
const SMALL_IRQ_END = 4;
const SMALL_COUNTER = 6;
const SMALL_CLASSES = EVENT_KINDS.reduce((m, _, k) => {
  const c = k === K_COUNTER ? SMALL_COUNTER : k === K_SPAN_BEGIN ? SMALL_SPAN_BEGIN : k === K_SPAN_END ? SMALL_SPAN_END : k === K_ISR_ENTER ? SMALL_IRQ_BEGIN : k === K_ISR_EXIT ? SMALL_IRQ_END : SMALL_INSTANT;
  return m | (c << (4 * k));
}, 0);

/** The most bytes an event's packet takes (putEventPacket), for room ahead. */
function eventRoom(na: number): number {
  return 40 + 16 * na;
}

/**
 * Length-delimited content written at start + 1 with one byte kept for its length at `start`:
 * the length there, the content moved up a byte where it needs two (at least 128 bytes: an
 * event of many wide arguments). The end.
 */
function closeLength(buf: Uint8Array, start: number, end: number): number {
  const n = end - start - 1;
  if (n < 0x80) {
    buf[start] = n;
    return end;
  }
  buf.copyWithin(start + 2, start + 1, end);
  buf[start] = (n & 0x7f) | 0x80;
  buf[start + 1] = n >>> 7;
  return end + 1;
}

/** An event's packet after its timestamp at p: sequence id and track event; the end. */
function putEventTail(buf: Uint8Array, p: number, seqId: number, c: Cells, argHi: Uint32Array, argLo: Uint32Array, s: number): number {
  buf[p++] = TP_SEQ_ID << 3;
  p = putVarU64(buf, p, seqId);
  buf[p++] = (TP_TRACK_EVENT << 3) | 2;
  const te = p++;
  buf[p++] = TE_TYPE << 3;
  buf[p++] = c.type;
  if (c.type === TYPE_COUNTER) {
    buf[p++] = TE_TRACK_UUID << 3;
    p = putVarU64(buf, p, c.track);
    // field 30, varint: a two-byte key
    buf[p++] = 0xf0;
    buf[p++] = 0x01;
    return closeLength(buf, te, putVarintHL(buf, p, argHi[s], argLo[s]));
  }
  buf[p++] = TE_NAME_IID << 3;
  p = putVarU64(buf, p, c.iid);
  if (c.track !== 0) {
    buf[p++] = TE_TRACK_UUID << 3;
    p = putVarU64(buf, p, c.track);
  } else if (c.type === TYPE_INSTANT) {
    for (let a = 0; a < c.na; a++) {
      buf[p++] = (TE_DEBUG_ANNOTATIONS << 3) | 2;
      const da = p++;
      buf[p++] = DA_NAME_IID << 3;
      buf[p++] = a + 1;
      buf[p++] = DA_UINT << 3;
      const hi = argHi[s + a];
      const lo = argLo[s + a];
      if (hi === 0 && lo < 0x80) buf[p++] = lo;
      else p = putVarintHL(buf, p, hi, lo);
      // at most 13 bytes: one byte of length
      buf[da] = p - da - 1;
    }
  }
  return closeLength(buf, te, p);
}

/** An event's whole packet (Trace.packet key, length, timestamp `delta`, tail) at p; the end. */
function putEventPacket(buf: Uint8Array, p: number, delta: number, seqId: number, c: Cells, argHi: Uint32Array, argLo: Uint32Array, s: number): number {
  buf[p++] = (TRACE_PACKET << 3) | 2;
  const len = p++;
  buf[p++] = TP_TIMESTAMP << 3;
  p = putVarU64(buf, p, delta);
  return closeLength(buf, len, putEventTail(buf, p, seqId, c, argHi, argLo, s));
}

/** Where putSmallInstants stopped: the next byte, the time of the last event written. */
interface SmallRun {
  p: number;
  last: number;
}
const smallRun: SmallRun = { p: 0, last: 0 };

/**
 * The common events' packets, the bytes putEventPacket writes, from event i of b on while each
 * is such: an instant of at most 2 arguments below 2^32, its name's iid in the table and it and
 * seqId below 128, the step from the event before below 2^21, so that every key and length is
 * one byte and known before writing. Written a word per store, each varint with its key built
 * in a register without a branch (keyedVarint). What costs here is instructions, not bytes: the
 * whole loop is one function, and what it reads of this module (the bundle's variables, which
 * the JIT must load and check at each use) it reads once, into locals. A store may reach 12
 * bytes past an event's end (eventRoom leaves it); no event starts past `end`. Event times:
 * nsBase + nsOff where num is 0, else floor((nsBase + ticksOff) * num / den) (packPerfettoEvents,
 * nsBase the packet's first tick). Returns the first event not written (`to` at the end), with
 * run.p and run.last.
 */
function putSmallInstants(view: DataView, p: number, end: number, b: EventBatch, i: number, to: number, nsBase: number, num: number, den: number, tab: Int32Array, base: number, seqId: number, last: number, run: SmallRun): number {
  const { argStart, argHi, argLo, kind, id, nsOff, ticksOff } = b;
  const classes = SMALL_CLASSES;
  const maxExact = MAX_EXACT;
  const exact52 = EXACT_52;
  const fastIds = FAST_IDS;
  const iids = base + T_IIDS;
  const counters = base + T_COUNTERS;
  const irq = tab[base + T_IRQ];
  const packetKey = (TRACE_PACKET << 3) | 2;
  const tsKey = TP_TIMESTAMP << 3;
  const uintKey = DA_UINT << 3;
  const seqWord = (TP_SEQ_ID << 3) | (seqId << 8) | (((TP_TRACK_EVENT << 3) | 2) << 16);
  const typeWord = (TE_TYPE << 3) | ((TE_NAME_IID << 3) << 16);
  const counterWord = (TE_TYPE << 3) | (TYPE_COUNTER << 8) | ((TE_TRACK_UUID << 3) << 16);
  const trackKey = TE_TRACK_UUID << 3;
  const valueKey = TE_COUNTER_VALUE << 3;
  const argWord = ((TE_DEBUG_ANNOTATIONS << 3) | 2) | ((DA_NAME_IID << 3) << 16);
  if (seqId >= 0x80) return i;
  // a number the JIT keeps as a double in the loop, not a heap number made per event
  last *= 1;
  for (; i < to && p <= end; i++) {
    let t: number;
    if (num === 0) {
      t = nsBase + nsOff[i];
      if (!(t <= maxExact)) break;
    } else {
      const x = (nsBase + ticksOff[i]) * num;
      if (!(x < exact52)) break;
      // exactQuotient of core/time.ts, inline in this loop (a floor that can only round up)
      t = den === 1 ? x : Math.floor(x / den);
      if (t * den > x) t--;
    }
    if (!(t - last >= 0 && t - last < 0x20_0000)) break;
    const delta = (t - last) | 0;
    const nd = varintBytes(delta);
    const s = argStart[i];
    const na = argStart[i + 1] - s;
    const k = kind[i];
    const e = id[i];
    const cls = (classes >>> (4 * k)) & 15;
    if (e >= fastIds) break;
    if (cls === SMALL_COUNTER) {
      const track = tab[counters + e];
      if (track === 0 || track >= 0x80 || na < 1 || argHi[s] !== 0) break;
      const v = argLo[s];
      const n = varintBytes(v);
      // type, track, the value's two-byte key (field 30), the value
      const body = 6 + n;
      view.setUint16(p, packetKey | ((5 + nd + body) << 8), true);
      view.setInt32(p + 2, keyedVarint(tsKey, delta), true);
      p += 3 + nd;
      view.setInt32(p, seqWord | (body << 24), true);
      view.setInt32(p + 4, counterWord | (track << 24), true);
      view.setUint8(p + 8, (valueKey & 0x7f) | 0x80);
      view.setInt32(p + 9, keyedVarint(valueKey >>> 7, v), true);
      view.setInt32(p + 13, keyedVarintHigh(v), true);
      p += 10 + n;
      last = t;
      continue;
    }
    const iid = tab[iids + k * fastIds + e];
    if (iid === 0 || iid >= 0x80) break;
    if (cls !== SMALL_INSTANT) {
      // a slice's begin or end: on the core's track, or with the ISR track's uuid
      const onIrq = cls >= SMALL_IRQ_BEGIN;
      if (onIrq && (irq === 0 || irq >= 0x80)) break;
      const body = onIrq ? 6 : 4;
      view.setUint16(p, packetKey | ((5 + nd + body) << 8), true);
      view.setInt32(p + 2, keyedVarint(tsKey, delta), true);
      p += 3 + nd;
      view.setInt32(p, seqWord | (body << 24), true);
      view.setInt32(p + 4, typeWord | ((cls & 1 ? TYPE_SLICE_BEGIN : TYPE_SLICE_END) << 8) | (iid << 24), true);
      view.setUint16(p + 8, trackKey | (irq << 8), true);
      p += 4 + body;
      last = t;
      continue;
    }
    if (na > 2) break;
    // the 2 annotations' words are written whatever na is (past the end where it is less):
    // all ones where there is a first argument, a second
    const m0 = (0 - na) >> 31;
    const m1 = (1 - na) >> 31;
    if (((argHi[s] & m0) | (argHi[s + 1] & m1)) !== 0) break;
    const a0 = argLo[s];
    const a1 = argLo[s + 1];
    const n0 = varintBytes(a0);
    const n1 = varintBytes(a1);
    // each annotation: key, length, name iid key, iid, value key, value
    const l0 = (5 + n0) & m0;
    const l1 = (5 + n1) & m1;
    const body = 4 + l0 + l1;
    view.setUint16(p, packetKey | ((5 + nd + body) << 8), true);
    view.setInt32(p + 2, keyedVarint(tsKey, delta), true);
    p += 3 + nd;
    view.setInt32(p, seqWord | (body << 24), true);
    view.setInt32(p + 4, typeWord | (TYPE_INSTANT << 8) | (iid << 24), true);
    view.setInt32(p + 8, argWord | ((3 + n0) << 8) | (1 << 24), true);
    view.setInt32(p + 12, keyedVarint(uintKey, a0), true);
    view.setInt32(p + 16, keyedVarintHigh(a0), true);
    p += 8 + l0;
    view.setInt32(p, argWord | ((3 + n1) << 8) | (2 << 24), true);
    view.setInt32(p + 4, keyedVarint(uintKey, a1), true);
    view.setInt32(p + 8, keyedVarintHigh(a1), true);
    p += l1;
    last = t;
  }
  run.p = p;
  run.last = last;
  return i;
}

/** by argument count: all ones where there is a first argument, a second */
const FIRST_ARG = Int32Array.of(0, -1, -1);
const SECOND_ARG = Int32Array.of(0, 0, -1);

/** Bytes of the varint of v, a u32: ceil(bits / 7) by a multiplication, at least 1. */
function varintBytes(v: number): number {
  return ((38 - Math.clz32(v | 1)) * 37) >> 8;
}

/**
 * A one-byte key and the first 3 bytes of the varint of v (a u32) as a little-endian word:
 * each byte's continuation bit is whether v has bits past it ((0 - (v >>> n)) >>> 31: 0 - x, not -x, which is -0 for 0, a double), no branch.
 */
function keyedVarint(key: number, v: number): number {
  const cont = (((0 - (v >>> 7)) >>> 31) << 15) | (((0 - (v >>> 14)) >>> 31) << 23) | (((0 - (v >>> 21)) >>> 31) << 31);
  return key | ((v & 0x7f) << 8) | ((v << 9) & 0x7f_0000) | ((v << 10) & 0x7f00_0000) | cont;
}

/** The 4th and 5th bytes of the varint of v (a u32) as a word (garbage past the last). */
function keyedVarintHigh(v: number): number {
  return ((v >>> 21) & 0x7f) | ((v >>> 28) << 8) | (((0 - (v >>> 28)) >>> 31) << 7);
}

const packCells = new Cells();
let packBytes: Uint8Array | null = null;
let packView: DataView | null = null;

/**
 * Packer of decode-pool.ts for Perfetto: the events of a packet of `core`, as eventBatch would
 * write them on the core's sequence, into words from `at` (bytes from at * 4): the first event's
 * packet without its timestamp (Packed.head bytes; the exporter writes the timestamp, from the
 * sequence's last time), then each later event's whole packet (its timestamp the step from the
 * event before). The sequence, clock, names and tracks come from the core's slice of `table`
 * (PerfettoExporter.packedTable), its generation in Packed.mark. -1 where eventBatch would take
 * onEvent for an event, where the slice changed while it was read, or past `room`.
 */
export function packPerfettoEvents(b: EventBatch, ticksBase: number, core: number, words: Uint32Array, at: number, room: number, table: Int32Array, out: Packed): number {
  const n = b.length;
  if (n === 0 || b.hasBlobs || core >= PACK_CORES) return -1;
  const base = core * CORE_WORDS;
  const gen = Atomics.load(table, base + T_GEN);
  if (gen === 0 || (gen & 1) !== 0) return -1;
  const seqId = table[base + T_SEQ];
  const num = table[base + T_NUM];
  const den = table[base + T_DEN];
  const { argStart, argHi, argLo, ticksOff, kind, id } = b;
  if (num === 0 || eventRoom(0) * n + 16 * argStart[n] > 4 * room) return -1;
  if (!packBytes || packBytes.buffer !== words.buffer || packBytes.byteOffset !== words.byteOffset) packBytes = new Uint8Array(words.buffer, words.byteOffset, 4 * words.length);
  if (!packView || packView.buffer !== words.buffer || packView.byteOffset !== words.byteOffset) packView = new DataView(words.buffer, words.byteOffset, 4 * words.length);
  const buf = packBytes;
  const view = packView;
  const c = packCells;
  const start = 4 * at;
  let p = start;
  let head = 0;
  let first = 0;
  let prev = 0;
  const run = smallRun;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      // the room for all was checked above
      i = putSmallInstants(view, p, start + 4 * room, b, i, n, ticksBase, num, den, table, base, seqId, prev, run);
      p = run.p;
      prev = run.last * 1;
      if (i === n) break;
    }
    // below 2^52, as the decoder's PacketClock computes exactly (decode-pool.ts PacketAgain)
    const t = exactQuotient((ticksBase + ticksOff[i]) * num, den);
    if (t < 0) return -1;
    const s = argStart[i];
    if (!eventCells(table, base, kind[i], id[i], s, argStart[i + 1] - s, argHi, c)) return -1;
    if (i === 0) {
      first = t;
      p = putEventTail(buf, p, seqId, c, argHi, argLo, s);
      head = p - start;
    } else p = putEventPacket(buf, p, t - prev, seqId, c, argHi, argLo, s);
    prev = t;
  }
  if (Atomics.load(table, base + T_GEN) !== gen) return -1;
  out.count = n;
  out.first = first;
  out.last = prev;
  out.gap = false;
  out.mark = gen;
  out.head = head;
  out.bytes = p - start;
  return Math.ceil(p / 4);
}

/** name's iid in `names` (a sequence's index of one kind); a new one is added to `interned` under `field`. */
function intern(names: Map<string, number>, name: string, field: number, interned: PbMessage): number {
  let iid = names.get(name);
  if (iid === undefined) {
    iid = names.size + 1;
    names.set(name, iid);
    interned.message(field, new PbMessage().varint(IID, iid).string(INTERNED_NAME, name));
  }
  return iid;
}

/** A debug annotation's value; the annotation's name is already in `da`. */
type Annot = bigint | number | string | boolean;

function annotation(da: PbMessage, v: Annot): PbMessage {
  if (typeof v === 'string') return da.string(DA_STRING, v);
  if (typeof v === 'boolean') return da.varint(DA_BOOL, v ? 1 : 0);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return da.double(DA_DOUBLE, v);
    return v < 0 ? da.varint(DA_INT, BigInt(v)) : da.varint(DA_UINT, v);
  }
  return v < 0n ? da.varint(DA_INT, v) : da.varint(DA_UINT, v);
}
