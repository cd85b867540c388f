// The oracle of the fault tests. From the clean stream alone (its frame map) and the fault list
// of the seeded link model, it computes which frames cannot arrive intact and what the decoder
// must therefore report: the packets it decodes, and decoded / dropped / overwritten / link_lost
// per SPEC §9 (baseline, cumulative counters, FINAL status). It never looks at what the decoder
// did, so a decoder that invents, merges or miscounts fails against it. It reads the clean
// stream with its own plain wire reader (./wire-reader.ts), not the decoder's parsers.
import { TraceDecoder } from '../../host/src/core/decoder.js';
import type { Fault } from '../../host/src/core/faults.js';
import { prng } from '../../host/src/core/faults.js';
import type { CoreStats, Notice, TraceEvent } from '../../host/src/core/types.js';
import { crc32cPlain as crc32c, readHeader, readPacketHead, readStatus, unCobs as cobsDecode, type WireHeader } from './wire-reader.js';

// SPEC §4 message types
const MSG_HEADER = 0x01;
const MSG_PACKET = 0x02;
const MSG_STATUS = 0x03;

export interface FrameInfo {
  index: number;
  /** clean offset of the first byte and of the delimiter */
  start: number;
  delim: number;
  type: 'header' | 'packet' | 'status' | 'empty' | 'other';
  header?: WireHeader;
  core?: number;
  seq?: number;
  nEvents?: number;
  eventsBefore?: number;
  dropped?: number;
  overwritten?: number;
  rejected?: number;
  final?: boolean;
  committed?: number;
}

/** Splits a clean stream into frames (every byte belongs to exactly one frame, delimiter included). */
export function frameMap(clean: Uint8Array): FrameInfo[] {
  const frames: FrameInfo[] = [];
  let start = 0;
  // the layout of PACKET and STATUS is the version of the header before them (clean streams
  // from the firmware start with one)
  let version = 2;
  for (let i = 0; i < clean.length; i++) {
    if (clean[i] !== 0) continue;
    const f: FrameInfo = { index: frames.length, start, delim: i, type: 'empty' };
    if (i > start) {
      const m = cobsDecode(clean.subarray(start, i));
      if (!m || m.length < 5) throw new Error(`clean stream: bad frame at ${start}`);
      const end = m.length - 4;
      const want = (m[end] | (m[end + 1] << 8) | (m[end + 2] << 16) | (m[end + 3] << 24)) >>> 0;
      if (crc32c(m, 0, end) !== want) throw new Error(`clean stream: CRC of the frame at ${start} fails`);
      if (m[0] === MSG_HEADER) {
        f.type = 'header';
        f.header = readHeader(m.subarray(0, end));
        version = f.header.version;
      } else if (m[0] === MSG_PACKET) {
        const h = readPacketHead(m.subarray(0, end), version);
        const { core, seq, nEvents, eventsBefore, dropped, overwritten, rejected } = h;
        Object.assign(f, { type: 'packet', core, seq, nEvents, eventsBefore, dropped, overwritten, rejected });
      } else if (m[0] === MSG_STATUS) {
        const s = readStatus(m.subarray(0, end), version);
        Object.assign(f, { type: 'status', core: s.core, final: s.final, committed: s.committed, dropped: s.dropped, overwritten: s.overwritten, rejected: s.rejected, seq: s.nextSeq });
      } else {
        f.type = 'other';
      }
    }
    frames.push(f);
    start = i + 1;
  }
  return frames;
}

/** Index of the frame holding clean offset pos. */
function frameAt(frames: FrameInfo[], pos: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].delim < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Expectation {
  /** frames that cannot arrive intact */
  lost: Set<number>;
  /** per fault: the frames it broke, and the clean bytes from the fault to the first frame it left intact */
  perFault: { frames: number; resyncBytes: number | null }[];
  /** packets the decoder must decode, as "core:seq" in stream order */
  packets: string[];
  /** expected per-core totals (single-core streams: index 0) */
  totals: { decoded: number; dropped: number; overwritten: number; link_lost: number; rejected: number };
  /** the counters are bridged from the BOOT header's origin (else from the first decoded packet) */
  fromOrigin: boolean;
  /** what the target's counters say was generated between the baseline and the last proven point */
  generated: number;
  /** accounting rows the decoder must give: 1 when a header arrived intact (one core), else 0 */
  rows: number;
}

