// tracepipe view <file> [-o view.html]: one self-contained HTML timeline (no network),
// opened in any browser. `-` is stdin as input (then -o is needed) and stdout as output.
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { VIEW_MAX_EVENTS, ViewExporter } from '../../export/view.js';
import { inputName, STDIO_PATH, withRereadableInput } from '../../io/input.js';
import { openElf, withNames } from '../elf-option.js';
import { ASSUME_BOARD_OPTION, assumedHeader } from '../assumed-header.js';
import { UsageError } from '../errors.js';
import { CliIo } from '../output.js';
import { checkOutputPath, openOutput, runExport, wallClockInfo } from '../../api/export.js';

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

export function register(program: Command, io = new CliIo()): void {
  program
    .command('view')
    .description('write an HTML timeline of a trace (one self-contained file: lanes per core, losses, zoom, hover)')
    .argument('<file>', 'capture file (.tpt) or raw byte stream; - reads stdin (give -o)')
    .option('-o, --output <file>', 'HTML file to write (default: the trace path with .html); - is stdout')
    .option('--from <seconds>', 'embed only events at or after this target time', parseTime)
    .option('--to <seconds>', 'embed only events at or before this target time', parseTime)
    .option('--max-events <n>', `embed at most this many events (default ${VIEW_MAX_EVENTS})`, parseCount)
    .option('--no-wall-clock', 'do not fit target time to the capture\'s host receive times')
    .option('-v, --verbose', 'also print informational notices on stderr')
    .option(...ASSUME_BOARD_OPTION)
    .action(async (file: string, opts: { output?: string; verbose?: boolean; wallClock: boolean; from?: bigint; to?: bigint; maxEvents?: number; board?: string }) => {
      if (file === STDIO_PATH && opts.output === undefined) {
        throw new UsageError('view of stdin: give the HTML file with -o (or -o - for stdout)');
      }
      const out = opts.output ?? defaultViewPath(file);
      if (out !== STDIO_PATH) checkOutputPath(file, out);
      // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
      const names = await openElf(opts, io.warn);
      const assumeHeader = assumedHeader(opts, names);
      const title = basename(inputName(file));
      await withRereadableInput(file, io.stdin, async (path, name) => {
        const target = openOutput(out, { stdout: io.stdout });
        const view = new ViewExporter(target.sink, { title, fromNs: opts.from, toNs: opts.to, maxEvents: opts.maxEvents });
        let n: number;
        try {
          n = await runExport(path, withNames(view, names), {
            warn: io.warn,
            progress: io.stderrIsTTY ? io.stderr : undefined,
            name,
            label: 'building view',
            info: { source: title, wallClock: await wallClockInfo(path, opts.wallClock, io.warn) },
            verbose: opts.verbose,
            assumeHeader,
          });
          await target.finish();
        } catch (err) {
          target.abort();
          throw err;
        }
        const shown = n - view.omitted.window - view.omitted.limit;
        io.status(`wrote ${target.toStdout ? 'stdout' : out} (${shown} of ${n} events)${target.toStdout ? '' : '; open it in a browser'}`);
        if (view.omitted.limit > 0) {
          io.status(
            `warning: the view holds the first ${shown} events; ${view.omitted.limit} later ones are not in it (use --from/--to or --max-events)`,
          );
        }
      });
    });
}
