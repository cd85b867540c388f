// tracepipe export <file> --format ctf|perfetto|jsonl|csv: the decoded trace in a format other
// tools open. Every exporter streams (host/src/export/types.ts), so memory stays bounded
// however large the capture is. Output goes to -o, or to stdout for the one-file formats;
// `-` is stdin as input and stdout as output.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ChromeJsonExporter } from '../../export/chrome.js';
import { CsvExporter } from '../../export/csv.js';
import { CtfExporter } from '../../export/ctf.js';
import { JsonlExporter } from '../../export/jsonl.js';
import { ProgressBar } from '../../export/progress.js';
import { DirSinkFactory, FileSink, StreamSink } from '../../export/sinks.js';
import { exporterFeed, type ExportInfo, type Exporter, type Sink, type WallClock } from '../../export/types.js';
import type { StreamHeader } from '../../core/types.js';
import { isoFromUnixNs } from '../../export/jsonl.js';
import { wallClockOf } from '../../export/wall-clock.js';
import { MIN_DRIFT_SAMPLES } from '../../core/clock-fit.js';
import { inputName, STDIO_PATH, withRereadableInput } from '../../io/input.js';
import { openElf, withNames } from '../elf-option.js';
import { ASSUME_BOARD_OPTION, assumedHeader } from '../assumed-header.js';
import { CliError, UsageError } from '../errors.js';
import { CliIo } from '../output.js';
import { decodeTraceFile } from '../trace-file.js';

export const EXPORT_FORMATS = ['ctf', 'perfetto', 'chrome', 'jsonl', 'csv', 'parquet'] as const;

/** -o endings that name a format when -f is not given; anything else (and stdout) is jsonl. */
const FORMAT_OF_EXTENSION: Record<string, string> = {
  '.ctf': 'ctf',
  '.json': 'perfetto',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
};

/** The format `export` writes without -f: from the -o ending, a CTF folder for an existing one, else jsonl. */
export function defaultExportFormat(output: string | undefined): string {
  if (!output || output === STDIO_PATH) return 'jsonl';
  const byExt = FORMAT_OF_EXTENSION[extname(output).toLowerCase()];
  if (byExt) return byExt;
  try {
    if (statSync(output).isDirectory()) return 'ctf';
  } catch {
    // a new file
  }
  return 'jsonl';
}

/** Input bytes handed over per afterChunk call by readTraceInput (io/input.ts reads 256 KiB). */
const INPUT_CHUNK_ESTIMATE = 1 << 18;

