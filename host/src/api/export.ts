// Exports as a library, and the one place that chooses an exporter for a format: `tracepipe
// export` calls exportTrace too, adding only what a terminal has (stdout as output, stdin as
// input, a progress bar). The streaming exporters of host/src/export/ are fed by one decode
// pass; Parquet is loaded only when asked for (DuckDB is a native module the rest does without).
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MIN_DRIFT_SAMPLES } from '../core/clock-fit.js';
import type { StreamHeader } from '../core/types.js';
import { ChromeJsonExporter } from '../export/chrome.js';
import { PerfettoExporter } from '../export/perfetto.js';
import { CsvExporter } from '../export/csv.js';
import { CtfExporter } from '../export/ctf.js';
import { isoFromUnixNs, JsonlExporter } from '../export/jsonl.js';
import { ProgressBar } from '../export/progress.js';
import { BackgroundSink, DirSinkFactory, OutputFile, StreamSink } from '../export/sinks.js';
import { exporterFeed, type ExportInfo, type Exporter, type Sink, type WallClock } from '../export/types.js';
import { wallClockOf } from '../export/wall-clock.js';
import { decodePoolUseful, type DecodePoolOptions } from '../io/decode-pool.js';
import { inputName, STDIO_PATH, withRereadableInput } from '../io/input.js';
import { assumedHeader } from '../cli/assumed-header.js';
import { openElf, withNames } from '../cli/elf-option.js';
import { decodeTraceFile } from '../cli/trace-file.js';
import { CliError, UsageError } from '../errors.js';

/** perfetto is Perfetto's native protobuf trace (ui.perfetto.dev, trace_processor); chrome is
 * Chrome's JSON trace-event format (ui.perfetto.dev and chrome://tracing); ctf and parquet write a folder. */
export type ExportFormat = 'ctf' | 'perfetto' | 'chrome' | 'jsonl' | 'csv' | 'parquet';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['ctf', 'perfetto', 'chrome', 'jsonl', 'csv', 'parquet'];

export interface ExportOptions {
  format: ExportFormat;
  /** the file to write; for ctf a folder (new, empty, or an earlier CTF export, which is
   * replaced); for parquet a dataset folder (new, empty, or a dataset, which gains the capture) */
  output: string;
  /** firmware ELF: named events and typed fields */
  elf?: string;
  force?: boolean;
  /** also write the raw wire words next to typed values */
  raw?: boolean;
  /** fit target time to the capture's host receive times (default true) */
  wallClock?: boolean;
  /** the board the stream came from: the facts of a lost header; parquet: the partition of a
   * raw stream (a capture names its board) */
  board?: string;
  /** parquet: also write the packets table */
  packets?: boolean;
  /** parquet: also write every partition as CSV under <output>/csv/ */
  csv?: boolean;
  /**
   * ctf and perfetto: 1 decodes on this thread only; 2 lets a worker thread scan a long file of
   * stream bytes and pack its events too (io/decode-pool.ts; the same bytes). Default: 2 where the machine
   * has a second core free (two or more, and a 1-minute load average below their number less 0.5).
   */
  threads?: number;
  /** damaged frames, a cut input, CTF's adjustments; default: ignored */
  onWarning?(line: string): void;
  /** what was written and the wall-clock fit, one line each; default: ignored */
  onStatus?(line: string): void;
}

export interface ExportResult {
  output: string;
  /** events written */
  events: number;
}

/** What a terminal adds (the CLI): `-` as stdin and as stdout, a progress bar, info notices. */
export interface ExportEdge {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** the descriptor behind `stdout` when it is a file or device: written in the background then */
  stdoutFd?: number;
  /** where to draw a progress bar for long inputs (a TTY) */
  progress?: NodeJS.WritableStream;
  verbose?: boolean;
}

/** Input bytes handed over per afterChunk call by readTraceInput (io/input.ts reads 256 KiB). */
const INPUT_CHUNK_ESTIMATE = 1 << 18;

export interface RunExportOptions {
  /** how messages name the input */
  name: string;
  label: string;
  info: ExportInfo;
  warn(line: string): void;
  progress?: NodeJS.WritableStream;
  verbose?: boolean;
  /** awaited between input chunks (back-pressure of a stdout sink) */
  drain?: () => Promise<void>;
  /** the header to decode with if the stream's was lost (--board) */
  assumeHeader?: StreamHeader;
  /** let a worker thread decode too where the exporter takes packed events (Exporter.packedEvents) */
  threads?: boolean;
  /** how that pool runs (tests) */
  pool?: DecodePoolOptions;
}

