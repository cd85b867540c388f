// The staging tables of the Parquet export: the decoder's rows go into a DuckDB table through
// an Appender, 2048 rows (one DuckDB vector) at a time, and write() copies the tables to
// Parquet with SQL that gives each column its dataset type. The database is a file in the
// export's temporary folder with a small memory limit, so DuckDB writes full row groups to
// disk as they fill and peak memory does not follow the capture's length.
//
// The staged columns are the cheapest ones to fill from JavaScript: plain numbers in typed
// vectors, no BigInt and no string per event. A 64-bit value is two 32-bit halves (hi signed
// for the INT64 times, unsigned for UINT64 ticks and words), joined again by the SQL; the kind
// is its index in EVENT_KINDS; the arguments are six word columns and a count (the wire has
// at most six; 7 marks a blob). No column of the hot path is ever NULL: a NULL costs node-api
// a BigInt operation per row.
import type { DuckDBAppender, DuckDBDataChunk, DuckDBType, DuckDBVector } from '@duckdb/node-api';
import type { EventBatch } from '../core/batch.js';
import { EVENT_KINDS, type EventKind, type LossRecord, type TraceEvent } from '../core/types.js';
import type { Db } from './parquet-duckdb.js';
import { duckdbModule } from './parquet-duckdb.js';

const TWO32 = 0x1_0000_0000;
const INT32_MAX = 0x7fff_ffff;
/** argc of a blob event (the wire's nargs 7) */
export const BLOB_ARGC = 7;
const MAX_ARGS = 6;
const KIND_INDEX = new Map<EventKind, number>(EVENT_KINDS.map((k, i) => [k, i]));

/** The staged events columns, in order; `named` adds the ELF's strings. */
function eventColumns(named: boolean): [string, string][] {
  const cols: [string, string][] = [
    ['ord', 'DOUBLE'],
    ['session', 'INTEGER'],
    ['core', 'INTEGER'],
    ['seq', 'DOUBLE'],
    ['t_hi', 'INTEGER'],
    ['t_lo', 'UINTEGER'],
    ['k_hi', 'UINTEGER'],
    ['k_lo', 'UINTEGER'],
    ['kind', 'UTINYINT'],
    ['id', 'UINTEGER'],
    ['argc', 'UTINYINT'],
  ];
  for (let a = 0; a < MAX_ARGS; a++) cols.push([`a${a}_hi`, 'UINTEGER'], [`a${a}_lo`, 'UINTEGER']);
  cols.push(['blob', 'BLOB']);
  if (named) for (const c of ['name', 'text', 'fields', 'unit', 'site', 'mismatch']) cols.push([c, 'VARCHAR']);
  return cols;
}

const u64 = (hi: string, lo: string) => `(${hi}::UBIGINT * 4294967296 + ${lo})`;

/** The SELECT list that turns staged event rows into the events table's columns (TABLES.events, in order). */
function eventSelect(named: boolean): string {
  const words = Array.from({ length: MAX_ARGS }, (_, a) => u64(`a${a}_hi`, `a${a}_lo`)).join(', ');
  const str = (c: string) => (named ? c : `NULL::VARCHAR AS ${c}`);
  return [
    'ord::BIGINT AS ord',
    'session',
    'core',
    'seq::BIGINT AS seq',
    '(t_hi::BIGINT * 4294967296 + t_lo) AS t_ns',
    `${u64('k_hi', 'k_lo')} AS ticks`,
    `[${EVENT_KINDS.map((k) => `'${k}'`).join(', ')}][kind + 1] AS kind`,
    'id::BIGINT AS id',
    str('name'),
    str('text'),
    named ? 'fields::JSON AS fields' : 'NULL::JSON AS fields',
    `CASE WHEN kind = ${KIND_INDEX.get('counter')} AND argc = 1 THEN ${u64('a0_hi', 'a0_lo')} END AS value`,
    str('unit'),
    str('site'),
    str('mismatch'),
    `CASE WHEN argc <> ${BLOB_ARGC} THEN list_slice([${words}], 1, argc) END AS args`,
    `CASE WHEN argc = ${BLOB_ARGC} THEN blob END AS blob`,
  ].join(', ');
}

const LOSS_COLUMNS: [string, string][] = [
  ['ord', 'BIGINT'],
  ['session', 'INTEGER'],
  ['core', 'INTEGER'],
  ['cause', 'VARCHAR'],
  ['count', 'BIGINT'],
  ['from_ns', 'BIGINT'],
  ['to_ns', 'BIGINT'],
];

/** The ELF's strings of an event record, in the named columns' order. */
export interface NamedStrings {
  name?: string;
  text?: string;
  fields?: string;
  unit?: string;
  site?: string;
  mismatch?: string;
}