/**
 * Which frames the faults break. A frame is broken when one of its bytes changed, was removed,
 * or got a foreign byte inserted; when its delimiter is gone or changed, the next frame is
 * joined to it and broken too. An inserted 0x00 at a frame boundary only adds an empty frame.
 */
export function brokenFrames(clean: Uint8Array, frames: FrameInfo[], faults: Fault[]): { lost: Set<number>; byFault: Set<number>[] } {
  const lost = new Set<number>();
  const byFault: Set<number>[] = [];
  for (const f of faults) {
    const mine = new Set<number>();
    const breakAt = (pos: number) => {
      let k = frameAt(frames, pos);
      mine.add(k);
      // a changed delimiter joins the next frame (and so on while those delimiters changed too)
      while (pos === frames[k].delim && k + 1 < frames.length) {
        k++;
        mine.add(k);
        pos = -1;
      }
    };
    if (f.kind === 'insert') {
      const v = f.bytes[0];
      const atBoundary = f.pos === 0 || clean[f.pos - 1] === 0 || clean[f.pos] === 0;
      if (!(v === 0 && atBoundary)) mine.add(frameAt(frames, f.pos));
    } else if (f.kind === 'drop') {
      breakAt(f.pos);
    } else {
      for (let i = 0; i < f.len && f.pos + i < clean.length; i++) {
        if (f.bytes[i] !== clean[f.pos + i]) breakAt(f.pos + i);
      }
    }
    for (const k of mine) lost.add(k);
    byFault.push(mine);
  }
  return { lost, byFault };
}

/** What a SPEC §9 reader must report for a single-core stream with these frames lost (broken by
 * the faults, or listed in alsoLost: e.g. everything before a late attach). */
export function expect1(clean: Uint8Array, faults: Fault[], frames = frameMap(clean), alsoLost: Iterable<number> = []): Expectation {
  const { lost, byFault } = brokenFrames(clean, frames, faults);
  for (const k of alsoLost) lost.add(k);
  const intact = frames.filter((f) => !lost.has(f.index) && f.type !== 'empty');
  // Resync distance of one fault: from the fault to the first frame it did not break (later
  // faults aside). That frame, when no other fault broke it, is decoded: the packet list check
  // of the tests proves decoding resumes exactly there.
  const perFault = faults.map((f, i) => {
    const mine = byFault[i];
    if (mine.size === 0) return { frames: 0, resyncBytes: null };
    let k = Math.max(...mine) + 1;
    while (k < frames.length && frames[k].type === 'empty') k++;
    return { frames: mine.size, resyncBytes: k < frames.length ? frames[k].start - f.pos : null };
  });

  // The decoder holds frames until a header; a BOOT header first makes the origin the baseline.
  const firstHeader = intact.findIndex((f) => f.type === 'header');
  const totals = { decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
  const packets: string[] = [];
  if (firstHeader < 0) return { lost, perFault, packets, totals, fromOrigin: false, generated: 0, rows: 0 };
  const hdr = intact[firstHeader].header!;
  const held = intact.slice(0, firstHeader).filter((f) => f.type === 'packet' || f.type === 'status');
  // holdLimit 256 (decoder default): older held frames are discarded
  const usable = new Set(held.slice(-256).map((f) => f.index));
  const fromOrigin = hdr.boot && held.length === 0;
  const accepted = intact.filter((f, i) => (i > firstHeader || usable.has(f.index)) && (f.type === 'packet' || f.type === 'status'));

  type Base = { at: number; eventsEnd: number; dropped: number; overwritten: number; rejected: number };
  let base: Base | null = null;
  let startAt = -1; // clean frame index of the baseline
  if (fromOrigin) {
    const o = hdr.origin[0];
    base = { at: -1, eventsEnd: o.events, dropped: o.dropped, overwritten: o.overwritten, rejected: o.rejected };
  }
  let end: Base | null = base;
  let generated = 0;
  for (const f of accepted) {
    if (f.type === 'packet') {
      packets.push(`${f.core}:${f.seq}`);
      totals.decoded += f.nEvents!;
      if (!base) {
        base = { at: f.index, eventsEnd: f.eventsBefore! + f.nEvents!, dropped: f.dropped!, overwritten: f.overwritten!, rejected: f.rejected! };
        startAt = f.index;
      }
      end = { at: f.index, eventsEnd: f.eventsBefore! + f.nEvents!, dropped: f.dropped!, overwritten: f.overwritten!, rejected: f.rejected! };
    } else if (f.final && base) {
      end = { at: f.index, eventsEnd: f.committed!, dropped: f.dropped!, overwritten: f.overwritten!, rejected: f.rejected! };
    }
  }
  if (base && end) {
    totals.dropped = (end.dropped - base.dropped) >>> 0;
    totals.overwritten = (end.overwritten - base.overwritten) >>> 0;
    totals.rejected = (end.rejected - base.rejected) >>> 0;
    // events of lost packets between the baseline and the last frame that closes the books
    for (const f of frames) {
      if (f.type === 'packet' && lost.has(f.index) && f.index > startAt && f.index < end.at) totals.link_lost += f.nEvents!;
    }
    // Evicted packets (overwrite mode) never appear in the stream: they are the overwritten
    // counter's difference, not lost frames. The check ties packets and counters together.
    const firstEvents = fromOrigin ? 0 : frames[startAt].nEvents!;
    generated = ((end.eventsEnd - base.eventsEnd) >>> 0) + totals.dropped + totals.rejected + firstEvents;
    if (generated - totals.overwritten !== totals.decoded + totals.link_lost + totals.dropped + totals.rejected) {
      throw new Error('oracle: clean-stream counters disagree with its packets');
    }
  }
  return { lost, perFault, packets, totals, fromOrigin, generated, rows: 1 };
}

export interface Decoded {
  events: TraceEvent[];
  packets: string[];
  notices: Notice[];
  stats: CoreStats[];
}

/** Decodes bytes pushed in random chunks (1 B .. 64 KiB) chosen by seed. */
export function decodeChunked(bytes: Uint8Array, seed: number): Decoded {
  const events: TraceEvent[] = [];
  const notices: Notice[] = [];
  const packets: string[] = [];
  let last = '';
  const dec = new TraceDecoder(
    (r) => {
      if (r.type === 'event') {
        events.push(r);
        const key = `${r.core}:${r.seq}`;
        if (key !== last) packets.push((last = key));
      } else if (r.type === 'notice') notices.push(r);
    },
    { merge: false },
  );
  const rnd = prng(seed);
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + (rnd() % (rnd() % 2 ? 64 : 65536));
    dec.push(bytes.subarray(at, at + n));
    at += n;
  }
  dec.end();
  return { events, packets, notices, stats: dec.stats() };
}