/** Decodes `file` straight into `exporter`; returns the number of events exported. */
export async function runExport(file: string, exporter: Exporter, opts: RunExportOptions): Promise<number> {
  let size = 0;
  try {
    size = statSync(file).size;
  } catch {
    // decodeTraceFile reports unreadable paths in one line
  }
  // Only long jobs get a bar; a short one would just flicker.
  const bar = new ProgressBar(opts.label, size, (opts.progress ?? process.stderr) as NodeJS.WriteStream, opts.progress !== undefined && size > 16 << 20);
  let chunks = 0;
  // events go to the exporter as batch columns where it reads them (export/types.ts)
  const feed = exporterFeed(exporter, opts.info);
  try {
    const result = await decodeTraceFile(file, {
      onRecord: feed.onRecord,
      onEvents: feed.onEvents,
      onNotice: feed.onNotice,
      merge: exporter.perCore !== true,
      packed: opts.threads === true && exporter.perCore === true ? feed.packed : undefined,
      pool: opts.pool,
      warn: (line) => {
        bar.done();
        opts.warn(line);
      },
      verbose: opts.verbose,
      name: opts.name,
      assumeHeader: opts.assumeHeader,
      afterChunk: async () => {
        bar.update(++chunks * INPUT_CHUNK_ESTIMATE);
        if (opts.drain) await opts.drain();
      },
    });
    feed.end(result.stats);
  } finally {
    bar.done();
  }
  return feed.events;
}

/** Fits the capture's host receive times (unless disabled) and says so. */
export async function wallClockInfo(file: string, enabled: boolean, status: (line: string) => void): Promise<WallClock | undefined> {
  if (!enabled) return undefined;
  const wc = await wallClockOf(file);
  if (wc) {
    status(
      `wall clock: t=0 is ${isoFromUnixNs(wc.originUnixNs)}, drift ${wc.driftPpm.toFixed(2)} ppm, ${
        wc.samples < MIN_DRIFT_SAMPLES ? 'no error bound' : `error <= ${(wc.errorNs / 1000).toFixed(1)} us`
      } (${wc.samples} sample windows)`,
    );
  }
  return wc;
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/**
 * Output problems become one line before any work is done (and before the wall-clock line).
 * A missing parent folder is an error for every format: CTF creates its own folder only.
 */
export function checkOutputPath(file: string, out: string, folder = false): void {
  if (file !== STDIO_PATH && sameFile(file, out)) throw new UsageError(`output ${out} is the input file; choose another -o`);
  const parent = dirname(resolve(out));
  if (!existsSync(parent)) throw new CliError(`cannot write ${out}: folder ${parent} does not exist`);
  // prepareCtfDir checks the CTF folder itself; like a file, it is made only in a folder that exists
  if (folder) return;
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`${out} is a folder; give a file name with -o`);
}

/**
 * A one-file output: `stdout` for `-`, else the file (see OutputFile for what a failure leaves),
 * written in the background (BackgroundSink) unless it is a stream.
 */
export function openOutput(out: string, edge: Pick<ExportEdge, 'stdout' | 'stdoutFd'>): { sink: Sink; finish(): Promise<void>; abort(): void; drain(): Promise<void>; toStdout: boolean } {
  let sink: BackgroundSink | StreamSink;
  if (out === STDIO_PATH) {
    if (!edge.stdout) throw new UsageError('output - is stdout, which a library call has not got: give a file');
    sink = edge.stdoutFd !== undefined ? new BackgroundSink({ fd: edge.stdoutFd, target: 'stdout' }) : new StreamSink(edge.stdout);
  } else {
    sink = new BackgroundSink(new OutputFile(out));
  }
  const s = sink;
  return { sink: s, finish: () => s.end(), abort: () => (s instanceof BackgroundSink ? s.abort() : undefined), drain: () => s.drain(), toStdout: out === STDIO_PATH };
}

/**
 * A CTF output folder must be new, empty, or an earlier CTF export, so nothing else is
 * overwritten. An earlier export is cleared first: a stale stream file of a core the new
 * trace lacks would make babeltrace2 reject the folder. Returns whether it made the folder
 * (only its last component: missing parents are refused by checkOutputPath).
 */
function prepareCtfDir(dir: string, clear: boolean): boolean {
  if (!existsSync(dir)) {
    if (!clear) return false;
    mkdirSync(dir);
    return true;
  }
  if (!statSync(dir).isDirectory()) throw new CliError(`${dir} exists and is not a folder; CTF needs a folder (-o <dir>)`);
  const ours = /^(metadata|stream_core\d+|session-\d+)$/;
  const foreign = readdirSync(dir).filter((n) => !ours.test(n));
  if (foreign.length > 0) throw new CliError(`${dir} is not empty (holds ${foreign[0]}); choose a new folder for the CTF trace`);
  // rmSync removes a symlink itself, never what it points to
  if (clear) for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
  return false;
}

