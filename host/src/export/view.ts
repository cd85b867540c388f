// `tracepipe view`: one self-contained HTML file (no network) with a canvas timeline.
//
// The page needs every event, so this exporter keeps them, but in compact columns
// per lane (one lane per session and core): 8-byte time, kind, id, the first two
// arguments; rarer data (more arguments, values above 2^53, blobs) goes to a side
// table. ISR/span pairs are matched here (the same rule as the Chrome export) and
// embedded as bars with their nesting depth. Columns are embedded as base64 in
// inert <script type="text/plain"> elements; the small JSON part is escaped so no
// device or ELF string can close the element. The page renders every string with
// textContent or canvas fillText, never as markup.
//
// The page also gets the per-event statistics of `stats --events` (core/event-stats.ts), over
// the events of the chosen window (all of them, also past maxEvents: the figures need no samples
// beyond their bounded store), and an event list with search and filter.
import type { CoreStats, EventKind, StreamHeader, TraceEvent, TraceRecord } from '../core/types.js';
import { EVENT_KINDS } from '../core/types.js';
import { EventStats, eventStatsToJson } from '../core/event-stats.js';
import { printable } from './chrome.js';
import { isoFromUnixNs } from './jsonl.js';
import { VIEW_CLIENT_JS, VIEW_CSS } from './view-client.js';
import type { ExportInfo, Exporter, NameTable, Sink } from './types.js';

class F64 {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.a.buffer, 0, this.n * 8);
  }
}
class U32 {
  a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.a.buffer, 0, this.n * 4);
  }
}
class U8 {
  a = new Uint8Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  bytes(): Uint8Array {
    return this.a.subarray(0, this.n);
  }
}

interface OpenBar {
  kind: number; // 0 isr, 1 span
  id: number;
  start: number;
  depth: number;
  lossesAtStart: number;
}

interface Lane {
  session: number;
  core: number;
  // events
  t: F64;
  kind: U8;
  id: U32;
  nargs: U8; // 7 = blob
  a0: F64;
  a1: F64;
  /** index into `extras` + 1, 0 when none */
  extra: U32;
  // bars
  bStart: F64;
  bEnd: F64;
  bDepth: U8;
  bKind: U8;
  bId: U32;
  bFlags: U8; // 1 unfinished, 2 across_loss
  open: OpenBar[];
  maxDepth: number;
  losses: { cause: string; count: number; from_ns: string; to_ns: string; from: number; to: number }[];
  lastT: number;
}

export interface ViewOptions {
  title?: string;
  /** target time window to embed, ns (inclusive); everything when absent */
  fromNs?: bigint;
  toNs?: bigint;
  /** events embedded at most (the page holds them all); later ones are counted, not kept */
  maxEvents?: number;
}

export const VIEW_MAX_EVENTS = 5_000_000;

const KIND_INDEX = new Map<EventKind, number>(EVENT_KINDS.map((k, i) => [k, i]));

export class ViewExporter implements Exporter {
  private info: ExportInfo = {};
  private names?: NameTable;
  private readonly lanes = new Map<string, Lane>();
  private readonly extras: unknown[] = [];
  private readonly headers = new Map<number, StreamHeader>();
  private readonly nameMap = new Map<string, string>();
  private notices = { warning: 0, error: 0, info: 0 };
  private readonly noticeSamples: string[] = [];
  private kept = 0;
  private readonly eventStats = new EventStats();
  /** events not embedded: outside the window, or past maxEvents */
  omitted = { window: 0, limit: 0, firstLimitedNs: null as string | null };

  constructor(
    private readonly sink: Sink,
    private readonly opts: ViewOptions = {},
  ) {}

  begin(info: ExportInfo): void {
    this.info = info;
    this.names = info.names;
  }