/** Thrown for a time the dataset's INT64 cannot hold; the caller words the message. */
export class TimeRangeError extends Error {
  constructor(
    readonly core: number,
    readonly ns: bigint,
  ) {
    super(`t_ns ${ns} past INT64`);
  }
}

/**
 * Fills one DuckDB data chunk column by column and appends it when full. The vector objects
 * are made once: each flush() copies all of a vector's values through its handle, so they
 * outlive the chunk's reset (made afresh for every chunk, they are garbage of ~40 MB).
 */
class ChunkWriter {
  private readonly vectors: DuckDBVector[] = [];
  rows = 0;

  constructor(
    private readonly chunk: DuckDBDataChunk,
    private readonly appender: DuckDBAppender,
    readonly capacity: number,
  ) {
    chunk.rowCount = capacity;
    for (let c = 0; c < chunk.columnCount; c++) this.vectors.push(chunk.getColumnVector(c));
  }

  col(c: number): DuckDBVector {
    return this.vectors[c];
  }

  /** Appends the rows written so far. */
  flush(): void {
    if (this.rows === 0) return;
    for (const v of this.vectors) v.flush();
    if (this.rows < this.capacity) this.chunk.rowCount = this.rows;
    this.appender.appendDataChunk(this.chunk);
    // frees the strings and blobs the chunk held
    this.chunk.reset();
    this.chunk.rowCount = this.capacity;
    this.rows = 0;
  }

  close(): void {
    this.flush();
    this.appender.closeSync();
  }
}

type NumVector = { setItem(i: number, v: number | null): void };

/** The staging tables `ev` and `loss` in `db`, and the appenders that fill them. */
export class Stage {
  private events!: ChunkWriter;
  private losses!: DuckDBAppender;
  private ord = 0;
  private cols: NumVector[] = [];
  private blobCol!: { setItem(i: number, v: unknown): void };
  private strCols: { setItem(i: number, v: string | null): void }[] = [];
  private blobValue!: (b: Uint8Array) => unknown;
  /** the 32-bit halves of the last split, for the callers of split() */
  private hi = 0;
  private lo = 0;
  eventCount = 0;

  private constructor(
    private readonly db: Db,
    readonly named: boolean,
  ) {}

  static async create(db: Db, named: boolean): Promise<Stage> {
    const s = new Stage(db, named);
    const m = await duckdbModule();
    const evCols = eventColumns(named);
    await db.conn.run(`CREATE TABLE ev (${evCols.map(([c, t]) => `${c} ${t}`).join(', ')})`);
    await db.conn.run(`CREATE TABLE loss (${LOSS_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`);
    const types: Record<string, DuckDBType> = {
      DOUBLE: m.DuckDBDoubleType.instance,
      INTEGER: m.DuckDBIntegerType.instance,
      UINTEGER: m.DuckDBUIntegerType.instance,
      UTINYINT: m.DuckDBUTinyIntType.instance,
      BLOB: m.DuckDBBlobType.instance,
      VARCHAR: m.DuckDBVarCharType.instance,
    };
    const chunk = m.DuckDBDataChunk.create(evCols.map(([, t]) => types[t]));
    s.events = new ChunkWriter(chunk, await db.conn.createAppender('ev'), m.DuckDBVector.standardSize());
    s.losses = await db.conn.createAppender('loss');
    s.blobValue = (b) => new m.DuckDBBlobValue(b);
    s.bind();
    return s;
  }

  private bind(): void {
    const w = this.events;
    const n = eventColumns(this.named).length;
    this.cols = [];
    for (let c = 0; c < n; c++) this.cols.push(w.col(c) as unknown as NumVector);
    this.blobCol = w.col(11 + 2 * MAX_ARGS) as unknown as { setItem(i: number, v: unknown): void };
    this.strCols = [];
    if (this.named) for (let c = 12 + 2 * MAX_ARGS; c < n; c++) this.strCols.push(w.col(c) as unknown as { setItem(i: number, v: string | null): void });
  }

  /** Sets hi/lo to the halves of base + off (base a bigint, off an integer double below 2^52). */
  private split(baseHi: number, baseLo: number, off: number): void {
    const s = baseLo + off;
    const carry = Math.floor(s / TWO32);
    this.lo = s - carry * TWO32;
    this.hi = baseHi + carry;
  }

