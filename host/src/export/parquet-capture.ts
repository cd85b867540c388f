// One capture (or raw stream) into a Parquet dataset folder: the decode pass of
// `tracepipe export --format parquet` and of `tracepipe query` on .tpt inputs.
import { resolve } from 'node:path';
import type { MetadataApplier } from '../core/metadata.js';
import { decodeTraceFile } from '../cli/trace-file.js';
import { VERSION } from '../cli/version.js';
import { ParquetExporter } from './parquet.js';
import type { WallClock } from './types.js';

export interface CaptureToDatasetOptions {
  /** how messages and the captures row name the input */
  name: string;
  names?: MetadataApplier;
  /** the --elf path, recorded in the captures row (else the one the capture names) */
  elfPath?: string;
  wallClock?: WallClock;
  /** the board, when the capture does not name one */
  board?: string;
  packets?: boolean;
  /** also write every partition as CSV (csv/<table>/...) */
  csv?: boolean;
  warn(line: string): void;
  verbose?: boolean;
}

export interface CaptureToDatasetResult {
  id: string;
  board: string;
  events: number;
}

/** Decodes `path` and writes its partitions into `dir`. */
export async function captureToDataset(path: string, dir: string, opts: CaptureToDatasetOptions): Promise<CaptureToDatasetResult> {
  const exporter = new ParquetExporter();
  exporter.begin({ source: opts.name, wallClock: opts.wallClock });
  let result;
  try {
    await exporter.open(opts.names !== undefined);
    const names = opts.names;
    result = await decodeTraceFile(path, {
      // the ELF's names and typed values are applied to records; without it events come as columns
      onRecord: names ? (rec) => exporter.record(names.apply(rec)) : (rec) => exporter.record(rec),
      onEvents: names ? undefined : (b, from, to) => exporter.eventBatch(b, from, to),
      warn: opts.warn,
      verbose: opts.verbose,
      name: opts.name,
    });
    exporter.end(result.stats);
  } catch (err) {
    exporter.abort();
    throw err;
  }
  const meta = result.input.meta;
  const { id, board } = await exporter.write(
    dir,
    {
      source: opts.name,
      inputKind: result.input.kind,
      board: meta?.board ?? opts.board,
      elf: opts.elfPath ? resolve(opts.elfPath) : meta?.elf,
      startUtc: meta?.start_time,
      complete: result.input.end ? result.input.end.complete : undefined,
      buildId: result.header?.buildId,
      writer: `tracepipe ${VERSION}`,
    },
    { packets: opts.packets, csv: opts.csv, input: path },
  );
  return { id, board, events: exporter.eventCount };
}
