// Decodes a trace file (capture or raw stream) for the offline commands, and turns the decoder's
// notices into the CLI's warning policy:
// - a file with no valid frame at all is not a trace: one error line, no warnings before it;
// - a file cut short gets exactly one warning line, however the cut fell (inside a capture
//   record, inside a frame, or at a record boundary before the end marker);
// - other notices (CRC failures, resyncs, ...) are one warning line each; info notices only with
//   --verbose.
import { TraceDecoder } from '../core/decoder.js';
import type { CoreStats, Notice, StreamHeader, TraceRecord } from '../core/types.js';
import { inputName, readTraceInput, type InputInfo } from '../io/input.js';
import { CliError } from './errors.js';

export interface DecodeFileOptions {
  /** every record except notices, in timeline order */
  onRecord?(rec: TraceRecord): void;
  /** one status line for stderr (without newline) */
  warn(line: string): void;
  verbose?: boolean;
  /** awaited after each chunk of input */
  afterChunk?(): Promise<void> | void;
  /** what the path `-` reads (default: process.stdin) */
  stdin?: NodeJS.ReadableStream;
  /** how messages name the input (default: the path, or `stdin` for `-`) */
  name?: string;
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

  const emitWarning = (line: string) => {
    warnings++;
    opts.warn(`warning: ${line}`);
  };

  const sink = (rec: TraceRecord) => {
    if (rec.type === 'notice') {
      if (rec.code === 'no_header') noHeaderNotice = rec;
      if (rec.code === 'truncated') {
        truncation = rec;
        return;
      }
      if (rec.level === 'info' && !opts.verbose) return;
      const line = noticeText(rec);
      if (valid > 0) emitWarning(line);
      else if (held.length < HELD_LIMIT) held.push(line);
      else heldDropped++;
      return;
    }
    if (valid === 0) {
      // The input is a trace after all: the notices before its first valid frame count.
      for (const line of held) emitWarning(line);
      if (heldDropped > 0) emitWarning(`${heldDropped} more notices before the first valid frame`);
      held.length = 0;
    }
    valid++;
    opts.onRecord?.(rec);
  };

  const decoder = new TraceDecoder(sink);
  const input = await readTraceInput(path, {
    data: (bytes, hostNs) => decoder.push(bytes, hostNs),
    event: (ev) => {
      // The bytes after a disconnect do not continue the bytes before it: end any partial frame
      // here, exactly as the live capture did.
      if (ev.kind === 'disconnect') decoder.push(Uint8Array.of(0));
    },
    afterChunk: opts.afterChunk,
  }, { stdin: opts.stdin, name: opts.name });
  decoder.end();
  const name = opts.name ?? inputName(path);

  if (valid === 0) {
    const noHeader = noHeaderNotice;
    if (noHeader) throw new CliError(`${name}: no stream header, nothing can be decoded: ${noHeader.message}`);
    if (input.kind === 'capture') {
      if (input.end && input.end.dataBytes === 0) {
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
