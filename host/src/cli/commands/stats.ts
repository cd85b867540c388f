// tracepipe stats <file>: per-core accounting (generated, decoded, and losses by cause) and the
// identity generated = decoded + dropped + overwritten + link_lost.
import type { Command } from 'commander';
import { statsToJson } from '../../core/jsonl.js';
import { clockFitOf } from '../../export/wall-clock.js';
import { lossProblem, statsTable, wallClockJson, wallClockLine } from '../stats-format.js';
import { CliError } from '../errors.js';
import { decodeTraceFile } from '../trace-file.js';
import { NameCounter, openElf } from '../elf-option.js';
import { ASSUME_BOARD_OPTION, assumedHeader } from '../assumed-header.js';

export function register(program: Command): void {
  program
    .command('stats')
    .description('per-core event accounting with losses by cause; for a capture also the UTC fit (drift, error bound)')
    .argument('<file>', 'capture file, or a raw byte stream')
    .option('--json', 'print one JSON object: {cores: [...], total, identity, closed, lossless, sessions, wall_clock}')
    .option('--fail-on-loss', 'exit 1 after the report on any loss, unclosed books (no FINAL status) or a failed identity')
    .option(...ASSUME_BOARD_OPTION)
    .action(async (file: string, opts: { json?: boolean; failOnLoss?: boolean; board?: string }) => {
      const names = await openElf(opts, (line) => process.stderr.write(`tracepipe: ${line}\n`));
      const byName = new NameCounter();
      const result = await decodeTraceFile(file, {
        onRecord: names
          ? (raw) => {
              const rec = names.apply(raw);
              if (rec.type === 'event') byName.add(rec);
            }
          : undefined,
        warn: (line) => process.stderr.write(`tracepipe: ${line}\n`),
        assumeHeader: assumedHeader(opts, names),
      });
      // Only a capture has host receive times to fit target time to UTC (issue 6 §6).
      const wallClock = result.input.kind === 'capture' ? await clockFitOf(file) : undefined;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...statsToJson(result.stats), wall_clock: wallClockJson(wallClock), ...(names ? { events_by_name: byName.rows() } : {}) })}\n`);
      } else {
        process.stdout.write(`${[...statsTable(result.stats), wallClockLine(wallClock)].join('\n')}\n`);
        if (names) process.stdout.write(`${byName.table().join('\n')}\n`);
      }
      const problem = opts.failOnLoss ? lossProblem(result.stats) : null;
      if (problem) throw new CliError(`${file}: not lossless (--fail-on-loss): ${problem}`);
    });
}
