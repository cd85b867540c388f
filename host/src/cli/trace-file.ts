// Decodes a trace file (capture or raw stream) for the offline commands, and turns the decoder's
// notices into the CLI's warning policy:
// - a file with no valid frame at all is not a trace: one error line, no warnings before it;
// - a file cut short gets exactly one warning line, however the cut fell (inside a capture
//   record, inside a frame, or at a record boundary before the end marker);
// - other notices (CRC failures, resyncs, ...) are one warning line each; info notices only with
//   --verbose;
// - a damaged stretch of a capture is one warning line (where, how many bytes, which records);
//   the stream bytes it held are missing, so the decoder is told the frame there ended, exactly
//   as after a disconnect: the loss then shows as frame errors and link_lost, as on the wire;
// - input that yields no valid frame in its first NO_FRAME_LIMIT stream bytes is refused then,
//   without reading the rest (a 2 GB file of zeros is not read to its end).
import type { EventBatch } from '../core/batch.js';
import { TraceDecoder } from '../core/decoder.js';
import type { CaptureDamage } from '../core/capture-format.js';
import type { CoreStats, Notice, StreamHeader, TraceRecord } from '../core/types.js';
import { inputName, readTraceInput, STDIO_PATH, type InputInfo, type InputSource } from '../io/input.js';
import { decodeFilePacked, type DecodePoolOptions, type PackedSink } from '../io/decode-pool.js';
import { decodeFileParallel } from '../io/scan-pool.js';
import { CliError } from './errors.js';

export interface DecodeFileOptions {
  /** every record except notices, in timeline order (events as objects unless onEvents or objects: false) */
  onRecord?(rec: TraceRecord): void;
  /** events as columns (core/batch.ts) instead of records to onRecord */
  onEvents?(batch: EventBatch, from: number, to: number): void;
  /** false: no event reaches onRecord (accounting only, the fast path `stats` takes) */
  objects?: boolean;
  /** false: records in stream order, each core's in its order, without one timeline (core/decoder.ts) */
  merge?: boolean;
  /** one status line for stderr (without newline) */
  warn(line: string): void;
  /** every notice as the decoder gives it, whatever the warning policy shows of it (an export that keeps them) */
  onNotice?(n: Notice): void;
  verbose?: boolean;
  /** awaited after each chunk of input */
  afterChunk?(): Promise<void> | void;
  /** the header to decode with if none arrives (--board, --elf) */
  assumeHeader?: StreamHeader;
  /** what the path `-` reads (default: process.stdin) */
  stdin?: NodeJS.ReadableStream;
  /** how messages name the input (default: the path, or `stdin` for `-`) */
  name?: string;
  /** how a file path is opened (tests count the bytes read) */
  open?: InputSource['open'];
  /**
   * with objects: false and no onEvents, for a file of stream bytes (not a capture, not stdin)
   * of more than a few MiB: a worker thread checks frames too (io/scan-pool.ts) once the input
   * has proved to be a trace; the same result
   */
  parallel?: boolean;
  /**
   * with onEvents and merge: false, for a file of stream bytes (not a capture, not stdin) of
   * more than a few MiB: a worker thread checks frames and packs their events too
   * (io/decode-pool.ts), and packets booked from its scan go here (Exporter.packedEvents; one it
   * does not take comes as a batch through onEvents); the same result
   */
  packed?: PackedSink;
  /** how packed's pool runs (tests: on this thread only, short files) */
  pool?: DecodePoolOptions;
}

export interface DecodeFileResult {
  input: InputInfo;
  stats: CoreStats[];
  header: StreamHeader | null;
  /** records that prove at least one valid frame (headers, packets' events, losses, statuses) */
  validRecords: number;
  warnings: number;
}

const HELD_LIMIT = 20;
/** Stream bytes without a single valid frame after which the input is refused. */
export const NO_FRAME_LIMIT = 16 << 20;

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** One line for a damaged stretch of a capture. */
export function damageText(d: CaptureDamage): string {
  const kinds = Object.entries(d.records).map(([k, n]) => plural(n, `${k} record`));
  const parts: string[] = [];
  if (d.bytes === 0 && d.offset >= 0) parts.push(`capture damaged at file byte ${d.offset}: ${d.reason}`);
  if (d.bytes > 0) {
    parts.push(
      `capture damaged at file byte ${d.offset}: ${plural(d.bytes, 'byte')} skipped (${d.reason}` +
        `${kinds.length ? `; ${kinds.join(', ')} with a readable header` : ''})`,
    );
  }
  if (d.streamBytes === undefined) parts.push(d.bytes > 0 ? 'the stream bytes they held are unknown' : 'stream bytes missing');
  else if (d.streamBytes > 0) parts.push(`${plural(d.streamBytes, 'stream byte')} missing from stream byte ${d.streamOffset}`);
  else if (d.bytes > 0) parts.push('no stream bytes missing');
  return parts.join('; ');
}

export function noticeText(n: Notice): string {
  const where = n.offset !== undefined && !/\bat (stream )?byte \d|\boffset \d/.test(n.message) ? ` at stream byte ${n.offset}` : '';
  return `${n.message}${where} [${n.code}]`;
}