  record(rec: TraceRecord): void {
    switch (rec.type) {
      case 'header':
        if (!this.headers.has(rec.session)) this.headers.set(rec.session, rec.header);
        break;
      case 'event':
        this.onEvent(rec);
        break;
      case 'loss': {
        // every loss: one before the window still cuts a pair open across it
        this.eventStats.add(rec);
        if (!this.inWindow(rec.toNs) && !this.inWindow(rec.fromNs)) break;
        const l = this.lane(rec.session, rec.core);
        l.losses.push({
          cause: rec.cause,
          count: rec.count,
          from_ns: rec.fromNs.toString(),
          to_ns: rec.toNs.toString(),
          from: Number(rec.fromNs),
          to: Number(rec.toNs),
        });
        break;
      }
      case 'notice':
        this.notices[rec.level]++;
        if (this.noticeSamples.length < 20) this.noticeSamples.push(`${rec.code}: ${rec.message}`);
        break;
      default:
        break;
    }
  }

  private lane(session: number, core: number): Lane {
    const key = `${session}/${core}`;
    let l = this.lanes.get(key);
    if (!l) {
      l = {
        session,
        core,
        t: new F64(),
        kind: new U8(),
        id: new U32(),
        nargs: new U8(),
        a0: new F64(),
        a1: new F64(),
        extra: new U32(),
        bStart: new F64(),
        bEnd: new F64(),
        bDepth: new U8(),
        bKind: new U8(),
        bId: new U32(),
        bFlags: new U8(),
        open: [],
        maxDepth: 0,
        losses: [],
        lastT: 0,
      };
      this.lanes.set(key, l);
    }
    return l;
  }

  private inWindow(ns: bigint): boolean {
    return (this.opts.fromNs === undefined || ns >= this.opts.fromNs) && (this.opts.toNs === undefined || ns <= this.opts.toNs);
  }

  private onEvent(ev: TraceEvent): void {
    if (!this.inWindow(ev.tNs)) {
      this.omitted.window++;
      return;
    }
    // the table names events as the timeline does, by the name table
    const named = ev.name === undefined ? this.names?.eventName(ev.kind, ev.id) : undefined;
    this.eventStats.add(named === undefined ? ev : { ...ev, name: named });
    if (this.kept >= (this.opts.maxEvents ?? VIEW_MAX_EVENTS)) {
      if (this.omitted.limit++ === 0) this.omitted.firstLimitedNs = ev.tNs.toString();
      return;
    }
    this.kept++;
    const l = this.lane(ev.session, ev.core);
    const t = Number(ev.tNs);
    l.lastT = t;
    const k = KIND_INDEX.get(ev.kind) ?? 0;
    l.t.push(t);
    l.kind.push(k);
    l.id.push(ev.id >>> 0);
    l.nargs.push(ev.blob ? 7 : Math.min(ev.args.length, 6));
    l.a0.push(ev.args.length > 0 ? Number(ev.args[0]) : 0);
    l.a1.push(ev.args.length > 1 ? Number(ev.args[1]) : 0);
    const big = ev.args.some((a) => a > BigInt(Number.MAX_SAFE_INTEGER));
    // text formatted from ELF metadata (withNames), when the command was given --elf
    const text = (ev as { text?: unknown }).text;
    if (ev.blob || ev.args.length > 2 || big || typeof text === 'string') {
      const x: Record<string, unknown> = { args: ev.args.map((a) => a.toString()) };
      if (ev.blob) x.blob = printable(ev.blob);
      if (typeof text === 'string') x.text = text;
      this.extras.push(x);
      l.extra.push(this.extras.length);
    } else {
      l.extra.push(0);
    }
    const n = this.names?.eventName(ev.kind, ev.id);
    if (n !== undefined) this.nameMap.set(`${k}/${ev.id}`, n);

    if (ev.kind === 'isr_enter' || ev.kind === 'span_begin') {
      // bounded like the Chrome export: a begin-only trace must not make matching quadratic
      if (l.open.length >= 256) this.bar(l, l.open.shift()!, t, true);
      const depth = l.open.length;
      l.open.push({ kind: ev.kind === 'isr_enter' ? 0 : 1, id: ev.id, start: t, depth, lossesAtStart: l.losses.length });
      if (depth + 1 > l.maxDepth) l.maxDepth = depth + 1;
    } else if (ev.kind === 'isr_exit' || ev.kind === 'span_end') {
      const bk = ev.kind === 'isr_exit' ? 0 : 1;
      let i = l.open.length - 1;
      while (i >= 0 && !(l.open[i].kind === bk && l.open[i].id === ev.id)) i--;
      if (i >= 0) {
        const [o] = l.open.splice(i, 1);
        this.bar(l, o, t, false);
      }
    }
  }

