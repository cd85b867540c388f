// `tracepipe export <file> --format parquet -o <dataset-dir>`: adds the capture's partitions to
// a dataset folder (made if absent, in a folder that exists). Loaded lazily by export.ts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { openElf } from '../cli/elf-option.js';
import { CliError, UsageError } from '../cli/errors.js';
import type { CliIo } from '../cli/output.js';
import { inputName, STDIO_PATH, withRereadableInput } from '../io/input.js';
import { wallClockInfo } from '../cli/commands/export.js';
import { captureToDataset } from './parquet-capture.js';
import { CSV_DIR, SCHEMA_FILE, TABLES } from './parquet.js';

export interface ExportParquetOptions {
  output?: string;
  wallClock: boolean;
  verbose?: boolean;
  packets?: boolean;
  csv?: boolean;
  board?: string;
  elf?: string;
}

/** A dataset folder must be new, empty, or a dataset already (only its tables and _schema.json at the top). */
export function checkDatasetDir(dir: string): void {
  const parent = dirname(resolve(dir));
  if (!existsSync(parent)) throw new CliError(`cannot write ${dir}: folder ${parent} does not exist`);
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new CliError(`${dir} exists and is not a folder; a Parquet dataset is a folder (-o <dir>)`);
  const ours = new Set([...Object.keys(TABLES), SCHEMA_FILE, CSV_DIR]);
  const foreign = readdirSync(dir).filter((n) => !ours.has(n));
  if (foreign.length > 0) throw new CliError(`${dir} is not a tracepipe dataset (holds ${foreign[0]}); choose a new or empty folder`);
}

export async function exportParquetCommand(file: string, opts: ExportParquetOptions, io: CliIo): Promise<void> {
  const out = opts.output;
  if (!out || out === STDIO_PATH) throw new UsageError('a Parquet dataset is a folder: give it with -o <dir>');
  checkDatasetDir(out);
  const names = await openElf(opts, io.warn);
  await withRereadableInput(file, io.stdin, async (path, name) => {
    const wallClock = await wallClockInfo(path, opts.wallClock, io);
    const r = await captureToDataset(path, out, {
      name: inputName(file) === 'stdin' ? name : file,
      names,
      elfPath: opts.elf,
      wallClock,
      board: opts.board,
      packets: opts.packets,
      csv: opts.csv,
      warn: io.warn,
      verbose: opts.verbose,
    });
    io.status(`wrote ${r.events} events to ${join(out, 'events', `board=${r.board}`, `capture=${r.id}`)} (Parquet dataset ${out}); query it with: tracepipe query "SELECT ..." ${out}`);
  });
}
