// tracepipe query "<SQL>" <capture or dataset>...: SQL over traces with DuckDB in-process.
// Views events, losses, captures, packets, spans and isrs (docs/DATA.md). A capture or raw
// stream is converted into a temporary dataset first; a dataset folder is read as it is.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { escapeText } from '../../core/text.js';
import { CliError, UsageError } from '../errors.js';
import { openElf } from '../elf-option.js';
import { CliIo, LineWriter } from '../output.js';
import { csvField } from '../../export/csv.js';
import { FileSink, OutputWriteError } from '../../export/sinks.js';
import { STDIO_PATH, withRereadableInput } from '../../io/input.js';

const FORMATS = ['table', 'csv', 'jsonl', 'parquet'] as const;

interface QueryOptions {
  format?: string;
  output?: string;
  elf?: string;
  force?: boolean;
  board?: string;
  verbose?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function cellText(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;

/** A plain-text table: numbers right-aligned, NULL shown as NULL, every cell one escaped line. */
export function tableLines(names: string[], types: string[], rows: Json[][]): string[] {
  const cells = rows.map((r) => r.map((v) => (v === null ? 'NULL' : escapeText(cellText(v)))));
  const heads = names.map((n) => escapeText(n));
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const right = types.map((t) => NUMERIC.test(t));
  const line = (r: string[]) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(heads), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`];
}

/** The inputs as dataset folders: folders are checked, files are converted into `scratch`. */
async function datasetsOf(inputs: string[], opts: QueryOptions, io: CliIo, scratch: () => string): Promise<string[]> {
  const { captureToDataset } = await import('../../export/parquet-capture.js');
  const { TABLES, SCHEMA_FILE } = await import('../../export/parquet.js');
  const names = await openElf(opts, io.warn);
  const out = new Set<string>();
  if (inputs.filter((i) => i === STDIO_PATH).length > 1) throw new UsageError('- (stdin) can be given once');
  for (const input of inputs) {
    if (input !== STDIO_PATH && !existsSync(input)) throw new CliError(`${input}: no such file or folder`);
    if (input !== STDIO_PATH && statSync(input).isDirectory()) {
      if (!existsSync(join(input, SCHEMA_FILE)) && !Object.keys(TABLES).some((t) => existsSync(join(input, t)))) {
        throw new CliError(`${input} is not a tracepipe dataset (no ${SCHEMA_FILE}, no events folder); export one with: tracepipe export <capture> --format parquet -o ${input}`);
      }
      const { checkDatasetSchema } = await import('../../export/parquet.js');
      checkDatasetSchema(input);
      out.add(input);
      continue;
    }
    const dir = scratch();
    const { wallClockOf } = await import('../../export/wall-clock.js');
    // stdin is spooled: the wall-clock fit reads the capture before the decode pass
    await withRereadableInput(input, io.stdin, async (path, name) =>
      captureToDataset(path, dir, {
        name,
        names,
        elfPath: opts.elf,
        wallClock: await wallClockOf(path),
        board: opts.board,
        packets: true,
        warn: io.warn,
        verbose: opts.verbose,
      }),
    );
    out.add(dir);
  }
  return [...out];
}

export function register(program: Command, io = new CliIo()): void {
  program
    .command('query')
    .description('SQL over captures and Parquet datasets with DuckDB: views events, losses, captures, packets, spans, isrs (docs/DATA.md)')
    .argument('<sql>', 'the query, in DuckDB SQL')
    .argument('<inputs...>', 'capture files (.tpt), raw streams, or dataset folders written by export --format parquet; - reads a capture or stream from stdin')
    .option('-f, --format <format>', `${FORMATS.join(', ')} (parquet needs -o)`, 'table')
    .option('-o, --output <file>', 'write the result to a file instead of stdout')
    .option('--elf <app.elf>', 'firmware ELF for the captures given (names, typed fields); checked by build id')
    .option('--force', 'use the --elf file even when its build id differs from the stream (with a warning)')
    .option('--board <name>', 'the board of a raw stream, which names none')
    .option('-v, --verbose', 'also print informational notices on stderr')
    .action(async (sql: string, inputs: string[], opts: QueryOptions) => {
      const format = (opts.format ?? 'table').toLowerCase();
      if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`unknown format '${opts.format}'; use ${FORMATS.join(', ')}`);
      if (format === 'parquet' && (!opts.output || opts.output === '-')) throw new UsageError('--format parquet writes a file: give it with -o <file.parquet>');
      const query = sql.trim().replace(/;+\s*$/, '');
      if (query === '') throw new UsageError('the SQL query is empty');
      let tmp: string | undefined;
      const scratch = () => (tmp ??= mkdtempSync(join(tmpdir(), 'tp-query-')));
      const { openDb, duckdbMessage, sqlString } = await import('../../export/parquet-duckdb.js');
      const { viewStatements } = await import('../../export/parquet-views.js');
      try {
        const datasets = await datasetsOf(inputs, opts, io, () => join(scratch(), 'dataset'));
        const db = await openDb();
        try {
          for (const s of viewStatements(datasets)) {
            try {
              await db.conn.run(s);
            } catch (err) {
              throw new CliError(`cannot read the dataset: ${duckdbMessage(err)}`);
            }
          }
          // the same capture given twice (a file and a dataset holding it) would count its rows twice: say so
          const twice = await db.conn.runAndReadAll('SELECT capture, count(*)::INTEGER AS n FROM captures GROUP BY capture HAVING count(*) > 1 ORDER BY capture');
          for (const [capture, n] of twice.getRowsJson()) io.status(`warning: capture ${String(capture)} is in ${String(n)} of the inputs; its rows count ${String(n)} times`);
          const output = opts.output && opts.output !== '-' ? opts.output : undefined;
          const file = output ? new FileSink(output) : undefined;
          // a file gets everything at once at the end (FileSink buffers and renames into place)
          const out = file ? { line: (s: string) => file.write(`${s}\n`), flush: async () => undefined, end: async () => file.close() } : new LineWriter(io.stdout);
          try {
            if (format === 'parquet') {
              await db.conn.run(`COPY (${query}) TO ${sqlString(output!)} (FORMAT PARQUET)`);
              return;
            }
            const result = await db.conn.stream(query);
            const names = result.columnNames();
            if (format === 'table') {
              const types = result.columnTypes().map((t) => t.toString());
              for (const l of tableLines(names, types, (await result.getRowsJson()) as Json[][])) out.line(l);
            } else {
              if (format === 'csv') out.line(names.map(csvField).join(','));
              for await (const chunk of result.yieldRowsJson()) {
                for (const r of chunk as Json[][]) {
                  if (format === 'csv') out.line(r.map((v) => csvField(cellText(v))).join(','));
                  else out.line(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, r[i]]))));
                }
                await out.flush();
              }
            }
            await out.end();
          } catch (err) {
            file?.abort();
            // DuckDB reports bad SQL (parse, bind, run time) as an Error; ours are CliErrors and write errors
            if (err instanceof CliError || err instanceof OutputWriteError || !(err instanceof Error)) throw err;
            throw new CliError(`query: ${duckdbMessage(err)}`);
          }
        } finally {
          db.close();
        }
      } finally {
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      }
    });
}
