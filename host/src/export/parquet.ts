// Parquet dataset export (docs/DATA.md): one capture becomes one Hive partition of each table,
//   <dir>/<table>/board=<board>/capture=<id>/part-0.parquet
// so many exports into one folder form one dataset that DuckDB, Spark, Trino or Dask read
// as a whole. The exporter stages rows in column blocks on disk as they are decoded (bounded
// memory, every 64-bit value exact, parquet-stage.ts); DuckDB then reads them through a table
// function, types them and writes Parquet. No Parquet writer of our own.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { statsToJson } from '../core/jsonl.js';
import { type TypedValue, valueJson } from '../core/typed-values.js';
import type { EventBatch } from '../core/batch.js';
import type { CoreStats, TraceRecord } from '../core/types.js';
import { CliError } from '../errors.js';
import { isoFromUnixNs, statsJson } from './jsonl.js';
import { type Db, duckdbMessage, openDb, sqlString } from './parquet-duckdb.js';
import { Stage, TimeRangeError } from './parquet-stage.js';
import type { ExportInfo, Exporter } from './types.js';

/** Bumped on any change of a table's names or types; written to _schema.json and captures.schema_version. */
export const PARQUET_SCHEMA_VERSION = 2;

/** Column name → DuckDB type, in file order. The partition columns board and capture come from the path. */
export const TABLES = {
  events: {
    ord: 'BIGINT',
    session: 'INTEGER',
    core: 'INTEGER',
    seq: 'BIGINT',
    t_ns: 'BIGINT',
    ticks: 'UBIGINT',
    kind: 'VARCHAR',
    id: 'BIGINT',
    name: 'VARCHAR',
    text: 'VARCHAR',
    fields: 'JSON',
    value: 'UBIGINT',
    unit: 'VARCHAR',
    site: 'VARCHAR',
    mismatch: 'VARCHAR',
    args: 'UBIGINT[]',
    blob: 'BLOB',
  },
  losses: {
    ord: 'BIGINT',
    session: 'INTEGER',
    core: 'INTEGER',
    cause: 'VARCHAR',
    count: 'BIGINT',
    from_ns: 'BIGINT',
    to_ns: 'BIGINT',
  },
  packets: {
    session: 'INTEGER',
    core: 'INTEGER',
    seq: 'BIGINT',
    events: 'BIGINT',
    first_ns: 'BIGINT',
    last_ns: 'BIGINT',
  },
  captures: {
    schema_version: 'INTEGER',
    source: 'VARCHAR',
    input_kind: 'VARCHAR',
    build_id: 'VARCHAR',
    elf: 'VARCHAR',
    start_utc: 'VARCHAR',
    complete: 'BOOLEAN',
    wall_clock: 'STRUCT(origin_unix_ns BIGINT, origin_utc VARCHAR, drift_ppm DOUBLE, error_ns DOUBLE, samples BIGINT)',
    cores: 'STRUCT(session INTEGER, core INTEGER, generated BIGINT, decoded BIGINT, dropped BIGINT, overwritten BIGINT, link_lost BIGINT, rejected BIGINT, first_ns BIGINT, last_ns BIGINT, closed BOOLEAN)[]',
    generated: 'BIGINT',
    decoded: 'BIGINT',
    dropped: 'BIGINT',
    overwritten: 'BIGINT',
    link_lost: 'BIGINT',
    rejected: 'BIGINT',
    sessions: 'INTEGER',
    identity: 'BOOLEAN',
    closed: 'BOOLEAN',
    writer: 'VARCHAR',
  },
} as const;

export type TableName = keyof typeof TABLES;
export const PARTITION_COLUMNS = { board: 'VARCHAR', capture: 'VARCHAR' } as const;

/** What the captures row says about the input, besides the accounting. */
export interface CaptureFacts {
  source: string;
  inputKind: 'capture' | 'raw';
  board?: string;
  elf?: string;
  startUtc?: string;
  complete?: boolean;
  buildId?: string;
  writer: string;
}

/** A partition value safe in a path and in every engine's Hive parser. */
export function partitionValue(s: string): string {
  const v = s.replace(/[^A-Za-z0-9._-]/g, '_');
  return v === '' || v === '.' || v === '..' ? '_' : v;
}

