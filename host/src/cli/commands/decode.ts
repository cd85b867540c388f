// tracepipe decode <file>: one line per record on stdout (text or JSONL), warnings on stderr.
// `-` reads stdin, as it arrives. The records are the library's (api/trace.ts decodeRecords).
import type { Command } from 'commander';
import { decodeRecords } from '../../api/trace.js';
import { writeJsonEvents, writeTextEvents } from '../../core/batch-format.js';
import { ByteOut } from '../../core/byte-out.js';
import { recordToJson } from '../../core/jsonl.js';
import { jsonLine } from '../../core/text.js';
import type { TraceRecord } from '../../core/types.js';
import { UsageError } from '../errors.js';
import { CliIo, LineWriter } from '../output.js';
import { ASSUME_BOARD_OPTION } from '../assumed-header.js';
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
    // --elf/--force are added to this command by elf-option.ts (addElfOptionsTo)
    .action(async (file: string, opts: FilterOptions & { format: string; eventsOnly?: boolean; verbose?: boolean; board?: string; elf?: string; force?: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`unknown format '${opts.format}'; use ${FORMATS.join(' or ')}`);
      }
      const wanted = recordFilter(opts);
      const out = new LineWriter(io.stdout, io.stdoutFd);
      const format: (rec: TraceRecord) => string =
        opts.format === 'jsonl' ? (rec) => jsonLine(recordToJson(rec)) : (rec) => recordLine(rec, opts);
      // Without names or filters every event line comes from the batch columns (core/batch.ts),
      // written as bytes; the other records' lines join them in the same buffer, in order.
      const batched = opts.elf === undefined && (['kind', 'name', 'core', 'level'] as const).every((k) => opts[k] === undefined);
      // full buffers go to the writer as they are (LineWriter.bytes keeps them)
      const bytes = new ByteOut(out.byteSink);
      const writeEvents = opts.format === 'jsonl' ? writeJsonEvents : writeTextEvents;
      try {
        await decodeRecords(
          file,
          (rec) => {
            if (opts.eventsOnly && rec.type !== 'event') return;
            if (!wanted(rec)) return;
            if (batched) bytes.text(`${format(rec)}\n`);
            else out.line(format(rec));
          },
          { elf: opts.elf, force: opts.force, board: opts.board, onWarning: io.warn },
          {
            stdin: io.stdin,
            verbose: opts.verbose,
            onEvents: batched
              ? (b, from, to) => writeEvents(bytes, b, from, to)
              : undefined,
            afterChunk: () => {
              bytes.flush();
              return out.flush();
            },
          },
        );
      } catch (err) {
        // the lines before the failure still reach the output (a background write may be in flight)
        try {
          bytes.flush();
          await out.end();
        } catch {
          // the failure being reported matters more
        }
        throw err;
      }
      bytes.flush();
      await out.end();
    });
}
