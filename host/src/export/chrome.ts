// Chrome Trace Event JSON (opens in the Perfetto UI and chrome://tracing).
//
// One process per target session, one thread track per core. ISR and span pairs are
// complete ("X") slices, emitted when they close, so nothing but the open pairs is
// held in memory; counters are "C" tracks; marks, events and logs are instant
// events; every loss is an "X" slice over its window on the core's track, carrying
// cause, count and window, plus a cumulative per-cause counter track.
//
// `ts`/`dur` are µs written as exact decimals of the ns time (3 decimals), so the
// ns value, and therefore the tick, survives a round trip.
import type { EventBatch } from '../core/batch.js';
import { EVENT_KINDS, type CoreStats, type EventKind, type TraceEvent, type TraceRecord } from '../core/types.js';
import { type TypedValue, valueJson } from '../core/typed-values.js';
import { hex } from './csv.js';
import { statsJson, wallClockJson } from './jsonl.js';
import { ByteOut, encodeAscii, pieceOf, putMicros, putPiece, putU64, putUint, type Piece } from '../core/byte-out.js';
import { eventLabel, KindIdCache, PacketCache } from './batch-cells.js';
import type { ExportInfo, Exporter, NameTable, Sink } from './types.js';

const MAX_OPEN = 256;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
const COUNTER = EVENT_KINDS.indexOf('counter');
const INSTANT_HEAD = Object.fromEntries(EVENT_KINDS.map((k) => [k, encodeAscii(`{"ph":"i","s":"t","cat":"${k}","name":`)])) as Record<EventKind, Uint8Array>;
const COUNTER_HEAD = encodeAscii('{"ph":"C","name":');
const ARGS_ID = encodeAscii(',"args":{"id":');
const DUR = pieceOf(',"dur":');
const ARGS_IRQ = pieceOf(',"args":{"irq":');
const P_ARGS_ID = pieceOf(',"args":{"id":');
const P_ARGS_VALUE = pieceOf(',"args":{"value":');
const ACROSS_LOSS = pieceOf(',"across_loss":true');
const UNFINISHED = pieceOf(',"unfinished":true');
const ARGS_KIND_ISR_EXIT = pieceOf(',"args":{"kind":"isr_exit","id":');
const ARGS_KIND_SPAN_END = pieceOf(',"args":{"kind":"span_end","id":');
/** ids below this have their line openings in arrays; the rest are made per line */
const HEAD_IDS = 1 << 16;
const ISR_ENTER = EVENT_KINDS.indexOf('isr_enter');
const SPAN_BEGIN_K = EVENT_KINDS.indexOf('span_begin');
// by kind index: which end of which pair it is (0: not a pair kind)
const ISR_BEGIN = 1;
const ISR_END = 2;
const SPAN_BEGIN = 3;
const SPAN_END = 4;
const PAIR = EVENT_KINDS.map((k) => (k === 'isr_enter' ? ISR_BEGIN : k === 'isr_exit' ? ISR_END : k === 'span_begin' ? SPAN_BEGIN : k === 'span_end' ? SPAN_END : 0));

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}

/** each argument's key as a piece, for more argument counts than the wire has (nargs < 8) */
const ARG_PIECES = Array.from({ length: 64 }, (_, a) => pieceOf(`,"a${a}":`));

interface OpenSlice {
  id: number;
  /** the start in ns when exact as a number (the batch path), else NaN and startNs holds it */
  startOf: number;
  startNs: bigint;
  lossesAtStart: number;
}

function startBig(o: OpenSlice): bigint {
  return Number.isNaN(o.startOf) ? o.startNs : BigInt(o.startOf);
}

interface CoreTrack {
  pid: number;
  tid: number;
  /** `,"pid":P,"tid":T,"ts":`, the part of every line between the name and the time */
  pidTidTs: Uint8Array;
  /** the JSON name of each counter track without a unit, by id */
  counters: Map<number, Uint8Array>;
  /**
   * by kind index, then id: what a line of the batch path writes before its time (head()):
   * an instant's or counter's opening, for a begin kind its slice's, for an end kind the opening of its
   * "unmatched" instant
   */
  heads: Piece[][];
  /** time of the last event when the batch path wrote it (lastNs is then stale), else NaN */
  lastNsOf: number;
  lastNs: bigint;
  isr: OpenSlice[];
  span: OpenSlice[];
  losses: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
}