export interface RunExportOptions {
  io: CliIo;
  /** how messages name the input */
  name: string;
  label: string;
  info: ExportInfo;
  verbose?: boolean;
  /** awaited between input chunks (back-pressure of a stdout sink) */
  drain?: () => Promise<void>;
  /** the header to decode with if the stream's was lost (--board) */
  assumeHeader?: StreamHeader;
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
  const bar = new ProgressBar(opts.label, size, opts.io.stderr as NodeJS.WriteStream, opts.io.stderrIsTTY && size > 16 << 20);
  let chunks = 0;
  const feed = exporterFeed(exporter, opts.info);
  try {
    const result = await decodeTraceFile(file, {
      onRecord: feed.onRecord,
      onEvents: feed.onEvents,
      warn: (line) => {
        bar.done();
        opts.io.status(line);
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

/** Fits the capture's host receive times (unless disabled) and says so on stderr. */
export async function wallClockInfo(file: string, enabled: boolean, io: CliIo): Promise<WallClock | undefined> {
  if (!enabled) return undefined;
  const wc = await wallClockOf(file);
  if (wc) {
    io.status(
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

/** A one-file output: stdout for `-`, else the file (see FileSink for what a failure leaves). */
export function openOutput(out: string, io: CliIo): { sink: Sink; finish(): Promise<void>; abort(): void; toStdout: boolean } {
  if (out === STDIO_PATH) {
    const sink = new StreamSink(io.stdout);
    return { sink, finish: () => sink.end(), abort: () => undefined, toStdout: true };
  }
  const sink = new FileSink(out);
  return { sink, finish: async () => undefined, abort: () => sink.abort(), toStdout: false };
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

export function register(program: Command, io = new CliIo()): void {
  program
    .command('export')
    .description('export a trace for other tools: CTF (babeltrace2, Trace Compass), Chrome/Perfetto JSON, JSONL, CSV, or a Parquet dataset (docs/DATA.md)')
    .argument('<file>', 'capture file (.tpt) or raw byte stream; - reads stdin')
    .option(
      '-f, --format <format>',
      `${EXPORT_FORMATS.join(', ')} (chrome is an alias of perfetto); default: from the -o ending (.ctf, .json, .jsonl, .csv), else jsonl`,
    )
    .option('-o, --output <path>', 'output folder (ctf) or file; - or none is stdout (jsonl, csv and perfetto)')
    .option('--no-wall-clock', 'do not fit target time to the capture\'s host receive times')
    .option('--raw', 'with --elf, also write the raw wire words (perfetto args_raw; ctf: untyped classes); jsonl args and csv args_raw always have them')
    .option('--packets', 'parquet: also write the packets table')
    .option('--csv', 'parquet: also write every partition as CSV under <dir>/csv/ (for engines without a Parquet reader)')
    .option('-v, --verbose', 'also print informational notices on stderr')
    // --board: the board the stream came from. It gives the facts of a lost header, and the
    // parquet partition of a raw stream (a capture names its board itself).
    .option(ASSUME_BOARD_OPTION[0], `${ASSUME_BOARD_OPTION[1]}; parquet: also the board partition of a raw stream`)
    .action(async (file: string, opts: { format?: string; output?: string; verbose?: boolean; wallClock: boolean; raw?: boolean; packets?: boolean; csv?: boolean; board?: string }) => {
      const format = (opts.format ?? defaultExportFormat(opts.output)).toLowerCase();
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`unknown export format '${opts.format}'; use ${EXPORT_FORMATS.join(', ')}`);
      }
      const output = opts.output ?? STDIO_PATH;
      if (format === 'ctf' && output === STDIO_PATH) {
        throw new UsageError('CTF is a folder of files: give it with -o <dir>');
      }
      if (format === 'parquet') {
        // loaded here only: DuckDB is a native module the other formats do without
        const { exportParquetCommand } = await import('../../export/parquet-command.js');
        return exportParquetCommand(file, opts, io);
      }
      if (output !== STDIO_PATH) checkOutputPath(file, output, format === 'ctf');
      if (format === 'ctf') prepareCtfDir(output, false);
      // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
      const names = await openElf(opts, io.warn);
      const assumeHeader = assumedHeader(opts, names);
      // stdin is spooled: the wall-clock fit reads the capture before the export pass.
      await withRereadableInput(file, io.stdin, async (path, name) => {
        const info: ExportInfo = {
          source: inputName(file),
          wallClock: await wallClockInfo(path, opts.wallClock, io),
          raw: opts.raw === true,
        };
        const run = { io, name, label: `exporting ${format}`, info, verbose: opts.verbose, assumeHeader };
        if (format === 'ctf') {
          const made = prepareCtfDir(output, true);
          const dir = new DirSinkFactory(output);
          const ctf = new CtfExporter(dir);
          let n: number;
          try {
            n = await runExport(path, withNames(ctf, names), run);
          } catch (err) {
            dir.abort();
            if (made) removeMadeDirs(output);
            throw err;
          }
          io.status(`wrote CTF trace ${output} (${n} events); open it with: babeltrace2 ${output}`);
          if (ctf.timeClamped > 0) {
            io.status(
              `warning: ${ctf.timeClamped} event(s) had a time before an earlier event of their core (time_unproven); CTF needs monotonic time, so they carry the earlier time`,
            );
          }
          if (ctf.lossWindowsChanged > 0) {
            io.status(
              `${ctf.lossWindowsChanged} loss window(s) overlapped another (packets that arrived after a FINAL status); CTF shows each group as one window with the summed count`,
            );
          }
          if (ctf.lossWindowsLate > 0) {
            io.status(`warning: ${ctf.lossWindowsLate} loss window(s) began before an event already written; CTF shows them starting at that event`);
          }
          for (const sub of ctf.sessionDirs().filter((d) => d !== '')) {
            io.status(`the target reset; the later session is its own trace: babeltrace2 ${join(output, sub)}`);
          }
          return;
        }
        const target = openOutput(output, io);
        const exporter: Exporter = withNames(
          format === 'jsonl' ? new JsonlExporter(target.sink) : format === 'csv' ? new CsvExporter(target.sink) : new ChromeJsonExporter(target.sink),
          names,
        );
        let n: number;
        try {
          const drain = target.sink instanceof StreamSink ? () => (target.sink as StreamSink).drain() : undefined;
          n = await runExport(path, exporter, { ...run, drain });
          await target.finish();
        } catch (err) {
          target.abort();
          throw err;
        }
        if (!target.toStdout) io.status(`wrote ${output} (${format}, ${n} events)`);
      });
    });
}