/** After a failed export: the folders this run made go too, when nothing else is in them. */
function removeMadeDirs(dir: string): void {
  try {
    for (const n of readdirSync(dir)) if (/^session-\d+$/.test(n)) rmdirSync(join(dir, n));
    rmdirSync(dir);
  } catch {
    // not empty (someone else wrote there) or already gone: leave it
  }
}

/** The one-file exporters, by format. */
function fileExporter(format: ExportFormat, sink: Sink): Exporter {
  if (format === 'jsonl') return new JsonlExporter(sink);
  if (format === 'csv') return new CsvExporter(sink);
  if (format === 'perfetto') return new PerfettoExporter(sink);
  return new ChromeJsonExporter(sink);
}

/** The CTF export: its folder, and what CTF had to adjust, said through the status/warning lines. */
async function exportCtf(
  path: string,
  output: string,
  run: RunExportOptions,
  names: Parameters<typeof withNames>[1],
  status: (line: string) => void,
  threads: boolean,
): Promise<number> {
  const made = prepareCtfDir(output, true);
  const dir = new DirSinkFactory(output, true);
  const ctf = new CtfExporter(dir);
  let n: number;
  try {
    n = await runExport(path, withNames(ctf, names), { ...run, drain: () => dir.drain(), threads });
    await dir.end();
  } catch (err) {
    dir.abort();
    if (made) removeMadeDirs(output);
    throw err;
  }
  status(`wrote CTF trace ${output} (${n} events); open it with: babeltrace2 ${output}`);
  if (ctf.timeClamped > 0) {
    run.warn(
      `warning: ${ctf.timeClamped} event(s) had a time before an earlier event of their core (time_unproven); CTF needs monotonic time, so they carry the earlier time`,
    );
  }
  if (ctf.lossWindowsChanged > 0) {
    run.warn(
      `${ctf.lossWindowsChanged} loss window(s) overlapped another (packets that arrived after a FINAL status); CTF shows each group as one window with the summed count`,
    );
  }
  if (ctf.lossWindowsLate > 0) {
    run.warn(`warning: ${ctf.lossWindowsLate} loss window(s) began before an event already written; CTF shows them starting at that event`);
  }
  for (const sub of ctf.sessionDirs().filter((d) => d !== '')) {
    status(`the target reset; the later session is its own trace: babeltrace2 ${join(output, sub)}`);
  }
  return n;
}

/**
 * Writes the trace at `path` in another tool's format. A file or CTF folder appears whole or
 * not at all; a Parquet dataset gains the capture's partitions (docs/DATA.md).
 */
export async function exportTrace(path: string, o: ExportOptions, edge: ExportEdge = {}): Promise<ExportResult> {
  const format = String(o.format).toLowerCase() as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`unknown export format '${o.format}'; use ${EXPORT_FORMATS.join(', ')}`);
  const warn = o.onWarning ?? (() => undefined);
  const status = o.onStatus ?? (() => undefined);
  const output = o.output;
  if (format === 'ctf' && output === STDIO_PATH) throw new UsageError('CTF is a folder of files: give it with -o <dir>');
  if (format === 'parquet') {
    const { exportParquet } = await import('../export/parquet-command.js');
    return exportParquet(path, o, edge);
  }
  if (output !== STDIO_PATH) checkOutputPath(path, output, format === 'ctf');
  if (format === 'ctf') prepareCtfDir(output, false);
  const names = await openElf({ elf: o.elf, force: o.force }, warn);
  const assumeHeader = assumedHeader(o, names);
  // stdin is spooled: the wall-clock fit reads the capture before the export pass.
  return withRereadableInput(path, edge.stdin ?? process.stdin, async (file, name) => {
    const info: ExportInfo = { source: inputName(path), wallClock: await wallClockInfo(file, o.wallClock !== false, status), raw: o.raw === true };
    const run: RunExportOptions = { name, label: `exporting ${format}`, info, warn, progress: edge.progress, verbose: edge.verbose, assumeHeader };
    const threads = (o.threads ?? (decodePoolUseful() ? 2 : 1)) >= 2;
    if (format === 'ctf') return { output, events: await exportCtf(file, output, run, names, status, threads) };
    const target = openOutput(output, edge);
    let events: number;
    try {
      events = await runExport(file, withNames(fileExporter(format, target.sink), names), { ...run, drain: target.drain, threads: format === 'perfetto' && threads });
      await target.finish();
    } catch (err) {
      target.abort();
      throw err;
    }
    if (!target.toStdout) status(`wrote ${output} (${format}, ${events} events)`);
    return { output, events };
  });
}
