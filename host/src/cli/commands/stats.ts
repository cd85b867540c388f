// tracepipe stats <file>: per-core accounting (generated, decoded, and losses by cause) and the
// identity generated = decoded + dropped + overwritten + link_lost + rejected. The numbers are
// the library's (api/trace.ts traceStats); this prints them as text or JSON.
import { InvalidArgumentError, type Command } from 'commander';
import { statsReportJson, traceStats } from '../../api/trace.js';
import { jsonLine } from '../../core/text.js';
import { CliIo, LineWriter } from '../output.js';
import { eventStatsLines, lossProblem, statsTable, wallClockLine } from '../stats-format.js';
import { CliError } from '../errors.js';
import { ASSUME_BOARD_OPTION } from '../assumed-header.js';

function threadCount(v: string): 1 | 2 {
  if (v !== '1' && v !== '2') throw new InvalidArgumentError('expected 1 or 2.');
  return v === '2' ? 2 : 1;
}

export function register(program: Command, io = new CliIo()): void {
  program
    .command('stats')
    .description('per-core event accounting with losses by cause; for a capture also the UTC fit (drift, error bound)')
    .argument('<file>', 'capture file, or a raw byte stream; - reads stdin')
    .option('--json', 'print one JSON object: {cores: [...], total, identity, closed, lossless, sessions, wall_clock} (+ events: [...] with --events)')
    .option('--events', 'per event name or id and core: count, rate; span/ISR durations (min/mean/p50/p99/max, cut by loss) and ISR CPU share; counter min/max/last')
    .option('--fail-on-loss', 'exit 1 after the report on any loss (rejected included), unclosed books (no FINAL status) or a failed identity')
    .option('--threads <n>', '2: check frames on a second thread as well (same result; for a file of stream bytes above 8 MiB, not stdin or a capture, without --elf and --events)', threadCount, 1)
    .option(...ASSUME_BOARD_OPTION)
    // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
    .action(async (file: string, opts: { json?: boolean; events?: boolean; failOnLoss?: boolean; board?: string; elf?: string; force?: boolean; threads: 1 | 2 }) => {
      const report = await traceStats(
        file,
        { elf: opts.elf, force: opts.force, board: opts.board, events: opts.events, threads: opts.threads, onWarning: io.warn },
        // io.stdin only for `-`
        {
          get stdin() {
            return io.stdin;
          },
        },
      );
      const out = new LineWriter(io.stdout);
      if (opts.json) {
        out.line(jsonLine(statsReportJson(report)));
      } else {
        for (const line of [...statsTable(report.cores), wallClockLine(report.wallClock)]) out.line(line);
        if (report.byName) for (const line of report.byName.table()) out.line(line);
        if (report.events) for (const line of eventStatsLines(report.events)) out.line(line);
      }
      await out.end();
      const problem = opts.failOnLoss ? lossProblem(report.cores) : null;
      if (problem) throw new CliError(`${file}: not lossless (--fail-on-loss): ${problem}`);
    });
}
