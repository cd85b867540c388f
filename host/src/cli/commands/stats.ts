// tracepipe stats <file>: per-core accounting (generated, decoded, and losses by cause) and the
// identity generated = decoded + dropped + overwritten + link_lost + rejected.
import type { Command } from 'commander';
import { statsToJson } from '../../core/jsonl.js';
import { jsonLine } from '../../core/text.js';
import { clockFitOf } from '../../export/wall-clock.js';
import { withRereadableInput } from '../../io/input.js';
import { CliIo, LineWriter } from '../output.js';
import { eventStatsLines, lossProblem, statsTable, wallClockJson, wallClockLine } from '../stats-format.js';
import { CliError } from '../errors.js';
import { ASSUME_BOARD_OPTION, assumedHeader } from '../assumed-header.js';
import { decodeTraceFile } from '../trace-file.js';
import { NameCounter, openElf } from '../elf-option.js';
import { EventStats, eventStatsToJson } from '../../core/event-stats.js';

export function register(program: Command, io = new CliIo()): void {
  program
    .command('stats')
    .description('per-core event accounting with losses by cause; for a capture also the UTC fit (drift, error bound)')
    .argument('<file>', 'capture file, or a raw byte stream; - reads stdin')
    .option('--json', 'print one JSON object: {cores: [...], total, identity, closed, lossless, sessions, wall_clock} (+ events: [...] with --events)')
    .option('--events', 'per event name or id and core: count, rate; span/ISR durations (min/mean/p50/p99/max, cut by loss) and ISR CPU share; counter min/max/last')
    .option('--fail-on-loss', 'exit 1 after the report on any loss (rejected included), unclosed books (no FINAL status) or a failed identity')
    .option(...ASSUME_BOARD_OPTION)
    .action(async (file: string, opts: { json?: boolean; events?: boolean; failOnLoss?: boolean; board?: string }) => {
      const names = await openElf(opts, io.warn);
      const byName = new NameCounter();
      const perEvent = opts.events ? new EventStats() : undefined;
      const assumeHeader = assumedHeader(opts, names);
      // stdin is spooled: the wall-clock fit reads the capture a second time.
      const { result, wallClock } = await withRereadableInput(file, io.stdin, async (path, name) => {
        const result = await decodeTraceFile(path, {
          onRecord:
            names || perEvent
              ? (raw) => {
                  const rec = names ? names.apply(raw) : raw;
                  if (names && rec.type === 'event') byName.add(rec);
                  perEvent?.add(rec);
                }
              : undefined,
          // without names or per-event figures no event object is needed: accounting only
          objects: names !== undefined || perEvent !== undefined,
          warn: io.warn,
          name,
          assumeHeader,
        });
        // Only a capture has host receive times to fit target time to UTC (issue 6 §6).
        return { result, wallClock: result.input.kind === 'capture' ? await clockFitOf(path) : undefined };
      });
      const out = new LineWriter(io.stdout);
      if (opts.json) {
        out.line(jsonLine({ ...statsToJson(result.stats), wall_clock: wallClockJson(wallClock), ...(names ? { events_by_name: byName.rows() } : {}), ...(perEvent ? { events: eventStatsToJson(perEvent.rows()) } : {}) }));
      } else {
        for (const line of [...statsTable(result.stats), wallClockLine(wallClock)]) out.line(line);
        if (names) for (const line of byName.table()) out.line(line);
        if (perEvent) for (const line of eventStatsLines(perEvent.rows())) out.line(line);
      }
      await out.end();
      const problem = opts.failOnLoss ? lossProblem(result.stats) : null;
      if (problem) throw new CliError(`${file}: not lossless (--fail-on-loss): ${problem}`);
    });
}
