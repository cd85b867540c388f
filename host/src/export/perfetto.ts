// Perfetto's native trace format: a protobuf `Trace` of `TracePacket`s holding `TrackEvent`s
// (field numbers: test/export/perfetto-subset.proto, which names Perfetto's .proto files they
// come from; the encoding: protobuf.ts). ui.perfetto.dev and trace_processor read it natively.
//
// One packet sequence (trusted_packet_sequence_id) per target session and core, and one more
// (TRACEPIPE_SEQ) for what the tracer itself says: losses, notices, sessions, the accounting.
// A core's sequence opens with its tracks (the session's process, the core's thread), a packet
// that clears the incremental state and sets the defaults (the core's thread track, and the
// sequence's own incremental clock), and a clock snapshot that ties that clock to BOOTTIME at 0:
// each event's timestamp is then its distance in ns from the event before on its core, so the
// exact decoder tNs is the sum, in a varint of one or two bytes. An event that goes back in time
// (time_unproven) carries its absolute time on BOOTTIME instead and leaves the running clock
// alone. Event names and argument names are interned per sequence (iid in the packet that first
// needs it); a0..a7 in the sequence's first packet.
//
// Events are instants with debug annotations (raw: a0.. as uint; with --elf the typed values by
// name, int or uint or double or string as typed, and the log text), spans begin/end slices on the
// core's track, ISRs begin/end slices on a track of their own per core, counters TYPE_COUNTER on a
// counter track per core and id. Losses are instants on the session's "tracepipe" track with
// cause, count, core and window. A 2-argument event of small arguments is 26 bytes.
//
// Fed per core (Exporter.perCore): Perfetto sorts packets by time itself, so no merge is needed.
import type { EventBatch } from '../core/batch.js';
import { ticksToNs } from '../core/time.js';
import { EVENT_KINDS, type CoreStats, type EventKind, type Notice, type TraceEvent, type TraceRecord } from '../core/types.js';
import type { TypedValue } from '../core/typed-values.js';
import { ByteOut } from '../core/byte-out.js';
import { PacketCache } from './batch-cells.js';
import { hex } from './csv.js';
import { wallClockJson } from './jsonl.js';
import { PbMessage, putVarint, putVarintHL, varintSize, varintSizeHL } from './protobuf.js';
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
/** ids below this have their name iid in a table per kind; the rest are looked up by label */
const FAST_IDS = 4096;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_EXACT);

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
  /** the ISR track's uuid, 0 until the first ISR */
  irqUuid: number;
  /** the incremental clock's value (ns, exact), or NaN when past 2^53 (then lastBig) */
  last: number;
  lastBig: bigint;
  /** by kind index, then id: the name's iid, 0 before it is interned */
  iids: Int32Array[];
  /** label -> iid */
  names: Map<string, number>;
  /** debug annotation name -> iid */
  argNames: Map<string, number>;
  /** counter id -> its track's uuid */
  counters: Map<number, number>;
}

interface Session {
  processUuid: number;
  /** the "tracepipe" track: losses and notices */
  tracepipeUuid: number;
  facts?: Record<string, string | number>;
}