  private bar(l: Lane, o: OpenBar, end: number, unfinished: boolean): void {
    l.bStart.push(o.start);
    l.bEnd.push(end);
    l.bDepth.push(Math.min(o.depth, 255));
    l.bKind.push(o.kind);
    l.bId.push(o.id >>> 0);
    l.bFlags.push((unfinished ? 1 : 0) | (l.losses.length !== o.lossesAtStart ? 2 : 0));
  }

  end(stats: CoreStats[]): void {
    const lanes = [...this.lanes.values()].sort((a, b) => a.session - b.session || a.core - b.core);
    const columns: Uint8Array[] = [];
    const col = (b: Uint8Array): number => {
      columns.push(b);
      return columns.length - 1;
    };
    const laneMeta = lanes.map((l) => {
      for (const o of l.open) this.bar(l, o, l.lastT, true);
      l.open = [];
      return {
        session: l.session,
        core: l.core,
        events: l.t.n,
        bars: l.bStart.n,
        max_depth: l.maxDepth,
        losses: l.losses,
        cols: {
          t: col(l.t.bytes()),
          kind: col(l.kind.bytes()),
          id: col(l.id.bytes()),
          nargs: col(l.nargs.bytes()),
          a0: col(l.a0.bytes()),
          a1: col(l.a1.bytes()),
          extra: col(l.extra.bytes()),
          bStart: col(l.bStart.bytes()),
          bEnd: col(l.bEnd.bytes()),
          bDepth: col(l.bDepth.bytes()),
          bKind: col(l.bKind.bytes()),
          bId: col(l.bId.bytes()),
          bFlags: col(l.bFlags.bytes()),
        },
      };
    });
    const wc = this.info.wallClock;
    const meta = {
      version: 1,
      title: this.opts.title ?? this.info.source ?? 'trace',
      source: this.info.source ?? null,
      kinds: EVENT_KINDS,
      sessions: [...this.headers.entries()].map(([session, h]) => ({
        session,
        timer_hz: h.timerHz,
        cores: h.cores,
        mode: h.mode,
        build_id: h.buildId,
      })),
      wall_clock: wc
        ? { origin_unix_ns: wc.originUnixNs.toString(), origin_utc: isoFromUnixNs(wc.originUnixNs), drift_ppm: wc.driftPpm, error_ns: wc.errorNs, samples: wc.samples }
        : null,
      stats: stats.map((c) => ({
        session: c.session,
        core: c.core,
        generated: c.generated,
        decoded: c.decoded,
        dropped: c.dropped,
        overwritten: c.overwritten,
        link_lost: c.link_lost,
        rejected: c.rejected,
        identity: c.identity,
        closed: c.closed,
        first_ns: c.firstNs === null ? null : c.firstNs.toString(),
        last_ns: c.lastNs === null ? null : c.lastNs.toString(),
      })),
      notices: { ...this.notices, samples: this.noticeSamples },
      omitted: this.omitted,
      names: Object.fromEntries(this.nameMap),
      event_stats: eventStatsToJson(this.eventStats.rows()),
      extras: this.extras,
      lanes: laneMeta,
    };
    const s = this.sink;
    s.write('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n');
    // No network, no inline handlers: the CSP makes that a property of the file.
    s.write(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">\n`,
    );
    s.write(`<title>tracepipe view: ${escapeHtml(String(meta.title))}</title>\n`);
    s.write(`<style>${VIEW_CSS}</style>\n</head><body>\n`);
    s.write(`<script type="application/json" id="tp-meta">${jsonForScript(meta)}</script>\n`);
    columns.forEach((b, i) => {
      s.write(`<script type="text/plain" class="tp-col" data-col="${i}">`);
      // base64 in 3-byte-aligned slices so the pieces concatenate to one valid string
      const step = 3 * 256 * 1024;
      for (let off = 0; off < b.length; off += step) s.write(Buffer.from(b.buffer, b.byteOffset + off, Math.min(step, b.length - off)).toString('base64'));
      s.write('</script>\n');
    });
    s.write(`<script>${VIEW_CLIENT_JS}</script>\n</body></html>\n`);
    s.close();
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end its <script> element or open a comment, whatever the strings hold. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
