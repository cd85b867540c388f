// The container fault sweep (issue 10 item 4): one seeded mutation (bit flip, inserted byte,
// deleted byte, burst of 1..64 noise bytes) in a capture FILE, then the file goes through the
// CLI's own reader and decoder (decodeTraceFile, fed from memory). From the clean file's record
// layout alone it computes which records the mutation touched, hence which stream bytes a v2
// reader must lose (exactly the touched DATA records') and what the decoder must then report
// (the wire oracle of test/faults/harness.ts, with the frames that overlap the lost bytes).
// Used by test/hostile/container.test.ts and bench/reliability.mjs.
import { CAPTURE_PREAMBLE_LEN, CaptureEncoder, CaptureParser, encodeCaptureStart, encodeDataRecords, encodeEventRecord, V2_DATA_PREFIX, V2_HEADER_LEN, V2_TRAILER_LEN, type CaptureEvent, type CaptureMeta } from '../../host/src/core/capture-format.js';
import { prng, type Fault } from '../../host/src/core/faults.js';
import type { CoreStats, TraceEvent } from '../../host/src/core/types.js';
import { decodeTraceFile } from '../../host/src/cli/trace-file.js';
import { CliError } from '../../host/src/cli/errors.js';
import type { ByteSource } from '../../host/src/io/input.js';
import { eventKey, expect1, frameMap, type FrameInfo } from '../faults/harness.js';

export type MutationKind = 'flip' | 'insert' | 'delete' | 'burst';
export const MUTATION_KINDS: readonly MutationKind[] = ['flip', 'insert', 'delete', 'burst'];

export interface Mutation {
  kind: MutationKind;
  /** clean-file offset of the first byte acted on (insert: the byte it goes before) */
  pos: number;
  /** container bytes damaged: 1, or the burst length */
  len: number;
  bytes: Uint8Array;
}

/** A clean capture's records, in file order. */
export interface RecordInfo {
  at: number;
  size: number;
  type: number;
  /** DATA: where its bytes are in the raw stream and in the file */
  streamStart?: number;
  dataAt?: number;
  dataLen?: number;
}

export interface CleanCapture {
  version: 1 | 2;
  file: Uint8Array;
  records: RecordInfo[];
  stream: Uint8Array;
  frames: FrameInfo[];
  keys: Set<string>;
}

interface Read {
  hostNs: bigint;
  bytes: Uint8Array;
}

/** The reads (DATA payloads with their host times) and link events of a capture, in order. */
export function readsOf(file: Uint8Array): { meta: CaptureMeta; items: (Read | { hostNs: bigint; event: CaptureEvent })[] } {
  let meta: CaptureMeta = { source: 'unknown' };
  const items: (Read | { hostNs: bigint; event: CaptureEvent })[] = [];
  const p = new CaptureParser({
    meta: (m) => (meta = m),
    data: (hostNs, bytes) => items.push({ hostNs, bytes: bytes.slice() }),
    event: (hostNs, event) => items.push({ hostNs, event }),
  });
  p.push(file);
  const end = p.end();
  if (!end.complete || end.damaged.regions > 0) throw new Error(`clean capture is not clean: ${end.problem}`);
  return { meta, items };
}

/** The same capture (same reads, times and events) written as version 1 or 2. */
export function rewrite(file: Uint8Array, version: 1 | 2): Uint8Array {
  const { meta, items } = readsOf(file);
  const enc = new CaptureEncoder();
  const parts: Uint8Array[] = [version === 1 ? encodeCaptureStart(meta) : enc.start(meta)];
  for (const it of items) {
    if ('bytes' in it) parts.push(...(version === 1 ? encodeDataRecords(it.hostNs, it.bytes) : enc.data(it.hostNs, it.bytes)));
    else parts.push(version === 1 ? encodeEventRecord(it.hostNs, it.event) : enc.event(it.hostNs, it.event));
  }
  return Uint8Array.from(Buffer.concat(parts));
}

/** Record layout of a clean file (it knows the format, so it can be checked against the reader). */
export function layoutOf(file: Uint8Array, version: 1 | 2): { records: RecordInfo[]; stream: Uint8Array } {
  const records: RecordInfo[] = [];
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const stream: Uint8Array[] = [];
  let streamLen = 0;
  for (let at = CAPTURE_PREAMBLE_LEN; at < file.length; ) {
    const type = version === 1 ? file[at] : file[at + 4];
    const len = view.getUint32(at + (version === 1 ? 1 : 5), true);
    const size = version === 1 ? 5 + len : V2_HEADER_LEN + len + V2_TRAILER_LEN;
    const r: RecordInfo = { at, size, type };
    if (type === 2) {
      r.dataAt = at + (version === 1 ? 13 : V2_HEADER_LEN + V2_DATA_PREFIX);
      r.dataLen = len - (version === 1 ? 8 : V2_DATA_PREFIX);
      r.streamStart = streamLen;
      stream.push(file.subarray(r.dataAt, r.dataAt + r.dataLen));
      streamLen += r.dataLen;
    }
    records.push(r);
    at += size;
  }
  return { records, stream: Buffer.concat(stream) };
}

