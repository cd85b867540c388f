// tracepipe decode <file>: one line per record on stdout (text or JSONL), warnings on stderr.
// `-` reads stdin, as it arrives.
import type { Command } from 'commander';
import { ByteOut, writeJsonEvents, writeTextEvents } from '../../core/batch-format.js';
import { recordToJson } from '../../core/jsonl.js';
import { jsonLine } from '../../core/text.js';
import type { TraceRecord } from '../../core/types.js';
import { UsageError } from '../errors.js';
import { CliIo, LineWriter } from '../output.js';
import { decodeTraceFile } from '../trace-file.js';
import { openElf } from '../elf-option.js';
import { ASSUME_BOARD_OPTION, assumedHeader } from '../assumed-header.js';
import { addFilterOptions, recordFilter, recordLine, type FilterOptions } from '../record-filter.js';

const FORMATS = ['text', 'jsonl'] as const;

export function register(program: Command, io = new CliIo()): void {
  const cmd = program
    .command('decode')
    .description('decode a capture (.tpt) or raw stream file: events, losses, headers and statuses, one per line')
    .argument('<file>', 'capture file, or a raw byte stream such as QEMU -serial file: output; - reads stdin')
    .option('-f, --format <format>', `output format: ${FORMATS.join(' or ')}`, 'text')
    .option('--events-only', 'print only event records')
    .option('-v, --verbose', 'also print informational notices on stderr')
    .option(...ASSUME_BOARD_OPTION);
  addFilterOptions(cmd)
    .action(async (file: string, opts: FilterOptions & { format: string; eventsOnly?: boolean; verbose?: boolean; board?: string }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`unknown format '${opts.format}'; use ${FORMATS.join(' or ')}`);
      }
      const wanted = recordFilter(opts);
      const names = await openElf(opts, io.warn);
      const out = new LineWriter(io.stdout);
      const format: (rec: TraceRecord) => string =
        opts.format === 'jsonl' ? (rec) => jsonLine(recordToJson(rec)) : (rec) => recordLine(rec, opts);
      // Without names or filters every event line comes from the batch columns (core/batch.ts),
      // written as bytes; the other records' lines join them in the same buffer, in order.
      const batched = !names && (['kind', 'name', 'core', 'level'] as const).every((k) => opts[k] === undefined);
      const bytes = new ByteOut();
      const writeEvents = opts.format === 'jsonl' ? writeJsonEvents : writeTextEvents;
      const handOver = () => {
        if (bytes.pos > 0) out.bytes(bytes.take());
      };
      await decodeTraceFile(file, {
        onRecord: (raw) => {
          const rec = names ? names.apply(raw) : raw;
          if (opts.eventsOnly && rec.type !== 'event') return;
          if (!wanted(rec)) return;
          if (batched) bytes.str(`${format(rec)}\n`);
          else out.line(format(rec));
        },
        onEvents: batched
          ? (b, from, to) => {
              writeEvents(bytes, b, from, to);
              if (bytes.pos >= 1 << 20) handOver();
            }
          : undefined,
        warn: io.warn,
        verbose: opts.verbose,
        afterChunk: () => {
          handOver();
          return out.flush();
        },
        assumeHeader: assumedHeader(opts, names),
        stdin: io.stdin,
      });
      handOver();
      await out.end();
    });
}