export async function decodeTraceFile(path: string, opts: DecodeFileOptions): Promise<DecodeFileResult> {
  let valid = 0;
  let warnings = 0;
  const held: string[] = [];
  let heldDropped = 0;
  let truncation: Notice | undefined;
  let noHeaderNotice: Notice | undefined;
  let refused: Notice | undefined;

  const emitWarning = (line: string) => {
    warnings++;
    opts.warn(`warning: ${line}`);
  };

  const warnLine = (line: string) => {
    if (valid > 0) emitWarning(line);
    else if (held.length < HELD_LIMIT) held.push(line);
    else heldDropped++;
  };

  /** n records that prove a valid frame came */
  const proven = (n: number) => {
    if (valid === 0) {
      // The input is a trace after all: the notices before its first valid frame count.
      for (const line of held) emitWarning(line);
      if (heldDropped > 0) emitWarning(`${heldDropped} more notices before the first valid frame`);
      held.length = 0;
    }
    valid += n;
  };

  const sink = (rec: TraceRecord) => {
    if (rec.type === 'notice') {
      opts.onNotice?.(rec);
      if (rec.code === 'no_header') noHeaderNotice = rec;
      if (!refused && rec.message.startsWith('header refused: ')) refused = rec;
      if (rec.code === 'truncated') {
        truncation = rec;
        return;
      }
      if (rec.level === 'info' && !opts.verbose) return;
      warnLine(noticeText(rec));
      return;
    }
    proven(1);
    opts.onRecord?.(rec);
  };

  const name = opts.name ?? inputName(path);
  const onEvents = opts.onEvents;
  const decoder = new TraceDecoder(sink, {
    assumeHeader: opts.assumeHeader,
    objects: opts.objects,
    merge: opts.merge,
    onEvents: onEvents
      ? (b, from, to) => {
          proven(to - from);
          onEvents(b, from, to);
        }
      : undefined,
  });
  let isCapture = false;
  let damagedBytes = 0;
  /** stream bytes to the decoder */
  const data = (bytes: Uint8Array, hostNs?: bigint) => {
    isCapture ||= hostNs !== undefined;
    decoder.push(bytes, hostNs);
    // No valid frame at all (none emitted a record, none held for a header) this far in: this
    // is not a trace, and reading on would only take time.
    if (valid === 0 && decoder.bytesIn >= NO_FRAME_LIMIT && decoder.buffered().heldFrames === 0) {
      const where = isCapture ? 'captured bytes' : 'bytes';
      throw new CliError(`${name} is not a tracepipe trace (no valid frame in its first ${NO_FRAME_LIMIT >> 20} MiB of ${where}; reading stopped there)`);
    }
  };
  // Only where no event is wanted (the scan counts events, it does not decode them) and the
  // file is read here as it is; the worker starts once a valid frame came (before that, a
  // hostile input is refused as it is read).
  const parallel = opts.parallel === true && opts.objects === false && !onEvents && !opts.afterChunk && !opts.open && path !== STDIO_PATH;
  const packed = opts.packed;
  const pooled = packed !== undefined && onEvents !== undefined && opts.merge === false && !opts.open && path !== STDIO_PATH;
  const size = parallel
    ? await decodeFileParallel(path, decoder, { data, proven: () => valid > 0 })
    : pooled
      ? await decodeFilePacked(
          path,
          decoder,
          {
            data,
            proven: () => valid > 0,
            packed: {
              format: packed.format,
              table: (table) => packed.table(table),
              events: (session, core, words, from, to, row) => {
                const n = packed.events(session, core, words, from, to, row);
                if (n > 0) proven(n);
                return n;
              },
            },
            events: (b, from, to) => {
              proven(to - from);
              onEvents(b, from, to);
            },
            afterChunk: opts.afterChunk,
          },
          opts.pool,
        )
      : null;
  const input: InputInfo =
    size !== null
      ? { kind: 'raw', size }
      : await readTraceInput(
          path,
          {
            data,
            event: (ev) => {
              // The bytes after a disconnect (or a reconnect, should the disconnect record be lost) do
              // not continue the bytes before it: end any partial frame here, as the live capture did.
              if (ev.kind === 'disconnect' || ev.kind === 'reconnect') decoder.push(Uint8Array.of(0));
            },
            damage: (d) => {
              damagedBytes += d.bytes;
              warnLine(damageText(d));
              // missing stream bytes: the frame they cut is broken; the next one starts clean
              if (d.streamBytes !== 0) decoder.push(Uint8Array.of(0));
            },
            warning: warnLine,
            afterChunk: opts.afterChunk,
          },
          { stdin: opts.stdin, name, open: opts.open },
        );
  decoder.end();

  if (valid === 0) {
    const noHeader = noHeaderNotice;
    if (noHeader) {
      const hint = opts.assumeHeader ? '' : '; --board <name> (with --elf) decodes with a header assumed from the board';
      throw new CliError(`${name}: no stream header, nothing can be decoded: ${noHeader.message}${hint}`);
    }
    if (refused) throw new CliError(`${name}: no usable stream header: ${noticeText(refused)}`);
    if (input.kind === 'capture') {
      if (input.end && input.end.dataBytes === 0) {
        if (damagedBytes > 0) {
          throw new CliError(`${name} holds no readable trace data (${plural(damagedBytes, 'byte')} of the capture are damaged)`);
        }
        throw new CliError(`${name} holds no trace data (a capture with 0 bytes received)`);
      }
      throw new CliError(`${name} holds no valid tracepipe frame in ${input.end?.dataBytes ?? 0} captured bytes`);
    }
    if (input.size === 0) throw new CliError(`${name} is empty`);
    throw new CliError(`${name} is not a tracepipe trace (no valid frame in ${input.size} bytes)`);
  }

  const cut: string[] = [];
  if (input.end && !input.end.complete && input.end.problem) cut.push(input.end.problem);
  if (truncation) cut.push(noticeText(truncation));
  if (cut.length > 0) emitWarning(`input cut short: ${cut.join('; ')}; everything before the cut was decoded`);

  return { input, stats: decoder.stats(), header: decoder.header, validRecords: valid, warnings };
}
