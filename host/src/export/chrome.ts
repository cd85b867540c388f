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
import type { CoreStats, EventKind, TraceEvent, TraceRecord } from '../core/types.js';
import { type TypedValue, valueJson } from '../core/typed-values.js';
import { hex } from './csv.js';
import { statsJson, wallClockJson } from './jsonl.js';
import type { ExportInfo, Exporter, NameTable, Sink } from './types.js';

const MAX_OPEN = 256;

interface OpenSlice {
  id: number;
  startNs: bigint;
  lossesAtStart: number;
}

interface CoreTrack {
  pid: number;
  tid: number;
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
  private readonly tracks = new Map<string, CoreTrack>();
  private readonly processes = new Set<number>();
  private readonly sessions = new Map<number, Record<string, unknown>>();

  constructor(private readonly sink: Sink) {}

  begin(info: ExportInfo): void {
    this.info = info;
    this.names = info.names;
    this.sink.write('{"displayTimeUnit":"ns","traceEvents":[\n');
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
    this.sink.write(`\n],"otherData":${m},"metadata":${m}}\n`);
    this.sink.close();
  }

  private emit(line: string): void {
    this.sink.write(this.first ? line : ',\n' + line);
    this.first = false;
  }

  private track(session: number, core: number): CoreTrack {
    const key = `${session}/${core}`;
    let t = this.tracks.get(key);
    if (!t) {
      const pid = session + 1;
      t = { pid, tid: core + 1, lastNs: 0n, isr: [], span: [], losses: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
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

  private slice(t: CoreTrack, cat: 'isr' | 'span', o: OpenSlice, endNs: bigint, unfinished: boolean): void {
    const name = this.label(cat === 'isr' ? 'isr_enter' : 'span_begin', o.id);
    const args: string[] = [`"${cat === 'isr' ? 'irq' : 'id'}":${o.id}`];
    if (unfinished) args.push('"unfinished":true');
    // A loss inside the slice means its true end may have been lost with it.
    if (t.losses !== o.lossesAtStart) args.push('"across_loss":true');
    this.emit(
      `{"ph":"X","cat":"${cat}","name":${JSON.stringify(name)},"pid":${t.pid},"tid":${t.tid},"ts":${us(o.startNs)},"dur":${us(endNs - o.startNs)},"args":{${args.join(',')}}}`,
    );
  }

  private onEvent(ev: TraceEvent): void {
    const t = this.track(ev.session, ev.core);
    t.lastNs = ev.tNs;
    const ts = us(ev.tNs);
    switch (ev.kind) {
      case 'isr_enter':
      case 'span_begin': {
        const stack = ev.kind === 'isr_enter' ? t.isr : t.span;
        // Begins without ends (a firmware bug, or ends lost) must not grow memory without
        // bound: past a depth no real nesting reaches, the oldest is closed as unfinished.
        if (stack.length >= MAX_OPEN) this.slice(t, ev.kind === 'isr_enter' ? 'isr' : 'span', stack.shift()!, ev.tNs, true);
        stack.push({ id: ev.id, startNs: ev.tNs, lossesAtStart: t.losses });
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
            `{"ph":"i","s":"t","cat":"${cat}","name":${JSON.stringify(`unmatched ${this.label(ev.kind, ev.id)} end`)},"pid":${t.pid},"tid":${t.tid},"ts":${ts},"args":{"kind":"${ev.kind}","id":${ev.id}}}`,
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
        const track = `core${ev.core} ${this.label('counter', ev.id)}${typeof unit === 'string' ? ` (${unit})` : ''}`;
        this.emit(
          `{"ph":"C","name":${JSON.stringify(track)},"pid":${t.pid},"tid":${t.tid},"ts":${ts},"args":{"value":${v}}}`,
        );
        return;
      }
      default: {
        const args: string[] = [`"id":${ev.id}`];
        const text = (ev as { text?: unknown }).text;
        if (typeof text === 'string') args.push(`"text":${JSON.stringify(text)}`);
        // named, typed values from the ELF (core/typed-values.ts); the wire words only on request
        const typed = (ev as { values?: TypedValue[] }).values;
        if (typed) {
          const parts = typed.map((v) => `${JSON.stringify(v.name)}:${JSON.stringify(valueJson(v.value, v.type))}`);
          args.push(`"fields":{${parts.join(',')}}`);
          if (this.info.raw && !ev.blob) args.push(`"args_raw":[${ev.args.map(jsonU64).join(',')}]`);
        } else {
          ev.args.forEach((a, i) => args.push(`"a${i}":${jsonU64(a)}`));
        }
        if (ev.blob) {
          args.push(`"blob_hex":"${hex(ev.blob)}"`);
          args.push(`"blob_text":${JSON.stringify(printable(ev.blob))}`);
        }
        this.emit(
          `{"ph":"i","s":"t","cat":"${ev.kind}","name":${JSON.stringify(this.label(ev.kind, ev.id))},"pid":${t.pid},"tid":${t.tid},"ts":${ts},"args":{${args.join(',')}}}`,
        );
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
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? v.toString() : `"${v}"`;
}

/** Bytes as text with non-printable bytes as \xNN; escaping for display is the viewer's job. */
export function printable(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return s;
}
