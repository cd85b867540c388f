// tracepipe view <file> [-o view.html]: one self-contained HTML timeline (no network),
// opened in any browser.
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { FileSink } from '../../export/sinks.js';
import { ViewExporter } from '../../export/view.js';
import { openElf, withNames } from '../elf-option.js';
import { UsageError } from '../errors.js';
import { runExport, wallClockInfo } from './export.js';

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
    .option('--no-wall-clock', 'do not fit target time to the capture\'s host receive times')
    .option('-v, --verbose', 'also print informational notices on stderr')
    .action(async (file: string, opts: { output?: string; verbose?: boolean; wallClock: boolean }) => {
      const out = opts.output ?? defaultViewPath(file);
      if (out === file) throw new UsageError(`output ${out} is the input file; choose another -o`);
      // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
      const names = await openElf(opts, (line) => process.stderr.write(`tracepipe: ${line}\n`));
      const sink = new FileSink(out);
      let n: number;
      try {
        n = await runExport(file, withNames(new ViewExporter(sink, { title: basename(file) }), names), {
          label: 'building view',
          info: { source: basename(file), wallClock: await wallClockInfo(file, opts.wallClock) },
          verbose: opts.verbose,
        });
      } catch (err) {
        sink.abort();
        throw err;
      }
      process.stderr.write(`tracepipe: wrote ${out} (${n} events); open it in a browser\n`);
    });
}
