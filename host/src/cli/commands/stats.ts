// tracepipe stats <file>: per-core accounting (generated, decoded, and losses by cause) and the
// identity generated = decoded + dropped + overwritten + link_lost.
import type { Command } from 'commander';
import { statsToJson } from '../../core/jsonl.js';
import { jsonLine } from '../../core/text.js';
import { clockFitOf } from '../../export/wall-clock.js';
import { withRereadableInput } from '../../io/input.js';
import { CliIo, LineWriter } from '../output.js';
import { statsTable, wallClockJson, wallClockLine } from '../stats-format.js';
import { decodeTraceFile } from '../trace-file.js';
import { NameCounter, openElf } from '../elf-option.js';

export function register(program: Command, io = new CliIo()): void {
  program
    .command('stats')
    .description('per-core event accounting with losses by cause; for a capture also the UTC fit (drift, error bound)')
    .argument('<file>', 'capture file, or a raw byte stream; - reads stdin')
    .option('--json', 'print one JSON object: {cores: [...], total, identity, sessions, wall_clock}')
    .action(async (file: string, opts: { json?: boolean }) => {
      const names = await openElf(opts, io.warn);
      const byName = new NameCounter();
      // stdin is spooled: the wall-clock fit reads the capture a second time.
      const { result, wallClock } = await withRereadableInput(file, io.stdin, async (path, name) => {
        const result = await decodeTraceFile(path, {
          onRecord: names
            ? (raw) => {
                const rec = names.apply(raw);
                if (rec.type === 'event') byName.add(rec);
              }
            : undefined,
          warn: io.warn,
          name,
        });
        // Only a capture has host receive times to fit target time to UTC (issue 6 §6).
        return { result, wallClock: result.input.kind === 'capture' ? await clockFitOf(path) : undefined };
      });
      const out = new LineWriter(io.stdout);
      if (opts.json) {
        out.line(jsonLine({ ...statsToJson(result.stats), wall_clock: wallClockJson(wallClock), ...(names ? { events_by_name: byName.rows() } : {}) }));
      } else {
        for (const line of [...statsTable(result.stats), wallClockLine(wallClock)]) out.line(line);
        if (names) for (const line of byName.table()) out.line(line);
      }
      await out.end();
    });
}