export async function cleanCapture(bytes: Uint8Array, version: 1 | 2): Promise<CleanCapture> {
  // a plain Uint8Array: Buffer#slice() would share memory, and a mutation would damage the original
  const file = Uint8Array.from(bytes);
  const { records, stream } = layoutOf(file, version);
  const frames = frameMap(stream);
  const d = await decodeBytes(file);
  if (d.refused || d.warnings.length > 0) throw new Error(`clean capture does not decode cleanly: ${d.refused ?? d.warnings[0]}`);
  return { version, file, records, stream, frames, keys: new Set(d.events.map(eventKey)) };
}

/** One seeded mutation at a uniform position of the file. */
export function mutate(file: Uint8Array, kind: MutationKind, seed: number): { out: Uint8Array; m: Mutation } {
  const rnd = prng(seed);
  const pos = rnd() % file.length;
  let m: Mutation;
  let out: Uint8Array;
  if (kind === 'flip') {
    out = file.slice();
    out[pos] ^= 1 << (rnd() & 7);
    m = { kind, pos, len: 1, bytes: Uint8Array.of(out[pos]) };
  } else if (kind === 'insert') {
    const b = Uint8Array.of(rnd() & 0xff);
    out = Buffer.concat([file.subarray(0, pos), b, file.subarray(pos)]);
    m = { kind, pos, len: 1, bytes: b };
  } else if (kind === 'delete') {
    out = Buffer.concat([file.subarray(0, pos), file.subarray(pos + 1)]);
    m = { kind, pos, len: 1, bytes: new Uint8Array(0) };
  } else {
    const len = Math.min(1 + (rnd() % 64), file.length - pos);
    out = file.slice();
    for (let i = 0; i < len; i++) out[pos + i] = rnd() & 0xff;
    m = { kind, pos, len, bytes: out.slice(pos, pos + len) };
  }
  return { out, m };
}

/** Indices of the records a mutation changed (an insert exactly between two records touches none). */
export function touched(c: CleanCapture, m: Mutation): number[] {
  const changed: number[] = [];
  if (m.kind === 'burst') {
    for (let i = 0; i < m.len; i++) if (m.bytes[i] !== c.file[m.pos + i]) changed.push(m.pos + i);
  } else changed.push(m.pos);
  const out = new Set<number>();
  for (const p of changed) {
    const k = c.records.findIndex((r) => p >= r.at && p < r.at + r.size);
    if (k < 0) continue; // the preamble
    if (m.kind === 'insert' && p === c.records[k].at) continue;
    out.add(k);
  }
  return [...out].sort((a, b) => a - b);
}

export interface Decoded {
  events: TraceEvent[];
  stats: CoreStats[];
  warnings: string[];
  /** the CLI's one-line refusal, when it refused the input */
  refused?: string;
}

/** decodeTraceFile (the CLI's path) on bytes in memory; read in 64 KiB pieces. */
export async function decodeBytes(bytes: Uint8Array, onRead?: (n: number) => void): Promise<Decoded> {
  const events: TraceEvent[] = [];
  const warnings: string[] = [];
  let at = 0;
  const source: ByteSource = {
    read: async (buf, offset, length) => {
      const n = Math.min(length, bytes.length - at, 1 << 16);
      buf.set(bytes.subarray(at, at + n), offset);
      at += n;
      onRead?.(n);
      return { bytesRead: n };
    },
    close: async () => {},
  };
  // the path is only stat()ed (for the size in messages); the bytes come from `source`
  const path = process.execPath;
  try {
    const r = await decodeTraceFile(path, {
      warn: (l) => warnings.push(l),
      onRecord: (rec) => void (rec.type === 'event' && events.push(rec)),
      open: async () => source,
    });
    return { events, stats: r.stats, warnings };
  } catch (e) {
    // a one-line refusal (CliError, or the reader's plain Error naming the path) is not a crash
    if (e instanceof CliError || (e instanceof Error && e.constructor === Error && e.message.startsWith(path))) {
      return { events, stats: [], warnings, refused: e.message };
    }
    throw e;
  }
}

