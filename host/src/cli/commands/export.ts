// tracepipe export <file> --format ctf|perfetto|jsonl|csv: the decoded trace in a format other
// tools open. Every exporter streams (host/src/export/types.ts), so memory stays bounded
// however large the capture is. Output goes to -o, or to stdout for the one-file formats.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ChromeJsonExporter } from '../../export/chrome.js';
import { CsvExporter } from '../../export/csv.js';
import { CtfExporter } from '../../export/ctf.js';
import { JsonlExporter } from '../../export/jsonl.js';
import { ProgressBar } from '../../export/progress.js';
import { DirSinkFactory, FileSink, StreamSink } from '../../export/sinks.js';
import type { ExportInfo, Exporter, WallClock } from '../../export/types.js';
import { isoFromUnixNs } from '../../export/jsonl.js';
import { wallClockOf } from '../../export/wall-clock.js';
import { MIN_DRIFT_SAMPLES } from '../../core/clock-fit.js';
import { openElf, withNames } from '../elf-option.js';
import { CliError, UsageError } from '../errors.js';
import { decodeTraceFile } from '../trace-file.js';

export const EXPORT_FORMATS = ['ctf', 'perfetto', 'chrome', 'jsonl', 'csv'] as const;

/** Input bytes handed over per afterChunk call by readTraceInput (io/input.ts reads 256 KiB). */
const INPUT_CHUNK_ESTIMATE = 1 << 18;

export interface RunExportOptions {
  label: string;
  info: ExportInfo;
  verbose?: boolean;
  /** awaited between input chunks (back-pressure of a stdout sink) */
  drain?: () => Promise<void>;
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
  const bar = new ProgressBar(opts.label, size, process.stderr, process.stderr.isTTY === true && size > 16 << 20);
  let chunks = 0;
  let events = 0;
  let begun = false;
  const begin = () => {
    if (!begun) exporter.begin(opts.info);
    begun = true;
  };
  try {
    const result = await decodeTraceFile(file, {
      onRecord: (rec) => {
        begin();
        if (rec.type === 'event') events++;
        exporter.record(rec);
      },
      warn: (line) => {
        bar.done();
        process.stderr.write(`tracepipe: ${line}\n`);
      },
      verbose: opts.verbose,
      afterChunk: async () => {
        bar.update(++chunks * INPUT_CHUNK_ESTIMATE);
        if (opts.drain) await opts.drain();
      },
    });
    begin();
    exporter.end(result.stats);
  } finally {
    bar.done();
  }
  return events;
}

/** Fits the capture's host receive times (unless disabled) and says so on stderr. */
export async function wallClockInfo(file: string, enabled: boolean): Promise<WallClock | undefined> {
  if (!enabled) return undefined;
  const wc = await wallClockOf(file);
  if (wc) {
    process.stderr.write(
      `tracepipe: wall clock: t=0 is ${isoFromUnixNs(wc.originUnixNs)}, drift ${wc.driftPpm.toFixed(2)} ppm, ${
        wc.samples < MIN_DRIFT_SAMPLES ? 'no error bound' : `error <= ${(wc.errorNs / 1000).toFixed(1)} us`
      } (${wc.samples} sample windows)\n`,
    );
  }
  return wc;
}

/** Output problems become one line before any work is done (and before the wall-clock line). */
export function checkOutputPath(file: string, out: string, folder = false): void {
  if (resolve(file) === resolve(out)) throw new UsageError(`output ${out} is the input file; choose another -o`);
  // prepareCtfDir checks the CTF folder itself; like a file, it is made only in a folder that exists
  if (!folder && existsSync(out) && statSync(out).isDirectory()) throw new CliError(`${out} is a folder; give a file name with -o`);
  const parent = dirname(resolve(out));
  if (!existsSync(parent)) throw new CliError(`cannot write ${out}: folder ${parent} does not exist`);
}

/**
 * A CTF output folder must be new, empty, or an earlier CTF export, so nothing else is
 * overwritten. An earlier export is cleared first: a stale stream file of a core the new
 * trace lacks would make babeltrace2 reject the folder. Returns whether it made the folder
 * (only its last component: missing parents are refused by checkOutputPath).
 */
function prepareCtfDir(dir: string): boolean {
  if (!existsSync(dir)) {
    mkdirSync(dir);
    return true;
  }
  if (!statSync(dir).isDirectory()) throw new CliError(`${dir} exists and is not a folder; CTF needs a folder (-o <dir>)`);
  const ours = /^(metadata|stream_core\d+|session-\d+)$/;
  const foreign = readdirSync(dir).filter((n) => !ours.test(n));
  if (foreign.length > 0) throw new CliError(`${dir} is not empty (holds ${foreign[0]}); choose a new folder for the CTF trace`);
  for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true, force: true });
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

