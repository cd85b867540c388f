// DuckDB, loaded only by the commands that need it (export --format parquet, query): the
// native module is large, and decode/stats/run must start without it. The module name is
// not a literal so a bundler leaves it to be loaded from node_modules at run time, as the
// CLI bundle does (host/build.mjs keeps it external).
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { CliError } from '../errors.js';

type DuckDBModule = typeof import('@duckdb/node-api');

const MODULE = '@duckdb/node-api';
let loaded: Promise<DuckDBModule> | undefined;

/** The module itself, for its type and value classes (the Parquet export's staging chunks). */
export async function duckdbModule(): Promise<DuckDBModule> {
  loaded ??= import(MODULE).then(
    (m: DuckDBModule & { default?: DuckDBModule }) => (m.DuckDBInstance ? m : m.default!),
    (err: Error) => {
      loaded = undefined;
      throw new CliError(`DuckDB is not installed (${err.message.split('\n')[0]}); run npm ci`);
    },
  );
  return loaded;
}

/** An in-memory database and one connection; close() releases both. */
export interface Db {
  conn: DuckDBConnection;
  close(): void;
}

/** `path`: a database file (made if absent) instead of memory, for tables larger than memory_limit. */
export async function openDb(path = ':memory:'): Promise<Db> {
  const { DuckDBInstance } = await duckdbModule();
  // one thread per core is DuckDB's default; the shared machines here have two
  const instance: DuckDBInstance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** A DuckDB error message as one line: the message without the `LINE 1: ...` caret excerpt. */
export function duckdbMessage(err: unknown): string {
  // the Node API wraps parse errors as `Failed to extract statements: Parser Error: ...`
  const text = (err instanceof Error ? err.message : String(err)).replace(/^Failed to extract statements: /, '');
  const lines = text.split('\n').map((l) => l.trim());
  const cut = lines.findIndex((l) => /^LINE \d+:/.test(l));
  return (cut >= 0 ? lines.slice(0, cut) : lines).filter((l) => l !== '').join(' ');
}

/** A string as an SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