export class ChromeJsonExporter implements Exporter {
  private info: ExportInfo = {};
  private names?: NameTable;
  private first = true;
  private readonly out: ByteOut;
  /** each label as JSON, UTF-8 */
  private readonly labels = new KindIdCache<Uint8Array>();
  /** per packet of a batch: its track */
  private readonly packets = new PacketCache((b) => this.track(b.session, b.core));
  private lastTrack: { session: number; core: number; track: CoreTrack } | undefined;
  private readonly tracks = new Map<string, CoreTrack>();
  private readonly processes = new Set<number>();
  private readonly sessions = new Map<number, Record<string, unknown>>();

  constructor(sink: Sink) {
    this.out = new ByteOut(sink);
  }

  begin(info: ExportInfo): void {
    this.info = info;
    this.names = info.names;
    this.out.ascii('{"displayTimeUnit":"ns","traceEvents":[\n');
  }

  record(rec: TraceRecord): void {
    switch (rec.type) {
      case 'header':
        if (!this.sessions.has(rec.session)) {
          const h = rec.header;
          this.sessions.set(rec.session, {
            session: rec.session,
            timer_hz: h.timerHz,
            timer_bits: h.timerBits,
            cores: h.cores,
            mode: h.mode,
            build_id: h.buildId,
            target_session: h.session,
          });
        }
        break;
      case 'event':
        this.onEvent(rec);
        break;
      case 'loss': {
        const t = this.track(rec.session, rec.core);
        t.losses++;
        t[rec.cause] += rec.count;
        const durNs = rec.toNs - rec.fromNs;
        this.emit(
          `{"ph":"X","cat":"loss","name":${JSON.stringify(`${rec.cause}: ${rec.count} events`)},"pid":${t.pid},"tid":${t.tid},"ts":${us(rec.fromNs)},"dur":${us(durNs < 0n ? 0n : durNs)},"args":{"cause":"${rec.cause}","count":${rec.count},"from_ns":"${rec.fromNs}","to_ns":"${rec.toNs}"}}`,
        );
        this.emit(
          `{"ph":"C","name":"core${rec.core} losses","pid":${t.pid},"tid":${t.tid},"ts":${us(rec.toNs)},"args":{"dropped":${t.dropped},"overwritten":${t.overwritten},"link_lost":${t.link_lost},"rejected":${t.rejected}}}`,
        );
        break;
      }
      default:
        break;
    }
  }

  end(stats: CoreStats[]): void {
    for (const t of this.tracks.values()) {
      if (!Number.isNaN(t.lastNsOf)) t.lastNs = BigInt(t.lastNsOf);
      for (const [cat, stack] of [['isr', t.isr], ['span', t.span]] as const) {
        for (const o of stack) this.slice(t, cat, o, t.lastNs, true);
        stack.length = 0;
      }
    }
    const meta: Record<string, unknown> = {
      generator: 'tracepipe',
      format_version: 1,
      // typed: event args carry `fields` decoded with the ELF; raw: a0… are wire words
      values: this.names ? 'typed' : 'raw',
      sessions: [...this.sessions.values()],
      accounting: statsJson(stats),
    };
    if (this.info.source !== undefined) meta.source = this.info.source;
    if (this.info.wallClock) meta.wall_clock = wallClockJson(this.info.wallClock);
    const m = JSON.stringify(meta);
    this.out.text(`\n],"otherData":${m},"metadata":${m}}\n`);
    this.out.close();
  }

  private emit(line: string): void {
    this.separate();
    this.out.text(line);
  }

  /** Starts a line of the traceEvents array. */
  private separate(): void {
    if (!this.first) this.out.ascii(',\n');
    this.first = false;
  }

  private track(session: number, core: number): CoreTrack {
    // packets of one core come in runs: most events are on the track of the one before
    const last = this.lastTrack;
    if (last && last.session === session && last.core === core) return last.track;
    const track = this.findTrack(session, core);
    this.lastTrack = { session, core, track };
    return track;
  }

