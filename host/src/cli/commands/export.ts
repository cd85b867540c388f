// tracepipe export <file> --format ctf|perfetto|chrome|jsonl|csv|parquet: the decoded trace in a format
// other tools open, through the library's exportTrace (api/export.ts, the one place that chooses
// an exporter). Every exporter streams (host/src/export/types.ts), so memory stays bounded
// however large the capture is. Output goes to -o, or to stdout for the one-file formats;
// `-` is stdin as input and stdout as output.
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { EXPORT_FORMATS, exportTrace, type ExportFormat } from '../../api/export.js';
import { STDIO_PATH } from '../../io/input.js';
import { ASSUME_BOARD_OPTION } from '../assumed-header.js';
import { CliIo } from '../output.js';

/** -o endings that name a format when -f is not given; anything else (and stdout) is jsonl. */
const FORMAT_OF_EXTENSION: Record<string, ExportFormat> = {
  '.ctf': 'ctf',
  '.perfetto-trace': 'perfetto',
  '.pftrace': 'perfetto',
  '.json': 'chrome',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
};

/** The format `export` writes without -f: from the -o ending, a CTF folder for an existing one, else jsonl. */
export function defaultExportFormat(output: string | undefined): ExportFormat {
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

export function register(program: Command, io = new CliIo()): void {
  program
    .command('export')
    .description('export a trace for other tools: CTF (babeltrace2, Trace Compass), Perfetto (protobuf), Chrome/Perfetto JSON, JSONL, CSV, or a Parquet dataset (docs/DATA.md)')
    .argument('<file>', 'capture file (.tpt) or raw byte stream; - reads stdin')
    .option(
      '-f, --format <format>',
      `${EXPORT_FORMATS.join(', ')} (perfetto: Perfetto's protobuf trace; chrome: Chrome's JSON trace events, which Perfetto opens too); default: from the -o ending (.ctf, .perfetto-trace, .json, .jsonl, .csv), else jsonl`,
    )
    .option('-o, --output <path>', 'output folder (ctf) or file; - or none is stdout (jsonl, csv, perfetto and chrome)')
    .option('--no-wall-clock', 'do not fit target time to the capture\'s host receive times')
    .option('--raw', 'with --elf, also write the raw wire words (perfetto raw0.., chrome args_raw; ctf: untyped classes); jsonl args and csv args_raw always have them')
    .option('--packets', 'parquet: also write the packets table')
    .option('--csv', 'parquet: also write every partition as CSV under <dir>/csv/ (for engines without a Parquet reader)')
    .addOption(
      new Option('--threads <n>', 'ctf and perfetto: 1 decodes on one thread; 2 lets a worker thread decode a long file of stream bytes too, the same bytes (default: 2 when the machine has a second core free)').choices(['1', '2']),
    )
    .option('-v, --verbose', 'also print informational notices on stderr')
    // --board: the board the stream came from. It gives the facts of a lost header, and the
    // parquet partition of a raw stream (a capture names its board itself).
    .option(ASSUME_BOARD_OPTION[0], `${ASSUME_BOARD_OPTION[1]}; parquet: also the board partition of a raw stream`)
    // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
    .action(async (file: string, opts: { format?: string; output?: string; verbose?: boolean; wallClock: boolean; raw?: boolean; packets?: boolean; csv?: boolean; board?: string; elf?: string; force?: boolean; threads?: string }) => {
      await exportTrace(
        file,
        {
          format: (opts.format ?? defaultExportFormat(opts.output)) as ExportFormat,
          output: opts.output ?? STDIO_PATH,
          elf: opts.elf,
          force: opts.force,
          raw: opts.raw,
          wallClock: opts.wallClock,
          board: opts.board,
          packets: opts.packets,
          csv: opts.csv,
          threads: opts.threads === undefined ? undefined : Number(opts.threads),
          onWarning: io.warn,
          onStatus: io.warn,
        },
        { stdin: io.stdin, stdout: io.stdout, stdoutFd: io.stdoutFd, progress: io.stderrIsTTY ? io.stderr : undefined, verbose: opts.verbose },
      );
    });
}