  /** Events b[from, to), as the decoder's columns give them (no ELF). */
  batch(b: EventBatch, from: number, to: number): void {
    const nsHi = Number(b.nsBase >> 32n);
    const nsLo = Number(b.nsBase & 0xffff_ffffn);
    const tkHi = Number(b.ticksBase >> 32n);
    const tkLo = Number(b.ticksBase & 0xffff_ffffn);
    const c = this.cols;
    for (let i = from; i < to; i++) {
      const r = this.events.rows;
      this.split(nsHi, nsLo, b.nsOff[i]);
      if (this.hi > INT32_MAX) throw new TimeRangeError(b.core, b.tNs(i));
      c[4].setItem(r, this.hi);
      c[5].setItem(r, this.lo);
      if (b.bigOff?.has(i)) this.setU64(6, b.ticks(i), r);
      else {
        this.split(tkHi, tkLo, b.ticksOff[i]);
        c[6].setItem(r, this.hi);
        c[7].setItem(r, this.lo);
      }
      c[0].setItem(r, this.ord++);
      c[1].setItem(r, b.session);
      c[2].setItem(r, b.core);
      c[3].setItem(r, b.seq);
      c[8].setItem(r, b.kind[i]);
      c[9].setItem(r, b.id[i]);
      const blob = b.hasBlobs ? b.blobs[i] : undefined;
      const s = b.argStart[i];
      const argc = blob ? BLOB_ARGC : b.argStart[i + 1] - s;
      c[10].setItem(r, argc);
      for (let a = 0; a < MAX_ARGS; a++) {
        const on = a < argc && !blob;
        c[11 + 2 * a].setItem(r, on ? b.argHi[s + a] : 0);
        c[12 + 2 * a].setItem(r, on ? b.argLo[s + a] : 0);
      }
      this.blobCol.setItem(r, blob ? this.blobValue(blob) : null);
      this.next();
    }
  }

  /** One event record (the object path: with the ELF's names, or a caller without batches). */
  event(rec: TraceEvent, strings: NamedStrings): void {
    const r = this.events.rows;
    const c = this.cols;
    if (rec.tNs > 0x7fff_ffff_ffff_ffffn) throw new TimeRangeError(rec.core, rec.tNs);
    this.setU64(4, rec.tNs, r);
    this.setU64(6, rec.ticks, r);
    c[0].setItem(r, this.ord++);
    c[1].setItem(r, rec.session);
    c[2].setItem(r, rec.core);
    c[3].setItem(r, rec.seq);
    c[8].setItem(r, KIND_INDEX.get(rec.kind)!);
    c[9].setItem(r, rec.id);
    const argc = rec.blob ? BLOB_ARGC : rec.args.length;
    c[10].setItem(r, argc);
    for (let a = 0; a < MAX_ARGS; a++) {
      if (a < argc && !rec.blob) this.setU64(11 + 2 * a, rec.args[a], r);
      else {
        c[11 + 2 * a].setItem(r, 0);
        c[12 + 2 * a].setItem(r, 0);
      }
    }
    this.blobCol.setItem(r, rec.blob ? this.blobValue(rec.blob) : null);
    if (this.named) {
      const s = this.strCols;
      s[0].setItem(r, strings.name ?? null);
      s[1].setItem(r, strings.text ?? null);
      s[2].setItem(r, strings.fields ?? null);
      s[3].setItem(r, strings.unit ?? null);
      s[4].setItem(r, strings.site ?? null);
      s[5].setItem(r, strings.mismatch ?? null);
    }
    this.next();
  }

  /** Columns c, c + 1 of row r: the halves of v (hi signed when negative, as INT64 wants). */
  private setU64(c: number, v: bigint, r: number): void {
    this.cols[c].setItem(r, Number(v >> 32n));
    this.cols[c + 1].setItem(r, Number(v & 0xffff_ffffn));
  }

  private next(): void {
    this.eventCount++;
    if (++this.events.rows === this.events.capacity) this.events.flush();
  }

  loss(rec: LossRecord): void {
    if (rec.toNs > 0x7fff_ffff_ffff_ffffn) throw new TimeRangeError(rec.core, rec.toNs);
    const a = this.losses;
    a.appendBigInt(BigInt(this.ord++));
    a.appendInteger(rec.session);
    a.appendInteger(rec.core);
    a.appendVarchar(rec.cause);
    a.appendBigInt(BigInt(rec.count));
    a.appendBigInt(rec.fromNs);
    a.appendBigInt(rec.toNs);
    a.endRow();
  }

  /** Appends what is left and closes the appenders: the tables are complete. */
  close(): void {
    this.events.close();
    this.losses.closeSync();
  }

  /** SELECT of the events table's rows, in timeline order. */
  eventsSelect(): string {
    return `SELECT ${eventSelect(this.named)} FROM ev`;
  }

  lossesSelect(): string {
    return 'SELECT * FROM loss';
  }
}
