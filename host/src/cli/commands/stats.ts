// tracepipe stats <file>: per-core accounting (generated, decoded, and losses by cause) and the
// identity generated = decoded + dropped + overwritten + link_lost.
import type { Command } from 'commander';
import { statsToJson } from '../../core/jsonl.js';
import { statsTable } from '../stats-format.js';
import { decodeTraceFile } from '../trace-file.js';

export function register(program: Command): void {
  program
    .command('stats')
    .description('per-core event accounting of a capture or raw stream file, with losses by cause')
    .argument('<file>', 'capture file, or a raw byte stream')
    .option('--json', 'print one JSON object: {cores: [...], total, identity, sessions}')
    .action(async (file: string, opts: { json?: boolean }) => {
      const result = await decodeTraceFile(file, {
        warn: (line) => process.stderr.write(`tracepipe: ${line}\n`),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(statsToJson(result.stats))}\n`);
      } else {
        process.stdout.write(`${statsTable(result.stats).join('\n')}\n`);
      }
    });
}