/** The capture id: a prefix of the input's SHA-256, so re-exporting a capture replaces its partition and two captures never share one. */
export async function captureId(path: string): Promise<string> {
  const h = createHash('sha256');
  // one buffer read into again and again: a read stream's fresh chunk per read piles up
  // outside the JS heap until a GC (~30 MB at 10 M events), and this pass does little else
  const buf = Buffer.allocUnsafe(1 << 20);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex').slice(0, 16);
}

/** A typed value in the fields JSON: integers as exact JSON numbers, whatever their size (DuckDB reads them as 64-bit). */
function fieldJson(v: TypedValue): string {
  if (typeof v.value === 'bigint') return v.value.toString();
  // floats by the JSONL rule: an f32 as its shortest decimal, NaN and infinities as strings
  return JSON.stringify(valueJson(v.value, v.type));
}

/**
 * How the Parquet files of a partition are cut (docs/DATA.md, "Layout"): rows per row group,
 * and row groups per file, after which DuckDB's COPY closes the file and starts part-<n+1>.
 *
 * DuckDB's writer holds one row group of every column in memory, and the footer metadata of
 * every group written until the file is closed (~0.4 MB per M rows here): one file per
 * partition makes the peak follow the capture's length without end. A new file every 64
 * groups (1 M rows) bounds it. Measured (bench data section's capture, peak RSS at 2 M / 10 M
 * events): one file, 148 / 174 MB; the capture id hashed through one reused buffer, 126 /
 * 142 MB; with the rotation as well, 126 / 138 MB (what still grows is the wall-clock pass
 * before the export, api/export.ts, not this writer). Smaller groups
 * cost dataset size (~1 % at 16 384 against DuckDB's default 122 880) and buy little memory
 * once the footer is bounded (8192 measured 140 MB at 2 M before the rotation); threads stay 1 (see open()).
 */
export interface FileLayout {
  rowGroupRows: number;
  rowGroupsPerFile: number;
}
export const FILE_LAYOUT: FileLayout = { rowGroupRows: 16384, rowGroupsPerFile: 64 };

/** The files a COPY ... RETURN_FILES reports, in the order DuckDB wrote them. */
function copiedFiles(rows: Record<string, unknown>[]): string[] {
  return rows.flatMap((r) => (r.Files as string[] | undefined) ?? []);
}

/** Removes the part-<n>.parquet files of `part` that are not in `keep`. */
function removeStaleParts(part: string, keep: string[]): void {
  const kept = new Set(keep);
  for (const f of readdirSync(part)) if (/^part-\d+\.parquet$/.test(f) && !kept.has(f)) rmSync(join(part, f), { force: true });
}

/** Times are INT64 in every engine that reads the dataset (none has unsigned 64-bit time): past that, refuse rather than wrap. */
function timeError(err: unknown): unknown {
  if (!(err instanceof TimeRangeError)) return err;
  return new CliError(`core ${err.core}: t_ns ${err.ns} is past 2^63 - 1 ns (292 years), the most the dataset's INT64 times hold; nothing was written`);
}

/**
 * Stages the events and losses of one capture (parquet-stage.ts), then write() copies them
 * into the dataset's partitions. open() before the first record.
 */
export class ParquetExporter implements Exporter {
  private readonly tmp = mkdtempSync(join(tmpdir(), 'tp-parquet-'));
  private db: Db | undefined;
  private stage: Stage | undefined;
  private stats: CoreStats[] = [];
  private info: ExportInfo = {};

  /** `named`: events carry the ELF's names and typed values (records only, no batches). */
  async open(named: boolean): Promise<void> {
    const db = await openDb();
    this.db = db;
    // One thread reads the staged blocks start to end and writes as it goes: more threads
    // buffer row groups to keep insertion order, and peak memory then follows the capture's
    // size (2 M events: 896 MB with the default threads and an ORDER BY).
    await db.conn.run('SET threads = 1');
    // a sort or group that outgrows memory spills here, not into the working directory
    await db.conn.run(`SET temp_directory = ${sqlString(join(this.tmp, 'spill'))}`);
    this.stage = await Stage.create(db, named, join(this.tmp, 'events.blocks'));
  }

