// tracepipe view <file> [-o view.html]: one self-contained HTML timeline (no network),
// opened in any browser.
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { FileSink } from '../../export/sinks.js';
import { InvalidArgumentError } from 'commander';
import { VIEW_MAX_EVENTS, ViewExporter } from '../../export/view.js';
import { openElf, withNames } from '../elf-option.js';
import { ASSUME_BOARD_OPTION, assumedHeader } from '../assumed-header.js';
import { UsageError } from '../errors.js';
import { checkOutputPath, runExport, wallClockInfo } from './export.js';

function parseTime(v: string): bigint {
  const s = Number(v);
  if (!Number.isFinite(s) || s < 0) throw new InvalidArgumentError('expected a time in seconds, such as 1.5');
  return BigInt(Math.round(s * 1e9));
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function defaultViewPath(file: string): string {
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.html`);
}

export function register(program: Command): void {
  program
    .command('view')
    .description('write an HTML timeline of a trace (one self-contained file: lanes per core, losses, zoom, hover)')
    .argument('<file>', 'capture file (.tpt) or raw byte stream')
    .option('-o, --output <file>', 'HTML file to write (default: the trace path with .html)')
    .option('--from <seconds>', 'embed only events at or after this target time', parseTime)
    .option('--to <seconds>', 'embed only events at or before this target time', parseTime)
    .option('--max-events <n>', `embed at most this many events (default ${VIEW_MAX_EVENTS})`, parseCount)
    .option('--no-wall-clock', 'do not fit target time to the capture\'s host receive times')
    .option('-v, --verbose', 'also print informational notices on stderr')
    .option(...ASSUME_BOARD_OPTION)
    .action(async (file: string, opts: { output?: string; verbose?: boolean; wallClock: boolean; from?: bigint; to?: bigint; maxEvents?: number; board?: string }) => {
      const out = opts.output ?? defaultViewPath(file);
      if (out === file) throw new UsageError(`output ${out} is the input file; choose another -o`);
      checkOutputPath(file, out);
      // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
      const names = await openElf(opts, (line) => process.stderr.write(`tracepipe: ${line}\n`));
      const sink = new FileSink(out);
      const view = new ViewExporter(sink, { title: basename(file), fromNs: opts.from, toNs: opts.to, maxEvents: opts.maxEvents });
      let n: number;
      try {
        n = await runExport(file, withNames(view, names), {
          label: 'building view',
          info: { source: basename(file), wallClock: await wallClockInfo(file, opts.wallClock) },
          verbose: opts.verbose,
          assumeHeader: assumedHeader(opts, names),
        });
      } catch (err) {
        sink.abort();
        throw err;
      }
      const shown = n - view.omitted.window - view.omitted.limit;
      process.stderr.write(`tracepipe: wrote ${out} (${shown} of ${n} events); open it in a browser\n`);
      if (view.omitted.limit > 0) {
        process.stderr.write(
          `tracepipe: warning: the view holds the first ${shown} events; ${view.omitted.limit} later ones are not in it (use --from/--to or --max-events)\n`,
        );
      }
    });
}