export function register(program: Command): void {
  program
    .command('export')
    .description('export a trace for other tools: CTF (babeltrace2, Trace Compass), Chrome/Perfetto JSON, JSONL or CSV')
    .argument('<file>', 'capture file (.tpt) or raw byte stream')
    .requiredOption('-f, --format <format>', `${EXPORT_FORMATS.join(', ')} (chrome is an alias of perfetto)`)
    .option('-o, --output <path>', 'output folder (ctf) or file; jsonl, csv and perfetto default to stdout')
    .option('--no-wall-clock', 'do not fit target time to the capture\'s host receive times')
    .option('--raw', 'with --elf, also write the raw wire words (perfetto args_raw; ctf: untyped classes); jsonl args and csv args_raw always have them')
    .option('-v, --verbose', 'also print informational notices on stderr')
    .action(async (file: string, opts: { format: string; output?: string; verbose?: boolean; wallClock: boolean; raw?: boolean }) => {
      const format = opts.format.toLowerCase();
      if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`unknown export format '${opts.format}'; use ${EXPORT_FORMATS.join(', ')}`);
      }
      if (format === 'ctf' && (!opts.output || opts.output === '-')) {
        throw new UsageError('CTF is a folder of files: give it with -o <dir>');
      }
      if (opts.output && opts.output !== '-') checkOutputPath(file, opts.output, format === 'ctf');
      // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
      const names = await openElf(opts, (line) => process.stderr.write(`tracepipe: ${line}\n`));
      const info: ExportInfo = {
        source: file,
        wallClock: await wallClockInfo(file, opts.wallClock),
        raw: opts.raw === true,
      };
      const label = `exporting ${format}`;
      if (format === 'ctf') {
        if (!opts.output || opts.output === '-') throw new UsageError('CTF is a folder of files: give it with -o <dir>');
        checkOutputPath(file, opts.output, true);
        const made = prepareCtfDir(opts.output);
        const dir = new DirSinkFactory(opts.output);
        const ctf = new CtfExporter(dir);
        let n: number;
        try {
          n = await runExport(file, withNames(ctf, names), { label, info, verbose: opts.verbose });
        } catch (err) {
          dir.abort();
          if (made) removeMadeDirs(opts.output);
          throw err;
        }
        process.stderr.write(`tracepipe: wrote CTF trace ${opts.output} (${n} events); open it with: babeltrace2 ${opts.output}\n`);
        if (ctf.timeClamped > 0) {
          process.stderr.write(
            `tracepipe: warning: ${ctf.timeClamped} event(s) had a time before an earlier event of their core (time_unproven); CTF needs monotonic time, so they carry the earlier time\n`,
          );
        }
        if (ctf.lossWindowsChanged > 0) {
          process.stderr.write(
            `tracepipe: ${ctf.lossWindowsChanged} loss window(s) overlapped another (packets that arrived after a FINAL status); CTF shows each group as one window with the summed count\n`,
          );
        }
        if (ctf.lossWindowsLate > 0) {
          process.stderr.write(
            `tracepipe: warning: ${ctf.lossWindowsLate} loss window(s) began before an event already written; CTF shows them starting at that event\n`,
          );
        }
        for (const sub of ctf.sessionDirs().filter((d) => d !== '')) {
          process.stderr.write(`tracepipe: the target reset; the later session is its own trace: babeltrace2 ${join(opts.output, sub)}\n`);
        }
        return;
      }
      const toStdout = !opts.output || opts.output === '-';
      if (!toStdout) checkOutputPath(file, opts.output!);
      const stdoutSink = toStdout ? new StreamSink(process.stdout) : undefined;
      const sink = stdoutSink ?? new FileSink(opts.output!);
      const exporter: Exporter = withNames(
        format === 'jsonl' ? new JsonlExporter(sink) : format === 'csv' ? new CsvExporter(sink) : new ChromeJsonExporter(sink),
        names,
      );
      let n: number;
      try {
        n = await runExport(file, exporter, { label, info, verbose: opts.verbose, drain: stdoutSink && (() => stdoutSink.drain()) });
      } catch (err) {
        if (sink instanceof FileSink) sink.abort();
        throw err;
      }
      if (stdoutSink) await stdoutSink.drain();
      else process.stderr.write(`tracepipe: wrote ${opts.output} (${format}, ${n} events)\n`);
    });
}
