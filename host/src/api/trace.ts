// Reading traces as a library: a capture file or a raw byte stream, iterated record by record
// (streaming, async) or decoded whole (sync), with the same checks and warnings as the CLI's
// decode/stats, because both go through cli/trace-file.ts.
import { readFileSync } from 'node:fs';
import { CaptureParser, looksLikeCapture, CAPTURE_MAGIC } from '../core/capture-format.js';
import { TraceDecoder } from '../core/decoder.js';
import { statsToJson, type StatsJson } from '../core/jsonl.js';
import type { MetadataApplier } from '../core/metadata.js';
import type { CoreStats, StreamHeader, TraceRecord } from '../core/types.js';
import { openElf } from '../cli/elf-option.js';
import { wallClockJson } from '../cli/stats-format.js';
import { decodeTraceFile, noticeText } from '../cli/trace-file.js';
import { CliError } from '../errors.js';
import { clockFitOf } from '../export/wall-clock.js';

export interface TraceOptions {
  /** the firmware ELF: events get `name`, `text` and typed `fields` from its .tp_meta section */
  elf?: string;
  /** use the ELF even when its build id differs from the stream's (a warning instead of an error) */
  force?: boolean;
  /** one line per warning (damaged frames, a cut-short input, ...); default: ignored */
  onWarning?(line: string): void;
}

/**
 * The object `tracepipe stats --json` prints: per-core accounting, totals, `identity` (true when
 * generated = decoded + dropped + overwritten + link_lost + rejected on every core) and, for a capture, the
 * UTC fit. Its fields are those of the CLI's, whatever it gains, in the same snake_case.
 */
export type Stats = StatsJson & { wall_clock: ReturnType<typeof wallClockJson> };

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
  const names = await namesFor(opts);
  let queue: TraceRecord[] = [];
  // The decoder pushes, the loop pulls: after each input chunk the reader waits until the loop
  // has taken what that chunk produced, so at most one chunk's records are held.
  let wakeLoop: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  let finished = false;
  let abandoned = false;
  let failure: unknown;
  const decoding = decodeTraceFile(path, {
    onRecord: (rec) => queue.push(names ? names.apply(rec) : rec),
    warn: opts.onWarning ?? (() => undefined),
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

/** Reads and decodes a whole trace file: every record in memory, names from `elf` when given. */
export async function readTrace(path: string, opts: TraceOptions = {}): Promise<DecodedTrace> {
  const names = await namesFor(opts);
  const records: TraceRecord[] = [];
  const result = await decodeTraceFile(path, {
    onRecord: (rec) => records.push(names ? names.apply(rec) : rec),
    warn: opts.onWarning ?? (() => undefined),
  });
  return { records, cores: result.stats, header: result.header };
}

/** The accounting of a trace file, as `tracepipe stats --json` computes it (without --elf). */
export async function readStats(path: string, opts: Pick<TraceOptions, 'onWarning'> = {}): Promise<Stats> {
  const result = await decodeTraceFile(path, { warn: opts.onWarning ?? (() => undefined) });
  const fit = result.input.kind === 'capture' ? await clockFitOf(path) : undefined;
  return { ...statsToJson(result.stats), wall_clock: wallClockJson(fit) };
}

/** The same object for accounting already at hand (e.g. DecodedTrace.cores). */
export function statsOf(cores: CoreStats[]): Stats {
  return { ...statsToJson(cores), wall_clock: null };
}
