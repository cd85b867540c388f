// `export --format parquet -o <dataset-dir>` (api/export.ts exportTrace, loaded lazily there):
// adds the capture's partitions to a dataset folder (made if absent, in a folder that exists).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { openElf } from '../cli/elf-option.js';
import { CliError, UsageError } from '../cli/errors.js';
import { inputName, STDIO_PATH, withRereadableInput } from '../io/input.js';
import { wallClockInfo, type ExportEdge, type ExportOptions, type ExportResult } from '../api/export.js';
import { captureToDataset } from './parquet-capture.js';
import { CSV_DIR, SCHEMA_FILE, TABLES } from './parquet.js';

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

export async function exportParquet(file: string, o: ExportOptions, edge: ExportEdge): Promise<ExportResult> {
  const out = o.output;
  if (!out || out === STDIO_PATH) throw new UsageError('a Parquet dataset is a folder: give it with -o <dir>');
  checkDatasetDir(out);
  const warn = o.onWarning ?? (() => undefined);
  const status = o.onStatus ?? (() => undefined);
  const names = await openElf({ elf: o.elf, force: o.force }, warn);
  return withRereadableInput(file, edge.stdin ?? process.stdin, async (path, name) => {
    const wallClock = await wallClockInfo(path, o.wallClock !== false, status);
    const r = await captureToDataset(path, out, {
      name: inputName(file) === 'stdin' ? name : file,
      names,
      elfPath: o.elf,
      wallClock,
      board: o.board,
      packets: o.packets,
      csv: o.csv,
      warn,
      verbose: edge.verbose,
    });
    status(`wrote ${r.events} events to ${join(out, 'events', `board=${r.board}`, `capture=${r.id}`)} (Parquet dataset ${out}); query it with: tracepipe query "SELECT ..." ${out}`);
    return { output: out, events: r.events };
  });
}
