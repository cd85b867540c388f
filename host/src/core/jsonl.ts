// The one JSON serialisation of records and stats (`decode --format jsonl`, `stats --json`,
// exports and the protocol vectors). 64-bit quantities are decimal strings: JSON numbers
// lose precision above 2^53. `session` (the index of the target session within the input)
// appears only when it is > 0, so single-session traces stay terse.

import { type TypedValue, valueJson } from './typed-values.js';
import { LOSS_CAUSES, type CoreStats, type StreamHeader, type TraceRecord } from './types.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function argJson(v: bigint): number | string {
  return v <= SAFE ? Number(v) : v.toString();
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

export function headerToJson(h: StreamHeader): Record<string, unknown> {
  return {
    version: h.version,
    boot: h.boot,
    ...(h.noFlush ? { no_flush: true } : {}),
    cores: h.cores,
    mode: h.mode,
    timer_bits: h.timerBits,
    timer_hz: h.timerHz,
    packet_size: h.packetSize,
    packets: h.packets,
    ts: h.ts.toString(),
    target_session: h.session,
    build_id: h.buildId,
    origin: h.origin.map((o) => ({ seq: o.seq, events: o.events, dropped: o.dropped, overwritten: o.overwritten, rejected: o.rejected })),
  };
}

export function recordToJson(rec: TraceRecord): Record<string, unknown> {
  switch (rec.type) {
    case 'event': {
      const o: Record<string, unknown> = { type: 'event' };
      if (rec.session > 0) o.session = rec.session;
      o.core = rec.core;
      o.t_ns = rec.tNs.toString();
      o.kind = rec.kind;
      o.id = rec.id;
      o.args = rec.args.map(argJson);
      if (rec.blob) o.blob = hex(rec.blob);
      // ELF metadata (only when the caller resolved it)
      if (rec.name !== undefined) o.name = rec.name;
      if (rec.text !== undefined) o.text = rec.text;
      const typed = (rec as { values?: TypedValue[] }).values; // core/metadata.ts EventMeta
      if (typed !== undefined) {
        const f: Record<string, unknown> = {};
        for (const v of typed) f[v.name] = valueJson(v.value, v.type);
        o.fields = f;
      } else if (rec.fields !== undefined) {
        const f: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(rec.fields)) f[k] = valueJson(v);
        o.fields = f;
      }
      const unit = (rec as { unit?: string }).unit; // a counter's unit (core/metadata.ts EventMeta)
      if (unit !== undefined) o.unit = unit;
      const level = (rec as { level?: string }).level; // a log's level (core/metadata.ts EventMeta)
      if (level !== undefined) o.level = level;
      return o;
    }
    case 'loss': {
      const o: Record<string, unknown> = { type: 'loss' };
      if (rec.session > 0) o.session = rec.session;
      o.core = rec.core;
      o.cause = rec.cause;
      o.count = rec.count;
      o.from_ns = rec.fromNs.toString();
      o.to_ns = rec.toNs.toString();
      return o;
    }
    case 'notice': {
      const o: Record<string, unknown> = { type: 'notice', level: rec.level, code: rec.code, message: rec.message };
      if (rec.core !== undefined) o.core = rec.core;
      if (rec.offset !== undefined) o.offset = rec.offset;
      if (rec.resume !== undefined) o.resume = rec.resume;
      return o;
    }
    case 'header': {
      const o: Record<string, unknown> = { type: 'header' };
      if (rec.session > 0) o.session = rec.session;
      o.offset = rec.offset;
      if (rec.assumed) o.assumed = true;
      Object.assign(o, headerToJson(rec.header));
      return o;
    }
    case 'status': {
      const o: Record<string, unknown> = { type: 'status' };
      if (rec.session > 0) o.session = rec.session;
      o.core = rec.core;
      o.final = rec.final;
      o.t_ns = rec.tNs.toString();
      o.next_seq = rec.nextSeq;
      o.committed = rec.committed;
      o.dropped = rec.dropped;
      o.overwritten = rec.overwritten;
      o.rejected = rec.rejected;
      return o;
    }
  }
}

export interface StatsJson {
  cores: Record<string, unknown>[];
  total: { generated: number; decoded: number; dropped: number; overwritten: number; link_lost: number; rejected: number };
  /** true when no core's counters contradict each other and generated = decoded + dropped +
   *  overwritten + link_lost + rejected for every core (SPEC §9 step 6) */
  identity: boolean;
  /** true when every core's books were closed by a FINAL status; false: proven only up to each core's proven point */
  closed: boolean;
  /** committed + dropped + rejected that non-final statuses counted beyond the proven points (a lower bound) */
  tail_unaccounted: number;
  /** identity, closed, and nothing dropped, overwritten, link_lost or rejected: what `stats --fail-on-loss` demands */
  lossless: boolean;
  /** number of target sessions in the input */
  sessions: number;
}

/** The `tracepipe stats --json` object (issue 2). */
export function statsToJson(stats: CoreStats[]): StatsJson {
  const total = { generated: 0, decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
  let identity = true;
  let closed = true;
  let tail = 0;
  const sessions = new Set<number>();
  const cores = stats.map((c) => {
    sessions.add(c.session);
    if (!c.identity) identity = false;
    if (!c.closed) closed = false;
    tail += c.tailUnaccounted;
    total.generated += c.generated;
    total.decoded += c.decoded;
    for (const cause of LOSS_CAUSES) total[cause] += c[cause];
    const o: Record<string, unknown> = {};
    if (c.session > 0) o.session = c.session;
    o.core = c.core;
    o.generated = c.generated;
    o.decoded = c.decoded;
    for (const cause of LOSS_CAUSES) o[cause] = c[cause];
    o.first_ns = c.firstNs === null ? null : c.firstNs.toString();
    o.last_ns = c.lastNs === null ? null : c.lastNs.toString();
    o.identity = c.identity;
    o.closed = c.closed;
    o.proven_seq = c.provenSeq;
    o.proven_t_ns = c.provenNs === null ? null : c.provenNs.toString();
    o.tail_unaccounted = c.tailUnaccounted;
    o.contradictions = c.contradictions.map((x) => ({ kind: x.kind, seq: x.seq, t_ns: x.tNs.toString() }));
    return o;
  });
  const lossless = identity && closed && tail === 0 && LOSS_CAUSES.every((cause) => total[cause] === 0);
  return { cores, total, identity, closed, tail_unaccounted: tail, lossless, sessions: sessions.size };
}
