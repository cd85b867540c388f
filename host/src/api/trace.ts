// Reading traces as a library: a capture file or a raw byte stream, iterated record by record
// (streaming, async) or decoded whole (sync), and its stats. `tracepipe decode` and `stats` call
// decodeRecords and traceStats here, so they and a library user see the same records, checks
// and warnings.
import { readFileSync } from 'node:fs';
import { CaptureParser, looksLikeCapture, CAPTURE_MAGIC } from '../core/capture-format.js';
import { TraceDecoder } from '../core/decoder.js';
import type { ClockFit } from '../core/clock-fit.js';
import { EventStats, eventStatsToJson, type EventStatsRow } from '../core/event-stats.js';
import { statsToJson, type StatsJson } from '../core/jsonl.js';
import type { MetadataApplier } from '../core/metadata.js';
import type { CoreStats, StreamHeader, TraceRecord } from '../core/types.js';
import { assumedHeader } from '../cli/assumed-header.js';
import { NameCounter, openElf } from '../cli/elf-option.js';
import { wallClockJson } from '../cli/stats-format.js';
import { decodeTraceFile, noticeText, type DecodeFileOptions, type DecodeFileResult } from '../cli/trace-file.js';
import { CliError } from '../errors.js';
import { clockFitOf } from '../export/wall-clock.js';
import { withRereadableInput } from '../io/input.js';

export interface TraceOptions {
  /** the firmware ELF: events get `name`, `text` and typed `fields` from its .tp_meta section */
  elf?: string;
  /** use the ELF even when its build id differs from the stream's (a warning instead of an error) */
  force?: boolean;
  /** one line per warning (damaged frames, a cut-short input, ...); default: ignored */
  onWarning?(line: string): void;
  /** the board the stream came from, whose facts stand in for a lost stream header */
  board?: string;
}

/** What a terminal adds (the CLI): `-` as stdin, info notices, a pause after each input chunk. */
export interface DecodeEdge {
  stdin?: NodeJS.ReadableStream;
  verbose?: boolean;
  afterChunk?: () => void | Promise<void>;
  /** events as batch columns instead of objects (core/batch.ts; a batch is reused after the call):
   * then onRecord gets every other record */
  onEvents?: DecodeFileOptions['onEvents'];
}

/**
 * The object `tracepipe stats --json` prints: per-core accounting, totals, `identity` (true when
 * generated = decoded + dropped + overwritten + link_lost + rejected on every core) and, for a capture, the
 * UTC fit. Its fields are those of the CLI's, whatever it gains, in the same snake_case.
 */
export type Stats = StatsJson & {
  wall_clock: ReturnType<typeof wallClockJson>;
  /** with `elf`: events per kind and name, most frequent first */
  events_by_name?: { kind: string; name: string; count: number }[];
  /** with `events`: per event and core, counts, rates, durations (`stats --events --json`) */
  events?: ReturnType<typeof eventStatsToJson>;
};

/** Every record of a trace decoded at once, for the sync API and the assertion helpers. */
export interface DecodedTrace {
  /** events, losses, headers and statuses in timeline order (notices go to onWarning) */
  records: TraceRecord[];
  /** per-core accounting as the decoder closed it */
  cores: CoreStats[];
  header: StreamHeader | null;
}

async function namesFor(opts: TraceOptions): Promise<MetadataApplier | undefined> {
  return openElf({ elf: opts.elf, force: opts.force }, opts.onWarning ?? (() => undefined));
}

/**
 * Streams the records of a capture file or raw stream. The file is read in chunks as the loop
 * asks for records, so memory stays bounded however long the trace is. Throws (from the loop)
 * for an unreadable file or one that holds no tracepipe frame.
 */
export async function* traceRecords(path: string, opts: TraceOptions = {}): AsyncGenerator<TraceRecord> {
  let queue: TraceRecord[] = [];
  // The decoder pushes, the loop pulls: after each input chunk the reader waits until the loop
  // has taken what that chunk produced, so at most one chunk's records are held.
  let wakeLoop: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  let finished = false;
  let abandoned = false;
  let failure: unknown;
  const decoding = decodeRecords(path, (rec) => queue.push(rec), opts, {
    afterChunk: () => {
      if (abandoned) throw new Error('abandoned');
      return new Promise<void>((resolve) => {
        wakeReader = resolve;
        wakeLoop?.();
      });
    },
  }).then(
    () => undefined,
    (err: unknown) => {
      if (!abandoned) failure = err;
    },
  ).finally(() => {
    finished = true;
    wakeLoop?.();
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue;
        queue = [];
        yield* batch;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        wakeLoop = resolve;
        const reader = wakeReader;
        wakeReader = undefined;
        reader?.();
      });
      wakeLoop = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    // A loop that stopped early: the reader stops at its next chunk and closes the file.
    abandoned = true;
    wakeReader?.();
    await decoding;
  }
}

/** The names of one firmware ELF (loadNames), for the sync decoders. */
export type ElfNames = Pick<MetadataApplier, 'apply'>;

export interface DecodeOptions {
  /** from loadNames(elf): events get `name`, `text` and typed `fields` */
  names?: ElfNames;
  onWarning?(line: string): void;
  /** how messages name the input */
  name?: string;
}

/** Reads a firmware ELF's event names once, for decodeTrace/readTraceSync. */
export async function loadNames(elf: string, opts: Omit<TraceOptions, 'elf'> = {}): Promise<ElfNames> {
  const names = await namesFor({ ...opts, elf });
  if (!names) throw new CliError('loadNames needs the path of a firmware ELF');
  return names;
}

