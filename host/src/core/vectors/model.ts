// The expected decoding of a vector, computed from its description (not from its bytes):
// event times from the `ev` lines, losses from the counters written in the `packet` and
// `status` lines, notices from the `expect=` codes of deliberately broken frames. It applies
// SPEC §9 and the reader decisions documented in decoder.ts directly, without the decoder's
// wire parsing, clocks or books; it shares only the timeline merge (merge.ts, tested on its
// own) so that the record order is the decoder's documented order.

import { NOTICE_LEVEL } from '../decoder.js';
import type { HeaderSpec, PacketSpec, StatusSpec } from '../encode.js';
import { TimelineMerge } from '../merge.js';
import type { CoreStats, LossCause, NoticeCode, StreamHeader, TraceRecord } from '../types.js';
import { EVENT_KINDS } from '../types.js';
import type { BuiltVector, Directive, VectorSource } from './spec.js';

const M32 = 2 ** 32;
const HALF = 2 ** 31;

interface Prev {
  seq: number;
  eventsEnd: number;
  dropped: number;
  overwritten: number;
  tsBegin: bigint;
  tsEnd: bigint;
}

interface CoreState {
  prev: Prev | null;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
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
    origin: s.origin ?? Array.from({ length: s.cores }, () => ({ seq: 0, events: 0, dropped: 0, overwritten: 0 })),
  };
}

const mod32 = (x: number): number => ((x % M32) + M32) % M32;

export interface Expected {
  records: TraceRecord[];
  stats: CoreStats[];
}

export function expectedDecoding(v: VectorSource, built: BuiltVector): Expected {
  const records: TraceRecord[] = [];
  const merge = new TimelineMerge<TraceRecord>((r) => records.push(r));
  const sessions: Sess[] = [];
  let cur: Sess | null = null;
  let held: { d: Directive; start: number; end: number }[] = [];
  let heldDropped = { frames: 0, events: 0, offset: -1 };
  const deferred: TraceRecord[] = [];

  const ns = (s: Sess, t: bigint): bigint => (t * 1_000_000_000n) / BigInt(s.h.timerHz);
  const immediate = (r: TraceRecord): void => {
    records.push(r);
  };
  const notice = (code: NoticeCode, offset?: number, resume?: number, core?: number): TraceRecord => {
    const n: TraceRecord = { type: 'notice', level: NOTICE_LEVEL[code], code, message: '' };
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
      st = { prev: null, decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, firstNs: null, lastNs: null, seen: [] };
      s.cores.set(c, st);
    }
    return st;
  };
  const originPrev = (s: Sess, c: number): Prev => {
    const o = s.h.origin[c];
    return { seq: mod32(o.seq - 1), eventsEnd: o.events, dropped: o.dropped, overwritten: o.overwritten, tsBegin: 0n, tsEnd: 0n };
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
  const books = (s: Sess, c: number, st: CoreState, p: Prev, q: { eventsBefore: number; dropped: number; overwritten: number }, from: bigint, to: bigint, offset: number): void => {
    let gap = mod32(q.eventsBefore - p.eventsEnd);
    let ow = mod32(q.overwritten - p.overwritten);
    let dr = mod32(q.dropped - p.dropped);
    const fromNs = ns(s, from);
    const toNs = ns(s, to < from ? from : to);
    if (gap >= HALF || ow >= HALF || dr >= HALF || ow > gap) {
      merge.push(c, fromNs, notice('counter_mismatch', offset, undefined, c));
      gap = ow = dr = 0;
    }
    const losses: [LossCause, number][] = [
      ['dropped', dr],
      ['overwritten', ow],
      ['link_lost', gap - ow],
    ];
    for (const [cause, count] of losses) {
      if (count > 0) merge.push(c, fromNs, { type: 'loss', session: s.index, core: c, cause, count, fromNs, toNs });
    }
    st.dropped += dr;
    st.overwritten += ow;
    st.link_lost += gap - ow;
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
        immediate(notice('duplicate', start, end, p.core));
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
      if (s.bootOrigin) {
        const o = originPrev(s, p.core);
        const d = mod32(p.seq - o.seq);
        // SPEC §5: the d - 1 packets before the first one held at least one event each.
        if (d === 0 || d >= HALF || d - 1 > mod32(p.eventsBefore - o.eventsEnd)) merge.push(p.core, ns(s, tsBegin), notice('counter_mismatch', start, undefined, p.core));
        else books(s, p.core, st, o, p, 0n, tsBegin, start);
      } else {
        immediate(notice('late_attach', start, undefined, p.core));
      }
    } else {
      books(s, p.core, st, st.prev, p, st.prev.tsEnd, tsBegin, start);
    }
    const tsEnd = BigInt(p.tsEnd);
    const times = p.events.map((e) => BigInt(e.t));
    const last = times.length > 0 ? times[times.length - 1] : tsBegin;
    const beyond = times.some((t) => t > tsEnd);
    if (beyond || (times.length > 1 && last - tsBegin >= 1n << BigInt(s.h.timerBits))) {
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
    st.prev = {
      seq: p.seq,
      eventsEnd: mod32(p.eventsBefore + p.events.length),
      dropped: p.dropped,
      overwritten: p.overwritten,
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
    merge.push(x.core, key, {
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
    });
    if (!x.final) {
      if (st.prev && st.prev.eventsEnd === x.committed) merge.advance(x.core, tNs);
      return;
    }
    const next: Prev = { seq: mod32(x.nextSeq - 1), eventsEnd: x.committed, dropped: x.dropped, overwritten: x.overwritten, tsBegin: ts, tsEnd: ts };
    let p = st.prev;
    const from = p ? p.tsEnd : 0n;
    if (!p && s.bootOrigin) p = originPrev(s, x.core);
    if (!p) {
      immediate(notice('late_attach', start, undefined, x.core));
      st.prev = next;
      return;
    }
    if (mod32(next.seq - p.seq) >= HALF || ts < p.tsBegin) {
      merge.push(x.core, key, notice('counter_mismatch', start, undefined, x.core));
      return;
    }
    books(s, x.core, st, p, { eventsBefore: x.committed, dropped: x.dropped, overwritten: x.overwritten }, from, ts, start);
    next.tsBegin = p.tsBegin;
    if (p.tsEnd > next.tsEnd) next.tsEnd = p.tsEnd;
    st.prev = next;
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
          immediate({ type: 'header', session: s.index, header: h, offset: start });
          const replay = held;
          held = [];
          for (const f of replay) onDirective(f.d, f.start, f.end);
          return;
        }
        if ((h.boot && s.sawData) || (s.own && h.session !== s.h.session)) {
          s = startSession(h, true);
          immediate(notice('session_reset', start));
        } else {
          s.own = true;
          s.h = h;
        }
        immediate({ type: 'header', session: s.index, header: h, offset: start });
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
      stats.push({
        session: s.index,
        core: c,
        generated: decoded + dropped + overwritten + link_lost,
        decoded,
        dropped,
        overwritten,
        link_lost,
        firstNs: st?.firstNs ?? null,
        lastNs: st?.lastNs ?? null,
      });
    }
  }
  return { records, stats };
}