  get eventCount(): number {
    return this.stage?.eventCount ?? 0;
  }

  begin(info: ExportInfo): void {
    this.info = info;
  }

  private staged(): Stage {
    if (!this.stage) throw new Error('ParquetExporter: open() before the first record');
    return this.stage;
  }

  record(rec: TraceRecord): void {
    try {
      if (rec.type === 'event') {
        const stage = this.staged();
        const values = (rec as { values?: TypedValue[] }).values;
        const m = rec as { unit?: string; site?: string; mismatch?: string };
        stage.event(
          rec,
          stage.named
            ? {
                name: rec.name,
                text: rec.text,
                // the fields object with its exact integers, typed JSON by the copy
                fields: values ? `{${values.map((v) => `${JSON.stringify(v.name)}:${fieldJson(v)}`).join(',')}}` : undefined,
                unit: m.unit,
                site: m.site,
                mismatch: m.mismatch,
              }
            : {},
        );
      } else if (rec.type === 'loss') {
        this.staged().loss(rec);
      }
    } catch (err) {
      throw timeError(err);
    }
  }

  eventBatch(b: EventBatch, from: number, to: number): void {
    try {
      this.staged().batch(b, from, to);
    } catch (err) {
      throw timeError(err);
    }
  }

  end(stats: CoreStats[]): void {
    this.stats = stats;
    this.staged().close();
  }

  /** The captures row (as JSON for read_json: one row, and the nested types come out right). */
  private captureRow(facts: CaptureFacts): Record<string, unknown> {
    const s = statsToJson(this.stats);
    const wc = this.info.wallClock;
    return {
      schema_version: PARQUET_SCHEMA_VERSION,
      source: facts.source,
      input_kind: facts.inputKind,
      build_id: facts.buildId ?? null,
      elf: facts.elf ?? null,
      start_utc: facts.startUtc ?? null,
      complete: facts.complete ?? null,
      wall_clock: wc
        ? { origin_unix_ns: wc.originUnixNs.toString(), origin_utc: isoFromUnixNs(wc.originUnixNs), drift_ppm: wc.driftPpm, error_ns: wc.errorNs, samples: wc.samples }
        : null,
      // the cores of the JSONL stats record (named fields, exact times), with whether each one's books closed
      cores: (statsJson(this.stats).cores as Record<string, unknown>[]).map((c, i) => ({ ...c, closed: this.stats[i].closed })),
      ...s.total,
      sessions: s.sessions,
      identity: s.identity,
      closed: s.closed,
      writer: facts.writer,
    };
  }

