// Exports as a library: the streaming exporters of host/src/export/ fed by one decode pass,
// as `tracepipe export` does, into a file (or a CTF folder).
import { existsSync, readdirSync } from 'node:fs';
import { ChromeJsonExporter } from '../export/chrome.js';
import { CsvExporter } from '../export/csv.js';
import { CtfExporter } from '../export/ctf.js';
import { JsonlExporter } from '../export/jsonl.js';
import { DirSinkFactory, FileSink } from '../export/sinks.js';
import { exporterFeed, type Exporter } from '../export/types.js';
import { wallClockOf } from '../export/wall-clock.js';
import { checkOutputPath } from '../cli/commands/export.js';
import { openElf, withNames } from '../cli/elf-option.js';
import { decodeTraceFile } from '../cli/trace-file.js';
import { CliError } from '../errors.js';

/** perfetto is Chrome's JSON trace format (opens in ui.perfetto.dev and chrome://tracing). */
export type ExportFormat = 'ctf' | 'perfetto' | 'jsonl' | 'csv';

export interface ExportOptions {
  format: ExportFormat;
  /** the file to write; for ctf a folder (new or empty) */
  output: string;
  /** firmware ELF: named events and typed fields */
  elf?: string;
  force?: boolean;
  /** also write the raw wire words next to typed values */
  raw?: boolean;
  /** fit target time to the capture's host receive times (default true) */
  wallClock?: boolean;
  onWarning?(line: string): void;
}

export interface ExportResult {
  output: string;
  /** events written */
  events: number;
}

/** Writes the trace at `path` in another tool's format; the output appears whole or not at all. */
export async function exportTrace(path: string, o: ExportOptions): Promise<ExportResult> {
  const warn = o.onWarning ?? (() => undefined);
  checkOutputPath(path, o.output, o.format === 'ctf');
  if (o.format === 'ctf' && existsSync(o.output) && readdirSync(o.output).length > 0) {
    throw new CliError(`${o.output} is not empty; choose a new folder for the CTF trace`);
  }
  const names = await openElf({ elf: o.elf, force: o.force }, warn);
  const info = { source: path, wallClock: o.wallClock === false ? undefined : await wallClockOf(path), raw: o.raw === true };
  let abort: () => void;
  let exporter: Exporter;
  if (o.format === 'ctf') {
    const dir = new DirSinkFactory(o.output);
    abort = () => dir.abort();
    exporter = new CtfExporter(dir);
  } else {
    const sink = new FileSink(o.output);
    abort = () => sink.abort();
    exporter = o.format === 'jsonl' ? new JsonlExporter(sink) : o.format === 'csv' ? new CsvExporter(sink) : new ChromeJsonExporter(sink);
  }
  exporter = withNames(exporter, names);
  const feed = exporterFeed(exporter, info);
  try {
    const result = await decodeTraceFile(path, { onRecord: feed.onRecord, onEvents: feed.onEvents, warn });
    feed.end(result.stats);
  } catch (err) {
    abort();
    throw err;
  }
  return { output: o.output, events: feed.events };
}