/** Empty-packet-proof list of decoded packets: the packets carrying events. */
export function withEvents(frames: FrameInfo[], keys: string[]): string[] {
  const n = new Map(frames.filter((f) => f.type === 'packet').map((f) => [`${f.core}:${f.seq}`, f.nEvents!]));
  return keys.filter((k) => (n.get(k) ?? 0) > 0);
}

/** A stable identity of an event: everything the wire says about it. */
export function eventKey(e: TraceEvent): string {
  return `${e.core}/${e.seq}/${e.ticks}/${e.kind}/${e.id}/${e.args.join(',')}`;
}

/**
 * The self-check of reliability.md §4.2: a model reader that checks only 8 bits of the CRC.
 * Returns how many frames with a corrupted message reached the check and how many it accepted.
 */
export function eightBitSelfCheck(faulted: Uint8Array, cleanFrames: Set<string>): { candidates: number; undetected: number } {
  let candidates = 0;
  let undetected = 0;
  let start = 0;
  for (let i = 0; i <= faulted.length; i++) {
    if (i < faulted.length && faulted[i] !== 0) continue;
    if (i > start) {
      const raw = faulted.subarray(start, i);
      const m = cobsDecode(raw);
      // a frame whose message is intact (only CRC bytes hit) would invent nothing if accepted
      if (m && m.length >= 5 && !cleanFrames.has(Buffer.from(m.subarray(0, m.length - 4)).toString('latin1'))) {
        candidates++;
        const end = m.length - 4;
        if ((crc32c(m, 0, end) & 0xff) === m[end]) undetected++;
      }
    }
    start = i + 1;
  }
  return { candidates, undetected };
}

/** The clean stream's messages (type and body, without CRC), as latin1 strings. */
export function cleanFrameSet(clean: Uint8Array, frames: FrameInfo[]): Set<string> {
  const out = new Set<string>();
  for (const f of frames) {
    if (f.delim === f.start) continue;
    const m = cobsDecode(clean.subarray(f.start, f.delim))!;
    out.add(Buffer.from(m.subarray(0, m.length - 4)).toString('latin1'));
  }
  return out;
}

export function quantile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
