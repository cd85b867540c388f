// The expected decoding of a vector, computed from its description (not from its bytes):
// event times from the `ev` lines, losses from the counters written in the `packet` and
// `status` lines, notices from the `expect=` codes of deliberately broken frames. It applies
// SPEC §9 and the reader decisions documented in host/src/core/decoder.ts directly. It uses
// nothing of the decoder: not its wire parsing, clocks, books, notice levels or merge (the
// record order comes from ./vectors-timeline.ts, written from SPEC §9 step 8). Only record
// types are shared, so that a bug in the decoder cannot also be in the check.

import type { HeaderSpec, PacketSpec, StatusSpec } from '../../host/src/core/encode.js';
import type { Contradiction, CoreStats, LossCause, Notice, NoticeCode, StreamHeader, TraceRecord } from '../../host/src/core/types.js';
import { EVENT_KINDS } from '../../host/src/core/types.js';
import { loadWire } from './gen.mjs';
import { Timeline } from './vectors-timeline.js';
import type { BuiltVector, Directive, VectorSource } from './vectors-spec.js';

/** SPEC §3-§9: a discarded frame is an error; what decodes but cannot be proven is a warning.
 * The levels come from protocol/wire.json, the wire's one source, not from the decoder's copy. */
const LEVEL = Object.fromEntries(
  (loadWire().notices as { code: NoticeCode; level: Notice['level'] }[]).map((n) => [n.code, n.level]),
) as Record<NoticeCode, Notice['level']>;

const M32 = 2 ** 32;
const HALF = 2 ** 31;

interface Prev {
  seq: number;
  eventsEnd: number;
  dropped: number;
  overwritten: number;
  rejected: number;
  tsBegin: bigint;
  tsEnd: bigint;
}

interface CoreState {
  /** counters at the start of the books (origin, or the first packet on a late attach) */
  first: { events: number; dropped: number; rejected: number } | null;
  prev: Prev | null;
  closed: boolean;
  provenNs: bigint | null;
  lastStatus: { committed: number; dropped: number; rejected: number } | null;
  contradictions: Contradiction[];
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
  firstNs: bigint | null;
  lastNs: bigint | null;
  seen: { seq: number; tsBegin: bigint }[];
}

interface Sess {
  index: number;
  h: StreamHeader;
  own: boolean;
  bootOrigin: boolean;
  sawData: boolean;
  cores: Map<number, CoreState>;
}

function toHeader(s: HeaderSpec): StreamHeader {
  return {
    version: s.version ?? 1,
    boot: !!s.boot,
    cores: s.cores,
    mode: s.mode === 'overwrite' || s.mode === 1 ? 'overwrite' : 'discard',
    timerBits: s.timerBits,
    timerHz: s.timerHz,
    packetSize: s.packetSize,
    packets: s.packets,
    ts: BigInt(s.ts),
    session: s.session,
    buildId: typeof s.buildId === 'string' ? s.buildId.toLowerCase() : '',
    origin: (s.origin ?? Array.from({ length: s.cores }, () => ({ seq: 0, events: 0, dropped: 0, overwritten: 0, rejected: 0 }))).map((o) => ({
      ...o,
      rejected: o.rejected ?? 0,
    })),
  };
}

const mod32 = (x: number): number => ((x % M32) + M32) % M32;

export interface Expected {
  records: TraceRecord[];
  stats: CoreStats[];
}