  /**
   * Writes this capture's partitions into the dataset folder `dir` (made if absent) and
   * returns the capture id. Each file is written under a temporary name and renamed, so a
   * failed export leaves earlier partitions whole.
   */
  async write(dir: string, facts: CaptureFacts, opts: { packets?: boolean; csv?: boolean; id?: string; input: string; layout?: FileLayout }): Promise<{ id: string; board: string }> {
    try {
      checkDatasetSchema(dir);
      const id = partitionValue(opts.id ?? (await captureId(opts.input)));
      const board = partitionValue(facts.board ?? 'unknown');
      writeFileSync(join(this.tmp, 'captures.jsonl'), JSON.stringify(this.captureRow(facts)) + '\n');
      // Every file is written under a temporary name first and renamed only when all are: a
      // failure leaves no partial capture behind, and an earlier export of it whole.
      const layout = opts.layout ?? FILE_LAYOUT;
      const written: [string, string][] = [];
      const tmpDirs: string[] = [];
      /** partition folder → the Parquet files this export wrote there */
      const parts = new Map<string, string[]>();
      const db = this.db!;
      const stage = this.staged();
      try {
        const copy = async (table: TableName, select: string) => {
          const part = join(dir, table, `board=${board}`, `capture=${id}`);
          mkdirSync(part, { recursive: true });
          // DuckDB names the files of a rotating COPY itself (part-0, part-1, ...) in a folder
          // of its own; the .tmp suffix keeps them out of every *.parquet glob until renamed
          const tmpDir = join(part, `.tmp-${process.pid}`);
          rmSync(tmpDir, { recursive: true, force: true });
          tmpDirs.push(tmpDir);
          const r = await db.conn.runAndReadAll(
            `COPY (${select}) TO ${sqlString(tmpDir)} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE ${layout.rowGroupRows}, ROW_GROUPS_PER_FILE ${layout.rowGroupsPerFile}, FILENAME_PATTERN 'part-{i}', FILE_EXTENSION 'parquet.tmp', RETURN_FILES true)`,
          );
          const files = parts.get(part) ?? [];
          parts.set(part, files);
          for (const f of copiedFiles(r.getRowObjectsJS())) {
            const name = basename(f).replace(/\.tmp$/, '');
            written.push([f, join(part, name)]);
            files.push(name);
          }
          if (!opts.csv) return;
          // the same rows for engines without a Parquet reader (Debian 12's Dask has none);
          // a CSV file has no footer to hold, so it stays one file per partition
          const csvPart = join(dir, CSV_DIR, table, `board=${board}`, `capture=${id}`);
          mkdirSync(csvPart, { recursive: true });
          const csvTmp = join(csvPart, `.part-0.csv.${process.pid}.tmp`);
          written.push([csvTmp, join(csvPart, 'part-0.csv')]);
          await db.conn.run(`COPY (${select}) TO ${sqlString(csvTmp)} (FORMAT CSV, HEADER)`);
        };
        const cols = Object.entries(TABLES.captures)
          .map(([c, t]) => `${c}: ${sqlString(t)}`)
          .join(', ');
        // The staged rows are in ord order, and DuckDB keeps insertion order
        // (preserve_insertion_order): an ORDER BY would sort the whole capture.
        await copy('events', stage.eventsSelect());
        await copy('losses', stage.lossesSelect());
        await copy('captures', `SELECT * FROM read_json(${sqlString(join(this.tmp, 'captures.jsonl'))}, format = 'newline_delimited', columns = {${cols}})`);
        if (opts.packets) {
          await copy('packets', stage.packetsSelect());
        }
        for (const [from, to] of written) renameSync(from, to);
        // an earlier export of this capture may have written more files: theirs would add rows
        for (const [part, files] of parts) removeStaleParts(part, files);
        for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
      } catch (err) {
        for (const [from] of written) rmSync(from, { force: true });
        for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
        throw err instanceof Error && !(err instanceof CliError) && !('code' in err) ? new CliError(`cannot write the Parquet dataset ${dir}: ${duckdbMessage(err)}`) : err;
      }
      writeSchemaFile(dir);
      return { id, board };
    } finally {
      this.abort();
    }
  }

  /** Closes the staging database and removes the temporary files (also after a failed decode). */
  abort(): void {
    this.stage?.dispose();
    this.db?.close();
    this.db = undefined;
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

export const SCHEMA_FILE = '_schema.json';
/** With --csv: the same partitions as CSV, under <dir>/csv/<table>/... */
export const CSV_DIR = 'csv';

/** The dataset's _schema.json: version and every table's columns, for readers that want to check before they read. */
export function schemaJson(): Record<string, unknown> {
  return {
    format: 'tracepipe-dataset',
    schema_version: PARQUET_SCHEMA_VERSION,
    partitioning: 'hive',
    partition_columns: PARTITION_COLUMNS,
    tables: TABLES,
  };
}

function writeSchemaFile(dir: string): void {
  const path = join(dir, SCHEMA_FILE);
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(schemaJson(), null, 2) + '\n');
  renameSync(tmp, path);
}

/** A folder that holds another schema version (or is not a dataset but not empty) is refused before anything is written. */
export function checkDatasetSchema(dir: string): void {
  const path = join(dir, SCHEMA_FILE);
  if (!existsSync(path)) return;
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(path, 'utf8')) as { schema_version?: unknown }).schema_version;
  } catch {
    throw new CliError(`${path} is not a tracepipe dataset schema file`);
  }
  if (version !== PARQUET_SCHEMA_VERSION) {
    throw new CliError(`${basename(dir)} holds a dataset of schema version ${String(version)}; this tracepipe writes version ${PARQUET_SCHEMA_VERSION}: choose another folder`);
  }
}