/** Decodes bytes already in memory (a capture file's or a raw stream's), synchronously. */
export function decodeTrace(bytes: Uint8Array, opts: DecodeOptions = {}): DecodedTrace {
  const records: TraceRecord[] = [];
  const decoder = new TraceDecoder((rec) => {
    if (rec.type === 'notice') {
      if (rec.level !== 'info') opts.onWarning?.(`warning: ${noticeText(rec)}`);
    } else records.push(opts.names ? opts.names.apply(rec) : rec);
  });
  if (looksLikeCapture(bytes.subarray(0, CAPTURE_MAGIC.length))) {
    const parser = new CaptureParser({
      meta: () => undefined,
      data: (hostNs, data) => decoder.push(data, hostNs),
      // as in a file decode: the bytes after a link break do not continue the ones before it
      event: (_hostNs, ev) => ev.kind === 'disconnect' && decoder.push(Uint8Array.of(0)),
    });
    parser.push(bytes);
    const end = parser.end();
    if (!end.complete && end.problem) opts.onWarning?.(`warning: input cut short: ${end.problem}`);
  } else {
    decoder.push(bytes);
  }
  decoder.end();
  if (records.length === 0) throw new CliError(`${opts.name ?? 'input'} holds no valid tracepipe frame`);
  return { records, cores: decoder.stats(), header: decoder.header };
}

/** Reads and decodes a whole trace file synchronously (names: from loadNames). */
export function readTraceSync(path: string, opts: Omit<DecodeOptions, 'name'> = {}): DecodedTrace {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return decodeTrace(bytes, { ...opts, name: path });
}

/**
 * The one decode pass of the library and of `tracepipe decode`: every record of the file (`-`
 * with edge.stdin: stdin), named from `elf`, handed to `onRecord` as it is decoded.
 */
export async function decodeRecords(path: string, onRecord: (rec: TraceRecord) => void, opts: TraceOptions = {}, edge: DecodeEdge = {}): Promise<DecodeFileResult> {
  const names = await namesFor(opts);
  return decodeTraceFile(path, {
    onRecord: names ? (rec) => onRecord(names.apply(rec)) : onRecord,
    warn: opts.onWarning ?? (() => undefined),
    verbose: edge.verbose,
    afterChunk: edge.afterChunk,
    onEvents: edge.onEvents,
    assumeHeader: assumedHeader(opts, names),
    stdin: edge.stdin,
  });
}

/** Reads and decodes a whole trace file: every record in memory, names from `elf` when given. */
export async function readTrace(path: string, opts: TraceOptions = {}): Promise<DecodedTrace> {
  const records: TraceRecord[] = [];
  const result = await decodeRecords(path, (rec) => records.push(rec), opts);
  return { records, cores: result.stats, header: result.header };
}

export interface StatsOptions extends TraceOptions {
  /** also the per-event statistics (`stats --events`) */
  events?: boolean;
  /**
   * 2: for a file of stream bytes (not a capture) above 8 MiB, frames are checked on a worker
   * thread too while this one books them (io/scan-pool.ts; `stats --threads 2`); the same
   * result. Default 1: on a busy 2-core machine it measured no faster, at more CPU.
   */
  threads?: 1 | 2;
}

/** What `tracepipe stats` reports, before it is printed as text or JSON. */
export interface StatsReport {
  cores: CoreStats[];
  /** a capture's fit of target time to UTC */
  wallClock: ClockFit | undefined;
  /** with `elf` */
  byName?: NameCounter;
  /** with `events` */
  events?: EventStatsRow[];
}

/** The accounting of a trace, as `tracepipe stats` computes it (stdin is spooled: the fit reads a capture twice). */
export async function traceStats(path: string, opts: StatsOptions = {}, edge: Pick<DecodeEdge, 'stdin'> = {}): Promise<StatsReport> {
  const names = await namesFor(opts);
  const byName = names ? new NameCounter() : undefined;
  const perEvent = opts.events ? new EventStats() : undefined;
  // without names or per-event figures no event object is needed (accounting only), and nothing
  // reads the records in timeline order: each core's books are its own
  const perRecord = names !== undefined || perEvent !== undefined;
  return withRereadableInput(path, () => edge.stdin ?? process.stdin, async (file, name) => {
    const result = await decodeTraceFile(file, {
      onRecord: perRecord
        ? (raw) => {
            const rec = names ? names.apply(raw) : raw;
            if (byName && rec.type === 'event') byName.add(rec);
            perEvent?.add(rec);
          }
        : undefined,
      objects: perRecord,
      merge: perRecord,
      parallel: opts.threads === 2,
      warn: opts.onWarning ?? (() => undefined),
      name,
      assumeHeader: assumedHeader(opts, names),
    });
    // Only a capture has host receive times to fit target time to UTC (issue 6 §6).
    const wallClock = result.input.kind === 'capture' ? await clockFitOf(file) : undefined;
    return { cores: result.stats, wallClock, byName, events: perEvent?.rows() };
  });
}

/** A StatsReport as the `stats --json` object. */
export function statsReportJson(r: StatsReport): Stats {
  return {
    ...statsToJson(r.cores),
    wall_clock: wallClockJson(r.wallClock),
    ...(r.byName ? { events_by_name: r.byName.rows() } : {}),
    ...(r.events ? { events: eventStatsToJson(r.events) } : {}),
  };
}

/** The accounting of a trace file: the object `tracepipe stats --json` prints (with the same options). */
export async function readStats(path: string, opts: StatsOptions = {}): Promise<Stats> {
  return statsReportJson(await traceStats(path, opts));
}

/** The same object for accounting already at hand (e.g. DecodedTrace.cores). */
export function statsOf(cores: CoreStats[]): Stats {
  return { ...statsToJson(cores), wall_clock: null };
}