  private findTrack(session: number, core: number): CoreTrack {
    const key = `${session}/${core}`;
    let t = this.tracks.get(key);
    if (!t) {
      const pid = session + 1;
      t = { pid, tid: core + 1, pidTidTs: encodeAscii(`,"pid":${pid},"tid":${core + 1},"ts":`), counters: new Map(), heads: EVENT_KINDS.map(() => []), lastNsOf: NaN, lastNs: 0n, isr: [], span: [], losses: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
      this.tracks.set(key, t);
      if (!this.processes.has(pid)) {
        this.processes.add(pid);
        const pname = session === 0 ? 'tracepipe target' : `tracepipe target (session ${session})`;
        this.emit(`{"ph":"M","name":"process_name","pid":${pid},"tid":0,"args":{"name":${JSON.stringify(pname)}}}`);
      }
      this.emit(`{"ph":"M","name":"thread_name","pid":${pid},"tid":${t.tid},"args":{"name":"core ${core}"}}`);
      this.emit(`{"ph":"M","name":"thread_sort_index","pid":${pid},"tid":${t.tid},"args":{"sort_index":${core}}}`);
    }
    return t;
  }

  private labelJson(kind: EventKind, id: number): Uint8Array {
    return this.labels.get(kind, id) ?? this.labels.set(kind, id, Buffer.from(JSON.stringify(this.label(kind, id)), 'utf8'));
  }

  private label(kind: EventKind, id: number): string {
    return eventLabel(this.names, kind, id);
  }

  private slice(t: CoreTrack, cat: 'isr' | 'span', o: OpenSlice, endNs: bigint, unfinished: boolean): void {
    const out = this.out;
    this.separate();
    out.ascii(cat === 'isr' ? '{"ph":"X","cat":"isr","name":' : '{"ph":"X","cat":"span","name":');
    out.bytes(this.labelJson(cat === 'isr' ? 'isr_enter' : 'span_begin', o.id));
    out.bytes(t.pidTidTs);
    const startNs = startBig(o);
    out.micros(startNs);
    out.ascii(',"dur":');
    out.micros(endNs - startNs);
    out.ascii(cat === 'isr' ? ',"args":{"irq":' : ',"args":{"id":');
    out.uint(o.id);
    if (unfinished) out.ascii(',"unfinished":true');
    // A loss inside the slice means its true end may have been lost with it.
    if (t.losses !== o.lossesAtStart) out.ascii(',"across_loss":true');
    out.ascii('}}');
  }

  /** `{"ph":"i",…,"ts":` of an instant event */
  private instantHead(t: CoreTrack, kind: EventKind, id: number): void {
    this.separate();
    this.out.bytes(INSTANT_HEAD[kind]);
    this.out.bytes(this.labelJson(kind, id));
    this.out.bytes(t.pidTidTs);
  }

  /** `{"ph":"C",…,"ts":` of a counter sample */
  private counterHead(t: CoreTrack, track: Uint8Array): void {
    this.separate();
    this.out.bytes(COUNTER_HEAD);
    this.out.bytes(track);
    this.out.bytes(t.pidTidTs);
  }

  private counterTrack(core: number, id: number): string {
    return `core${core} ${this.label('counter', id)}`;
  }

  private counterJson(t: CoreTrack, core: number, id: number): Uint8Array {
    let j = t.counters.get(id);
    if (!j) t.counters.set(id, (j = Buffer.from(JSON.stringify(this.counterTrack(core, id)), 'utf8')));
    return j;
  }

  /** The opening of a batch line of kind index k and this id on track t, made once (see CoreTrack.heads). */
  private head(t: CoreTrack, core: number, k: number, id: number): Piece {
    // ids past HEAD_IDS are made each time (ids are small on real firmware)
    const byId = t.heads[k];
    let h = id < HEAD_IDS ? byId[id] : undefined;
    if (h) return h;
    const kind = EVENT_KINDS[k];
    let open: Uint8Array;
    if (k === COUNTER) open = concat(COUNTER_HEAD, this.counterJson(t, core, id));
    else if (kind === 'isr_enter') open = concat(encodeAscii('{"ph":"X","cat":"isr","name":'), this.labelJson('isr_enter', id));
    else if (kind === 'span_begin') open = concat(encodeAscii('{"ph":"X","cat":"span","name":'), this.labelJson('span_begin', id));
    else if (kind === 'isr_exit' || kind === 'span_end') {
      const cat = kind === 'isr_exit' ? 'isr' : 'span';
      open = encodeAscii(`{"ph":"i","s":"t","cat":"${cat}","name":${JSON.stringify(`unmatched ${this.label(kind, id)} end`)}`);
    }
    else open = concat(INSTANT_HEAD[kind], this.labelJson(kind, id));
    h = pieceOf(Buffer.from(concat(open, t.pidTidTs)).toString('utf8'));
    if (id < HEAD_IDS) byId[id] = h;
    return h;
  }

  /** Where a traceEvents line starts at p: after the separator, unless it is the first. */
  private lineStart(buf: Uint8Array, p: number): number {
    if (this.first) {
      this.first = false;
      return p;
    }
    buf[p] = 44;
    buf[p + 1] = 10;
    return p + 2;
  }

  /** slice() for a start and end in exact ns numbers, endOf >= o.startOf. */
  private sliceOf(t: CoreTrack, core: number, isr: boolean, o: OpenSlice, endOf: number, unfinished: boolean): void {
    const out = this.out;
    const h = this.head(t, core, isr ? ISR_ENTER : SPAN_BEGIN_K, o.id);
    out.room(h.length + 128);
    const { buf, view } = out;
    let p = this.lineStart(buf, out.pos);
    p = putPiece(view, p, h);
    p = putMicros(buf, p, o.startOf);
    p = putPiece(view, p, DUR);
    p = putMicros(buf, p, endOf - o.startOf);
    p = putPiece(view, p, isr ? ARGS_IRQ : P_ARGS_ID);
    p = putUint(buf, p, o.id);
    if (unfinished) p = putPiece(view, p, UNFINISHED);
    if (t.losses !== o.lossesAtStart) p = putPiece(view, p, ACROSS_LOSS);
    buf[p++] = 125;
    buf[p++] = 125;
    out.pos = p;
  }

  /**
   * Events of a batch, the same bytes as onEvent writes, from the columns: each line is one
   * copy of its opening (made once per track, kind and id), the time and the arguments, written
   * through a local position. Blobs, times past 2^53 ns and what is rare for pairs (an end
   * without its begin, nesting past MAX_OPEN) take the record path.
   */
  eventBatch(b: EventBatch, from: number, to: number): void {
    if (this.names) {
      for (let i = from; i < to; i++) this.onEvent(b.event(i));
      return;
    }
    const out = this.out;
    const { value: t, ns } = this.packets.of(b);
    const { argStart, argHi, argLo, kind, id: ids, nsOff } = b;
    const core = b.core;
    for (let i = from; i < to; i++) {
      const k = kind[i];
      const tn = ns + nsOff[i];
      if (!(tn <= MAX_EXACT) || (b.hasBlobs && b.blob(i))) {
        this.onEvent(b.event(i));
        continue;
      }
      const id = ids[i];
      const pair = PAIR[k];
      if (pair !== 0) {
        const isr = pair === ISR_BEGIN || pair === ISR_END;
        const stack = isr ? t.isr : t.span;
        if (pair === ISR_BEGIN || pair === SPAN_BEGIN) {
          if (stack.length >= MAX_OPEN) {
            // the oldest open one is closed as unfinished
            const oldest = stack[0];
            if (!(oldest.startOf <= tn)) {
              this.onEvent(b.event(i));
              continue;
            }
            stack.shift();
            this.sliceOf(t, core, isr, oldest, tn, true);
          }
          t.lastNsOf = tn;
          stack.push({ id, startOf: tn, startNs: 0n, lossesAtStart: t.losses });
          continue;
        }
        let j = stack.length - 1;
        while (j >= 0 && stack[j].id !== id) j--;
        if (j < 0) {
          t.lastNsOf = tn;
          const h = this.head(t, core, k, id);
          out.room(h.length + 96);
          const { buf, view } = out;
          let p = this.lineStart(buf, out.pos);
          p = putPiece(view, p, h);
          p = putMicros(buf, p, tn);
          p = putPiece(view, p, isr ? ARGS_KIND_ISR_EXIT : ARGS_KIND_SPAN_END);
          p = putUint(buf, p, id);
          buf[p++] = 125;
          buf[p++] = 125;
          out.pos = p;
          continue;
        }
        const o = stack[j];
        if (!(o.startOf <= tn)) {
          // a start only a bigint holds, or time running back: as a record
          this.onEvent(b.event(i));
          continue;
        }
        t.lastNsOf = tn;
        if (j === stack.length - 1) stack.pop();
        else stack.splice(j, 1);
        this.sliceOf(t, core, isr, o, tn, false);
        continue;
      }
      t.lastNsOf = tn;
      const s = argStart[i];
      const n = argStart[i + 1] - s;
      const h = this.head(t, core, k, id);
      out.room(h.length + 64 + 32 * n);
      const { buf, view } = out;
      let p = this.lineStart(buf, out.pos);
      p = putPiece(view, p, h);
      p = putMicros(buf, p, tn);
      if (k === COUNTER) {
        p = putPiece(view, p, P_ARGS_VALUE);
        if (n > 0) p = putU64(buf, p, argHi[s], argLo[s]);
        else buf[p++] = 48;
      } else {
        p = putPiece(view, p, P_ARGS_ID);
        p = putUint(buf, p, id);
        for (let a = 0; a < n; a++) {
          p = putPiece(view, p, a < ARG_PIECES.length ? ARG_PIECES[a] : pieceOf(`,"a${a}":`));
          const hi = argHi[s + a];
          if (hi < 0x200000) p = putU64(buf, p, hi, argLo[s + a]);
          else {
            buf[p++] = 34;
            p = putU64(buf, p, hi, argLo[s + a]);
            buf[p++] = 34;
          }
        }
      }
      buf[p++] = 125;
      buf[p++] = 125;
      out.pos = p;
    }
  }

  private onEvent(ev: TraceEvent): void {
    const out = this.out;
    const t = this.track(ev.session, ev.core);
    t.lastNs = ev.tNs;
    t.lastNsOf = NaN;
    switch (ev.kind) {
      case 'isr_enter':
      case 'span_begin': {
        const stack = ev.kind === 'isr_enter' ? t.isr : t.span;
        // Begins without ends (a firmware bug, or ends lost) must not grow memory without
        // bound: past a depth no real nesting reaches, the oldest is closed as unfinished.
        if (stack.length >= MAX_OPEN) this.slice(t, ev.kind === 'isr_enter' ? 'isr' : 'span', stack.shift()!, ev.tNs, true);
        stack.push({ id: ev.id, startOf: NaN, startNs: ev.tNs, lossesAtStart: t.losses });
        return;
      }
      case 'isr_exit':
      case 'span_end': {
        const cat = ev.kind === 'isr_exit' ? 'isr' : 'span';
        const stack = cat === 'isr' ? t.isr : t.span;
        let i = stack.length - 1;
        while (i >= 0 && stack[i].id !== ev.id) i--;
        if (i < 0) {
          this.emit(
            `{"ph":"i","s":"t","cat":"${cat}","name":${JSON.stringify(`unmatched ${this.label(ev.kind, ev.id)} end`)},"pid":${t.pid},"tid":${t.tid},"ts":${us(ev.tNs)},"args":{"kind":"${ev.kind}","id":${ev.id}}}`,
          );
          return;
        }
        const [o] = stack.splice(i, 1);
        this.slice(t, cat, o, ev.tNs, false);
        return;
      }
      case 'counter': {
        const typed = (ev as { values?: TypedValue[] }).values;
        const v = typed ? JSON.stringify(valueJson(typed[0].value, typed[0].type)) : (ev.args[0] ?? 0n).toString();
        const unit = (ev as { unit?: unknown }).unit;
        const track = typeof unit === 'string' ? Buffer.from(JSON.stringify(`${this.counterTrack(ev.core, ev.id)} (${unit})`)) : this.counterJson(t, ev.core, ev.id);
        this.counterHead(t, track);
        out.micros(ev.tNs);
        out.ascii(',"args":{"value":');
        out.ascii(v);
        out.ascii('}}');
        return;
      }
      default: {
        this.instantHead(t, ev.kind, ev.id);
        out.micros(ev.tNs);
        out.bytes(ARGS_ID);
        out.uint(ev.id);
        const text = (ev as { text?: unknown }).text;
        if (typeof text === 'string') out.text(`,"text":${JSON.stringify(text)}`);
        // named, typed values from the ELF (core/typed-values.ts); the wire words only on request
        const typed = (ev as { values?: TypedValue[] }).values;
        if (typed) {
          const parts = typed.map((v) => `${JSON.stringify(v.name)}:${JSON.stringify(valueJson(v.value, v.type))}`);
          out.text(`,"fields":{${parts.join(',')}}`);
          if (this.info.raw && !ev.blob) out.ascii(`,"args_raw":[${ev.args.map(jsonU64).join(',')}]`);
        } else {
          const args = ev.args;
          for (let i = 0; i < args.length; i++) {
            out.ascii(',"a');
            out.uint(i);
            out.ascii('":');
            const a = args[i];
            if (a <= MAX_SAFE) out.big(a);
            else out.ascii(`"${a}"`);
          }
        }
        if (ev.blob) out.text(`,"blob_hex":"${hex(ev.blob)}","blob_text":${JSON.stringify(printable(ev.blob))}`);
        out.ascii('}}');
      }
    }
  }
}

/** ns → µs as an exact decimal: 1234567 ns → "1234.567". */
export function us(ns: bigint): string {
  // fast path: exact in doubles below 2^53 ns (104 days)
  if (ns >= 0n && ns <= 9_007_199_254_740_991n) {
    const n = Number(ns);
    const frac = n % 1000;
    return `${(n - frac) / 1000}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  }
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  return `${neg ? '-' : ''}${a / 1000n}.${(a % 1000n).toString().padStart(3, '0')}`;
}

/** A u64 as a JSON number while exact in a double, else as a decimal string. */
function jsonU64(v: bigint): string {
  return v <= MAX_SAFE ? v.toString() : `"${v}"`;
}

/** Bytes as text with non-printable bytes as \xNN; escaping for display is the viewer's job. */
export function printable(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return s;
}