/** Stream bytes the reader did not deliver in their place, and bytes it delivered out of place. */
export function streamLoss(c: CleanCapture, out: Uint8Array, m: Mutation): { lost: number; foreign: number; damageReports: number } {
  // the reader names a payload by its record's start: records that start after an inserted or
  // deleted byte moved by one, the record holding it did not
  const prefix = c.version === 2 ? V2_HEADER_LEN + V2_DATA_PREFIX : 13;
  const moved = (o: number) => (m.kind === 'insert' ? o - prefix > m.pos : o - prefix >= m.pos);
  const shift = (o: number) => (m.kind === 'insert' && moved(o) ? o - 1 : m.kind === 'delete' && moved(o) ? o + 1 : o);
  const byAt = new Map(c.records.filter((r) => r.type === 2).map((r) => [r.dataAt!, r]));
  let intact = 0;
  let foreign = 0;
  let damageReports = 0;
  const p = new CaptureParser({
    data: (_t, bytes, offset) => {
      // delivered in its place: the container did not lose it (a changed, inserted or removed
      // byte inside it goes on to the decoder, whose frame check drops that frame, as on the wire)
      const r = byAt.get(shift(offset));
      if (r && Math.abs(r.dataLen! - bytes.length) <= 1) intact += r.dataLen!;
      else foreign += bytes.length;
    },
    damage: () => damageReports++,
  });
  try {
    p.push(out);
    p.end();
  } catch {
    // not a capture any more (the preamble was hit): nothing was read as a capture
  }
  return { lost: c.stream.length - intact, foreign, damageReports };
}

export interface Trial {
  kind: MutationKind;
  pos: number;
  damagedBytes: number;
  touched: number[];
  lostBytes: number;
  foreignBytes: number;
  damageReports: number;
  invented: number;
  /** clean-run events not decoded */
  eventsLost: number;
  identity: boolean;
  refused?: string;
  /** v2 and preamble untouched: the stream bytes a v2 reader must lose */
  expectedLostBytes?: number;
  /** v2 and preamble untouched: the decoder's totals equal the wire oracle's for the lost frames */
  oracle?: { want: object; got: object };
}

/**
 * What a v2 reader must do with each DATA record a mutation touched: repair it (every change was
 * inside its header), pass it on when it was changed in place or shifted by a byte (header, stream
 * offset and the next record's header intact; the changes become wire faults at their stream
 * positions), or skip it (its stream bytes are lost).
 */
export function v2Fate(c: CleanCapture, m: Mutation, t: number[], out: Uint8Array): { skipped: RecordInfo[]; wireFaults: Fault[]; emptied: number } {
  const changedAt = (p: number) => (m.kind === 'flip' && p === m.pos) || (m.kind === 'burst' && p >= m.pos && p < m.pos + m.len && m.bytes[p - m.pos] !== c.file[p]);
  const changedIn = (a: number, b: number) => {
    for (let p = a; p < b; p++) if (changedAt(p)) return true;
    return false;
  };
  const skipped: RecordInfo[] = [];
  const wireFaults: Fault[] = [];
  /** stream bytes of records passed on with nothing left in them (a 1-byte record shortened) */
  let emptied = 0;
  const changed: number[] = [];
  if (m.kind === 'flip' || m.kind === 'burst') for (let p = m.pos; p < m.pos + m.len; p++) if (changedAt(p)) changed.push(p);
  for (const k of t) {
    const r = c.records[k];
    if (r.type !== 2) continue;
    // every change inside this record's header: the reader rebuilds the header, the record check proves it
    if (changed.length > 0 && changed.every((p) => p >= r.at && p < r.at + V2_HEADER_LEN)) continue;
    const next = c.records[k + 1];
    if (m.kind === 'insert' || m.kind === 'delete') {
      // shifted by one byte: passed on when its header holds and its stream offset still reads right
      const headerKept = m.pos >= r.at + V2_HEADER_LEN;
      const offsetKept = headerKept && new DataView(out.buffer, out.byteOffset).getBigUint64(r.at + V2_HEADER_LEN + 8, true) === BigInt(r.streamStart!);
      if (!offsetKept) {
        skipped.push(r);
        continue;
      }
      const end = r.at + r.size + (m.kind === 'insert' ? 1 : -1);
      const got = out.subarray(r.dataAt!, end - V2_TRAILER_LEN);
      if (got.length === 0) emptied += r.dataLen!;
      const want = c.file.subarray(r.dataAt!, r.dataAt! + r.dataLen!);
      let i = 0;
      while (i < want.length && i < got.length && got[i] === want[i]) i++;
      if (m.kind === 'insert') wireFaults.push({ kind: 'insert', pos: r.streamStart! + i, outPos: r.streamStart! + i, len: 0, bytes: Uint8Array.of(got[i]) });
      else wireFaults.push({ kind: 'drop', pos: r.streamStart! + Math.min(i, want.length - 1), outPos: r.streamStart! + i, len: 1, bytes: new Uint8Array(0) });
      continue;
    }
    const inPlace =
      (m.kind === 'flip' || m.kind === 'burst') &&
      !changedIn(r.at, r.at + V2_HEADER_LEN) &&
      !changedIn(r.at + V2_HEADER_LEN + 8, r.at + V2_HEADER_LEN + 16) &&
      (!next || !changedIn(next.at, next.at + V2_HEADER_LEN));
    if (!inPlace) {
      skipped.push(r);
      continue;
    }
    for (let p = r.dataAt!; p < r.dataAt! + r.dataLen!; p++) {
      if (!changedAt(p)) continue;
      const pos = r.streamStart! + p - r.dataAt!;
      const v = m.kind === 'flip' ? m.bytes[0] : m.bytes[p - m.pos];
      wireFaults.push({ kind: 'flip', pos, outPos: pos, len: 1, bytes: Uint8Array.of(v) });
    }
  }
  return { skipped, wireFaults, emptied };
}