export class PerfettoExporter implements Exporter {
  readonly perCore = true;
  private info: ExportInfo = {};
  private names?: NameTable;
  private readonly out: ByteOut;
  private nextUuid = 1;
  private nextSeq = TRACEPIPE_SEQ + 1;
  private readonly sessions = new Map<number, Session>();
  private readonly seqs = new Map<number, Seq>();
  private readonly packets = new PacketCache((b) => this.seq(b.session, b.core));
  /** the latest time written on any sequence: where a notice without a time of its own goes */
  private latestNs = 0n;
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
      case 'loss':
        this.tracepipeInstant(rec.session, rec.fromNs, rec.cause, [
          ['cause', rec.cause],
          ['count', rec.count],
          ['core', rec.core],
          ['from_ns', rec.fromNs],
          ['to_ns', rec.toNs],
        ]);
        break;
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
    s = { processUuid: this.nextUuid++, tracepipeUuid: this.nextUuid++ };
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
      irqUuid: 0,
      last: 0,
      lastBig: 0n,
      iids: EVENT_KINDS.map(() => new Int32Array(FAST_IDS)),
      names: new Map(),
      argNames: new Map(),
      counters: new Map(),
    };
    this.seqs.set(key, q);
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

  private descriptor(seqId: number, td: PbMessage): void {
    this.packet(new PbMessage().varint(TP_SEQ_ID, seqId).message(TP_TRACK_DESCRIPTOR, td));
  }

  private irqTrack(q: Seq): number {
    if (q.irqUuid === 0) {
      q.irqUuid = this.nextUuid++;
      this.descriptor(q.id, new PbMessage().varint(TD_UUID, q.irqUuid).varint(TD_PARENT_UUID, this.session(q.session).processUuid).string(TD_NAME, `core ${q.core} ISR`));
    }
    return q.irqUuid;
  }

  private counterTrack(q: Seq, id: number, unit: string | undefined): number {
    let u = q.counters.get(id);
    if (u === undefined) {
      u = this.nextUuid++;
      q.counters.set(id, u);
      const name = `core${q.core} ${this.label('counter', id)}${unit ? ` (${unit})` : ''}`;
      this.descriptor(q.id, new PbMessage().varint(TD_UUID, u).varint(TD_PARENT_UUID, q.threadUuid).string(TD_NAME, name).message(TD_COUNTER, new PbMessage()));
    }
    return u;
  }

  private label(kind: EventKind, id: number): string {
    const n = this.names?.eventName(kind, id);
    if (n !== undefined) return n;
    switch (kind) {
      case 'isr_enter':
      case 'isr_exit':
        return `ISR ${id}`;
      case 'span_begin':
      case 'span_end':
        return `span ${id}`;
      default:
        return `${kind} ${id}`;
    }
  }

  /** A whole TracePacket, as the Trace's next packet. */
  private packet(p: PbMessage): void {
    const b = p.finish();
    const out = this.out;
    out.room(16 + b.length);
    let q = out.pos;
    out.buf[q++] = (TRACE_PACKET << 3) | 2;
    q = putVarint(out.buf, q, b.length);
    out.buf.set(b, q);
    out.pos = q + b.length;
  }

  // ---- the tracer's own packets ----

  private tracepipeInstant(session: number, ns: bigint, name: string, fields: [string, Annot][]): void {
    const s = this.session(session);
    const te = new PbMessage().varint(TE_TYPE, TYPE_INSTANT).varint(TE_TRACK_UUID, s.tracepipeUuid).string(TE_NAME, name);
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
    this.tracepipeInstant(this.sessions.size > 0 ? Math.max(...this.sessions.keys()) : 0, this.latestNs, `notice ${n.code}`, fields);
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
    let internedAny = false;
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
    const label = this.label(ev.kind, ev.id);
    let iid = q.names.get(label);
    if (iid === undefined) {
      iid = q.names.size + 1;
      q.names.set(label, iid);
      interned.message(ID_EVENT_NAMES, new PbMessage().varint(IID, iid).string(INTERNED_NAME, label));
      internedAny = true;
    }
    if (ev.id < FAST_IDS) q.iids[k][ev.id] = iid;
    const slice = k === K_SPAN_BEGIN || k === K_ISR_ENTER ? TYPE_SLICE_BEGIN : k === K_SPAN_END || k === K_ISR_EXIT ? TYPE_SLICE_END : TYPE_INSTANT;
    te.varint(TE_TYPE, slice).varint(TE_NAME_IID, iid);
    if (k === K_ISR_ENTER || k === K_ISR_EXIT) te.varint(TE_TRACK_UUID, this.irqTrack(q));
    if (slice === TYPE_INSTANT) {
      const argName = (name: string): number => {
        let a = q.argNames.get(name);
        if (a === undefined) {
          a = q.argNames.size + 1;
          q.argNames.set(name, a);
          interned.message(ID_DEBUG_ANNOTATION_NAMES, new PbMessage().varint(IID, a).string(INTERNED_NAME, name));
          internedAny = true;
        }
        return a;
      };
      const put = (name: string, v: Annot): void => {
        te.message(TE_DEBUG_ANNOTATIONS, annotation(new PbMessage().varint(DA_NAME_IID, argName(name)), v));
      };
      const text = (ev as { text?: unknown }).text;
      if (typeof text === 'string') put('text', text);
      if (typed) {
        for (const v of typed) put(v.name, v.value);
        if (this.info.raw && !ev.blob) ev.args.forEach((a, i) => put(`raw${i}`, a));
      } else ev.args.forEach((a, i) => put(`a${i}`, a));
      if (ev.blob) put('blob_hex', hex(ev.blob));
    }
    if (internedAny) p.message(TP_INTERNED_DATA, interned);
    this.packet(p.message(TP_TRACK_EVENT, te));
  }

  // ---- events as columns: the hot path ----

  /**
   * Events of a batch, the same bytes as onEvent writes, from the columns into the buffer: each
   * packet's sizes are summed first (varint lengths are known from the values), then written in
   * one pass. What is rare takes onEvent: a name not yet interned on the sequence, a time that
   * goes back or past 2^53, a blob, more than ARG_IIDS arguments, ids past FAST_IDS, counters
   * of a new track.
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
    const seqSize = varintSize(seqId);
    let last = q.last;
    for (let i = from; i < to; i++) {
      const k = kind[i];
      const id = ids[i];
      const t = ns + nsOff[i];
      if (!(t <= MAX_EXACT) || !(t >= last) || id >= FAST_IDS || (b.hasBlobs && b.blob(i))) {
        q.last = last;
        this.onEvent(b.event(i));
        last = q.last;
        continue;
      }
      const delta = t - last;
      const s = argStart[i];
      const na = argStart[i + 1] - s;
      let body: number;
      let track = 0;
      let counterHi = 0;
      let counterLo = 0;
      let iid = 0;
      let type: number;
      if (k === K_COUNTER) {
        track = q.counters.get(id) ?? 0;
        if (track === 0 || na < 1 || argHi[s] >= 0x8000_0000) {
          q.last = last;
          this.onEvent(b.event(i));
          last = q.last;
          continue;
        }
        counterHi = argHi[s];
        counterLo = argLo[s];
        type = TYPE_COUNTER;
        body = 2 + 1 + varintSize(track) + 2 + varintSizeHL(counterHi, counterLo);
      } else {
        iid = q.iids[k][id];
        if (iid === 0 || na > ARG_IIDS) {
          q.last = last;
          this.onEvent(b.event(i));
          last = q.last;
          continue;
        }
        if (k === K_ISR_ENTER || k === K_ISR_EXIT) {
          track = q.irqUuid;
          type = k === K_ISR_ENTER ? TYPE_SLICE_BEGIN : TYPE_SLICE_END;
          body = 2 + 1 + varintSize(iid) + 1 + varintSize(track);
        } else if (k === K_SPAN_BEGIN || k === K_SPAN_END) {
          type = k === K_SPAN_BEGIN ? TYPE_SLICE_BEGIN : TYPE_SLICE_END;
          body = 2 + 1 + varintSize(iid);
        } else {
          type = TYPE_INSTANT;
          body = 2 + 1 + varintSize(iid);
          // each: tag, length, name iid (one byte: 1..8), value tag, value
          for (let a = s; a < s + na; a++) body += 5 + varintSizeHL(argHi[a], argLo[a]);
        }
      }
      const inner = 1 + varintSize(delta) + 1 + seqSize + 1 + varintSize(body) + body;
      out.room(inner + 4);
      const buf = out.buf;
      let p = out.pos;
      buf[p++] = (TRACE_PACKET << 3) | 2;
      p = putVarint(buf, p, inner);
      buf[p++] = TP_TIMESTAMP << 3;
      p = putVarint(buf, p, delta);
      buf[p++] = TP_SEQ_ID << 3;
      p = putVarint(buf, p, seqId);
      buf[p++] = (TP_TRACK_EVENT << 3) | 2;
      p = putVarint(buf, p, body);
      buf[p++] = TE_TYPE << 3;
      buf[p++] = type;
      if (type === TYPE_COUNTER) {
        buf[p++] = TE_TRACK_UUID << 3;
        p = putVarint(buf, p, track);
        // field 30, varint: a two-byte key
        buf[p++] = 0xf0;
        buf[p++] = 0x01;
        p = putVarintHL(buf, p, counterHi, counterLo);
      } else {
        buf[p++] = TE_NAME_IID << 3;
        p = putVarint(buf, p, iid);
        if (track !== 0) {
          buf[p++] = TE_TRACK_UUID << 3;
          p = putVarint(buf, p, track);
        } else if (type === TYPE_INSTANT) {
          for (let a = 0; a < na; a++) {
            const hi = argHi[s + a];
            const lo = argLo[s + a];
            buf[p++] = (TE_DEBUG_ANNOTATIONS << 3) | 2;
            buf[p++] = 3 + varintSizeHL(hi, lo);
            buf[p++] = DA_NAME_IID << 3;
            buf[p++] = a + 1;
            buf[p++] = DA_UINT << 3;
            p = putVarintHL(buf, p, hi, lo);
          }
        }
      }
      out.pos = p;
      last = t;
    }
    q.last = last;
    if (q.last > 0 && BigInt(q.last) > this.latestNs) this.latestNs = BigInt(q.last);
  }
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