export function expectedDecoding(v: VectorSource, built: BuiltVector): Expected {
  const records: TraceRecord[] = [];
  const merge = new Timeline<TraceRecord>((r) => records.push(r));
  const sessions: Sess[] = [];
  let cur: Sess | null = null;
  let held: { d: Directive; start: number; end: number }[] = [];
  let heldDropped = { frames: 0, events: 0, offset: -1 };
  const deferred: TraceRecord[] = [];

  const ns = (s: Sess, t: bigint): bigint => (t * 1_000_000_000n) / BigInt(s.h.timerHz);
  const immediate = (r: TraceRecord): void => {
    merge.untimed(r);
  };
  const notice = (code: NoticeCode, offset?: number, resume?: number, core?: number): TraceRecord => {
    const n: TraceRecord = { type: 'notice', level: LEVEL[code], code, message: '' };
    if (offset !== undefined) n.offset = offset;
    if (resume !== undefined) n.resume = resume;
    if (core !== undefined) n.core = core;
    return n;
  };
  const startSession = (h: StreamHeader, own: boolean): Sess => {
    merge.flush();
    const s: Sess = { index: sessions.length, h, own, bootOrigin: own && h.boot, sawData: false, cores: new Map() };
    sessions.push(s);
    for (let c = 0; c < h.cores; c++) merge.activate(c);
    cur = s;
    return s;
  };
  const coreState = (s: Sess, c: number): CoreState => {
    let st = s.cores.get(c);
    if (!st) {
      st = { first: null, prev: null, closed: false, provenNs: null, lastStatus: null, contradictions: [], decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0, firstNs: null, lastNs: null, seen: [] };
      s.cores.set(c, st);
    }
    return st;
  };
  const originPrev = (s: Sess, c: number): Prev => {
    const o = s.h.origin[c];
    return { seq: mod32(o.seq - 1), eventsEnd: o.events, dropped: o.dropped, overwritten: o.overwritten, rejected: o.rejected, tsBegin: 0n, tsEnd: 0n };
  };
  const reportDropped = (): void => {
    if (heldDropped.frames > 0) immediate(notice('no_header', heldDropped.offset));
    heldDropped = { frames: 0, events: 0, offset: -1 };
  };
  const dropOne = (f: { d: Directive; start: number }): void => {
    if (heldDropped.frames === 0) heldDropped.offset = f.start;
    heldDropped.frames++;
    heldDropped.events += f.d.op === 'packet' ? f.d.spec.events.length : 0;
  };

  // SPEC §9 step 3: losses between prev and the counters of a newer packet or FINAL status.
  const contradiction = (c: number, st: CoreState, kind: Contradiction['kind'], seq: number, tNs: bigint, offset: number): void => {
    st.contradictions.push({ kind, seq, tNs });
    merge.push(c, tNs, notice('counter_mismatch', offset, undefined, c));
  };
  // q.seq: the packet's seq, or for a FINAL status next_seq (no packet of its own).
  const books = (s: Sess, c: number, st: CoreState, p: Prev, q: { eventsBefore: number; dropped: number; overwritten: number; rejected?: number; seq: number }, final: boolean, from: bigint, to: bigint, offset: number): void => {
    let gap = mod32(q.eventsBefore - p.eventsEnd);
    let ow = mod32(q.overwritten - p.overwritten);
    let dr = mod32(q.dropped - p.dropped);
    let rj = mod32((q.rejected ?? 0) - p.rejected);
    const fromNs = ns(s, from);
    const toNs = ns(s, to < from ? from : to);
    const noneMissing = mod32(q.seq - p.seq) === 1;
    if (gap >= HALF || ow >= HALF || dr >= HALF || rj >= HALF || ow > gap) {
      contradiction(c, st, 'counters_backwards', q.seq, fromNs, offset);
      gap = ow = dr = rj = 0;
    } else if (noneMissing && gap > 0) {
      contradiction(c, st, final ? 'final_disagrees' : 'count_disagrees', q.seq, fromNs, offset);
      gap = ow = dr = rj = 0;
    }
    const losses: [LossCause, number][] = [
      ['dropped', dr],
      ['overwritten', ow],
      ['link_lost', gap - ow],
      ['rejected', rj],
    ];
    for (const [cause, count] of losses) {
      if (count > 0) merge.push(c, fromNs, { type: 'loss', session: s.index, core: c, cause, count, fromNs, toNs });
    }
    st.dropped += dr;
    st.overwritten += ow;
    st.link_lost += gap - ow;
    st.rejected += rj;
  };

  const onPacket = (p: PacketSpec, start: number, end: number): void => {
    let s = cur!;
    if (p.core >= s.h.cores) {
      immediate(notice('malformed', start, end));
      return;
    }
    let st = coreState(s, p.core);
    const tsBegin = BigInt(p.tsBegin);
    if (st.prev) {
      if (st.seen.some((x) => x.seq === p.seq && x.tsBegin === tsBegin)) {
        merge.push(p.core, merge.watermark(p.core) ?? 0n, notice('duplicate', start, end, p.core));
        return;
      }
      const d = mod32(p.seq - st.prev.seq);
      if (d === 0 || d >= HALF || tsBegin < st.prev.tsBegin) {
        s = startSession(s.h, false);
        immediate(notice('session_reset', start, undefined, p.core));
        st = coreState(s, p.core);
      }
    }
    s.sawData = true;
    if (!st.prev) {
      st.first = { events: p.eventsBefore, dropped: p.dropped, rejected: p.rejected ?? 0 };
      if (s.bootOrigin) {
        const o = originPrev(s, p.core);
        const d = mod32(p.seq - o.seq);
        // SPEC §5: the d - 1 packets before the first one held at least one event each.
        if (d === 0 || d >= HALF) contradiction(p.core, st, 'counters_backwards', p.seq, ns(s, tsBegin), start);
        else if (d - 1 > mod32(p.eventsBefore - o.eventsEnd)) contradiction(p.core, st, 'count_disagrees', p.seq, ns(s, tsBegin), start);
        else {
          st.first = { events: o.eventsEnd, dropped: o.dropped, rejected: o.rejected };
          books(s, p.core, st, o, p, false, 0n, tsBegin, start);
        }
      } else {
        merge.push(p.core, ns(s, tsBegin), notice('late_attach', start, undefined, p.core));
      }
    } else {
      books(s, p.core, st, st.prev, p, false, st.prev.tsEnd, tsBegin, start);
    }
    const tsEnd = BigInt(p.tsEnd);
    const times = p.events.map((e) => BigInt(e.t));
    const last = times.length > 0 ? times[times.length - 1] : tsBegin;
    const beyond = times.some((t) => t > tsEnd);
    const past64 = (last > tsEnd ? last : tsEnd) >= 1n << 64n;
    if (beyond || past64 || (times.length > 1 && last - tsBegin >= 1n << BigInt(s.h.timerBits))) {
      merge.push(p.core, ns(s, tsBegin), notice('time_unproven', start, undefined, p.core));
    }
    p.events.forEach((e, i) => {
      const tNs = ns(s, times[i]);
      const rec: TraceRecord = {
        type: 'event',
        session: s.index,
        core: p.core,
        seq: p.seq,
        ticks: times[i],
        tNs,
        kind: typeof e.kind === 'number' ? EVENT_KINDS[e.kind] : e.kind,
        id: e.id,
        args: (e.args ?? []).map((a) => BigInt(a)),
      };
      if (e.blob) rec.blob = e.blob;
      merge.push(p.core, tNs, rec);
      if (st.firstNs === null) st.firstNs = tNs;
      st.lastNs = tNs;
    });
    st.decoded += p.events.length;
    const endTicks = last > tsEnd ? last : tsEnd;
    st.closed = false;
    st.provenNs = ns(s, endTicks);
    st.prev = {
      seq: p.seq,
      eventsEnd: mod32(p.eventsBefore + p.events.length),
      dropped: p.dropped,
      overwritten: p.overwritten,
      rejected: p.rejected ?? 0,
      tsBegin,
      tsEnd: endTicks,
    };
    st.seen.push({ seq: p.seq, tsBegin });
    if (st.seen.length > 16) st.seen.shift();
    merge.advance(p.core, ns(s, endTicks));
  };

  const onStatus = (x: StatusSpec, start: number, end: number): void => {
    const s = cur!;
    if (x.core >= s.h.cores) {
      immediate(notice('malformed', start, end));
      return;
    }
    const st = coreState(s, x.core);
    s.sawData = true;
    const ts = BigInt(x.ts);
    const tNs = ns(s, ts);
    const key = merge.watermark(x.core) ?? tNs;
    const rec: TraceRecord = {
      type: 'status',
      session: s.index,
      core: x.core,
      final: x.final,
      ticks: ts,
      tNs,
      nextSeq: x.nextSeq,
      committed: x.committed,
      dropped: x.dropped,
      overwritten: x.overwritten,
      rejected: x.rejected ?? 0,
    };
    if (!x.final) {
      // display only: at its own time, once the core's data reaches it
      st.lastStatus = { committed: x.committed, dropped: x.dropped, rejected: x.rejected ?? 0 };
      merge.pending(x.core, tNs, rec);
      return;
    }
    // a FINAL status closes the books first (losses, contradictions), then sorts at its time
    const next: Prev = {
      seq: mod32(x.nextSeq - 1),
      eventsEnd: x.committed,
      dropped: x.dropped,
      overwritten: x.overwritten,
      rejected: x.rejected ?? 0,
      tsBegin: ts,
      tsEnd: ts,
    };
    let p = st.prev;
    const from = p ? p.tsEnd : 0n;
    if (!p && s.bootOrigin) {
      p = originPrev(s, x.core);
      st.first = { events: p.eventsEnd, dropped: p.dropped, rejected: p.rejected };
    }
    if (!p) {
      merge.push(x.core, tNs, notice('late_attach', start, undefined, x.core));
      st.first = { events: x.committed, dropped: x.dropped, rejected: x.rejected ?? 0 };
      st.prev = next;
      st.closed = true;
      st.provenNs = tNs;
      merge.push(x.core, tNs, rec);
      return;
    }
    if (mod32(next.seq - p.seq) >= HALF || ts < p.tsBegin) {
      contradiction(x.core, st, 'final_disagrees', x.nextSeq, key, start);
      merge.push(x.core, tNs, rec);
      return;
    }
    books(s, x.core, st, p, { eventsBefore: x.committed, dropped: x.dropped, overwritten: x.overwritten, rejected: x.rejected, seq: x.nextSeq }, true, from, ts, start);
    next.tsBegin = p.tsBegin;
    if (p.tsEnd > next.tsEnd) next.tsEnd = p.tsEnd;
    st.prev = next;
    st.closed = true;
    st.provenNs = tNs;
    merge.push(x.core, tNs, rec);
    merge.advance(x.core, ns(s, next.tsEnd));
  };

  const onDirective = (d: Directive, start: number, end: number): void => {
    switch (d.op) {
      case 'header': {
        const h = toHeader(d.spec);
        let s = cur as Sess | null;
        if (!s) {
          s = startSession(h, true);
          if (h.boot) {
            held.forEach(dropOne);
            held = [];
          }
          reportDropped();
          // the header that opens a session comes first; a repeat sorts at its ts
          immediate({ type: 'header', session: s.index, header: h, offset: start });
          const replay = held;
          held = [];
          for (const f of replay) onDirective(f.d, f.start, f.end);
          return;
        }
        const rec: TraceRecord = { type: 'header', session: s.index, header: h, offset: start };
        if ((h.boot && s.sawData) || (s.own && h.session !== s.h.session)) {
          s = startSession(h, true);
          immediate(notice('session_reset', start));
          immediate({ ...rec, session: s.index });
        } else {
          s.own = true;
          s.h = h;
          merge.global(ns(s, h.ts), rec);
        }
        return;
      }
      case 'packet':
      case 'status':
        if (!cur) {
          held.push({ d, start, end });
          if (held.length > 256) dropOne(held.shift()!);
          return;
        }
        if (d.op === 'packet') onPacket(d.spec, start, end);
        else onStatus(d.spec, start, end);
        return;
      case 'cmd':
        immediate(notice('command', start));
        return;
      case 'frame':
      case 'badcrc':
      case 'raw':
        for (const code of d.expect) {
          if (code === 'truncated') deferred.push(notice('truncated', start, end));
          else immediate(notice(code, start, end));
        }
        return;
    }
  };

  v.directives.forEach((d, i) => {
    onDirective(d, built.spans[i].start, built.spans[i].end);
    merge.pump();
  });
  if (!cur && held.length > 0) {
    held.forEach(dropOne);
    held = [];
    reportDropped();
  }
  merge.flush();
  records.push(...deferred);

  const stats: CoreStats[] = [];
  for (const s of sessions) {
    const ids = new Set<number>(s.cores.keys());
    for (let c = 0; c < s.h.cores; c++) ids.add(c);
    for (const c of [...ids].sort((a, b) => a - b)) {
      const st = s.cores.get(c);
      const decoded = st?.decoded ?? 0;
      const dropped = st?.dropped ?? 0;
      const overwritten = st?.overwritten ?? 0;
      const link_lost = st?.link_lost ?? 0;
      const rejected = st?.rejected ?? 0;
      // What the target says it generated: its end counters minus its start counters.
      const generated =
        st?.first && st.prev
          ? mod32(st.prev.eventsEnd - st.first.events) + mod32(st.prev.dropped - st.first.dropped) + mod32(st.prev.rejected - st.first.rejected)
          : 0;
      let tail = 0;
      const ref = st?.prev ?? (s.bootOrigin ? originPrev(s, c) : null);
      if (st && !st.closed && st.lastStatus && ref) {
        const te = mod32(st.lastStatus.committed - ref.eventsEnd);
        const td = mod32(st.lastStatus.dropped - ref.dropped);
        const tr = mod32(st.lastStatus.rejected - ref.rejected);
        tail = (te < HALF ? te : 0) + (td < HALF ? td : 0) + (tr < HALF ? tr : 0);
      }
      const contradictions = st?.contradictions ?? [];
      stats.push({
        session: s.index,
        core: c,
        generated,
        decoded,
        dropped,
        overwritten,
        link_lost,
        rejected,
        wireVersion: s.h.version,
        firstNs: st?.firstNs ?? null,
        lastNs: st?.lastNs ?? null,
        identity: contradictions.length === 0 && generated === decoded + dropped + overwritten + link_lost + rejected,
        closed: st?.closed ?? false,
        provenSeq: st?.prev ? st.prev.seq : null,
        provenNs: st?.provenNs ?? null,
        tailUnaccounted: tail,
        contradictions,
      });
    }
  }
  return { records, stats };
}