export async function trial(c: CleanCapture, kind: MutationKind, seed: number): Promise<Trial> {
  const { out, m } = mutate(c.file, kind, seed);
  const t = touched(c, m);
  const loss = streamLoss(c, out, m);
  const d = await decodeBytes(out);
  const invented = d.events.filter((e) => !c.keys.has(eventKey(e))).length;
  const identity = d.stats.every((s) => s.generated === s.decoded + s.dropped + s.overwritten + s.link_lost + s.rejected);
  const res: Trial = {
    kind,
    pos: m.pos,
    damagedBytes: m.len,
    touched: t,
    lostBytes: loss.lost,
    foreignBytes: loss.foreign,
    damageReports: loss.damageReports,
    invented,
    eventsLost: c.keys.size - (d.events.length - invented),
    identity,
    refused: d.refused,
  };
  if (c.version === 2 && m.pos >= CAPTURE_PREAMBLE_LEN) {
    const { skipped, wireFaults, emptied } = v2Fate(c, m, t, out);
    res.expectedLostBytes = skipped.reduce((n, r) => n + r.dataLen!, 0) + emptied;
    // the stream bytes of the skipped DATA records are missing, and the frames overlapping them
    // lost; the bytes of records passed on changed in place reach the decoder as wire faults
    const lostRanges = skipped.map((r) => [r.streamStart!, r.streamStart! + r.dataLen!]);
    // (a frame whose delimiter alone is in the gap survives: the delimiter the reader pushes at
    // the gap ends it just the same)
    const lostFrames = c.frames.filter((f) => lostRanges.some(([a, b]) => f.start < b && f.delim > a)).map((f) => f.index);
    const want = expect1(c.stream, wireFaults, c.frames, lostFrames).totals;
    const s = d.stats[0] ?? { decoded: 0, dropped: 0, overwritten: 0, link_lost: 0, rejected: 0 };
    res.oracle = { want, got: { decoded: s.decoded, dropped: s.dropped, overwritten: s.overwritten, link_lost: s.link_lost, rejected: s.rejected } };
  }
  return res;
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** Figures of a set of trials of one version, for BENCHMARKS.md. */
export function summarise(trials: Trial[]) {
  const perByte = trials.map((t) => t.lostBytes / t.damagedBytes);
  return {
    mutations: trials.length,
    by_kind: Object.fromEntries(
      MUTATION_KINDS.map((k) => {
        const ts = trials.filter((t) => t.kind === k);
        return [k, { mutations: ts.length, bytes_lost_per_damaged_byte_median: median(ts.map((t) => t.lostBytes / t.damagedBytes)), events_lost_median: median(ts.map((t) => t.eventsLost)) }];
      }),
    ),
    refused: trials.filter((t) => t.refused).length,
    events_invented: trials.reduce((n, t) => n + t.invented, 0),
    identity_failures: trials.filter((t) => !t.identity).length,
    bytes_lost_per_damaged_byte_median: median(perByte),
    bytes_lost_per_damaged_byte_max: perByte.length ? Math.max(...perByte) : null,
    // the distribution is bimodal (0 for changes in place, a record for shifts): the mean says more
    bytes_lost_per_damaged_byte_mean: perByte.length ? +(perByte.reduce((a, b) => a + b, 0) / perByte.length).toFixed(2) : null,
    events_lost_median: median(trials.map((t) => t.eventsLost)),
    events_lost_max: trials.length ? Math.max(...trials.map((t) => t.eventsLost)) : null,
    stream_bytes_lost_median: median(trials.map((t) => t.lostBytes)),
    stream_bytes_lost_max: trials.length ? Math.max(...trials.map((t) => t.lostBytes)) : null,
  };
}
