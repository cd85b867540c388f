// The staging of the Parquet export. The decoder's events go, 2048 rows (one DuckDB vector)
// at a time, into a file of plain column blocks in the export's temporary folder; at the end a
// DuckDB table function reads the blocks back, one per call, into the vectors of the query
// that copies them to Parquet, and SQL gives each column its dataset type. Nothing but the
// block being filled or read is held: no DuckDB table of the capture, no memory that follows
// its length (a DuckDB table filled through the Appender kept ~70 MB more).
//
// The staged columns are the cheapest ones to fill from JavaScript: plain numbers in typed
// arrays, no BigInt and no string per event. A 64-bit value is two 32-bit halves (hi signed
// for the INT64 times, unsigned for UINT64 ticks and words), joined again by the SQL; the kind
// is its index in EVENT_KINDS; the arguments are six word columns and a count (the wire has
// at most six; 7 marks a blob). Blobs and the ELF's strings are length-prefixed bytes after
// the block's fixed part.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { DuckDBAppender, DuckDBType } from '@duckdb/node-api';
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
/** rows per block: DuckDB's vector size, so a block is one call of the table function */
const ROWS = 2048;
const STRINGS = ['name', 'text', 'fields', 'unit', 'site', 'mismatch'] as const;

type Num = Float64Array | Int32Array | Uint32Array | Uint8Array;
type NumCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor;
const SQL_TYPE = new Map<NumCtor, string>([
  [Float64Array, 'DOUBLE'],
  [Int32Array, 'INTEGER'],
  [Uint32Array, 'UINTEGER'],
  [Uint8Array, 'UTINYINT'],
]);

/** The numeric staged columns, widest first so every one is aligned in the block. */
const NUM_COLUMNS: [string, NumCtor][] = [
  ['ord', Float64Array],
  ['seq', Float64Array],
  ['session', Int32Array],
  ['core', Int32Array],
  ['t_hi', Int32Array],
  ['t_lo', Uint32Array],
  ['k_hi', Uint32Array],
  ['k_lo', Uint32Array],
  ['id', Uint32Array],
  ...Array.from({ length: MAX_ARGS }, (_, a): [string, NumCtor][] => [
    [`a${a}_hi`, Uint32Array],
    [`a${a}_lo`, Uint32Array],
  ]).flat(),
  ['kind', Uint8Array],
  ['argc', Uint8Array],
];
const COL = Object.fromEntries(NUM_COLUMNS.map(([n], i) => [n, i])) as Record<string, number>;

/**
 * One block: [rows u32, var bytes u32] then every numeric column (ROWS values each), then per
 * variable column (blob, then the strings when named) ROWS byte lengths (-1: NULL), all in one
 * buffer; the variable bytes follow it in the file.
 */
class Block {
  readonly buf: ArrayBuffer;
  readonly head: Uint32Array;
  readonly num: Num[] = [];
  /** byte lengths of each variable column's values, -1 for NULL */
  readonly lens: Int32Array[] = [];

  constructor(readonly vars: number) {
    let size = 8;
    for (const [, C] of NUM_COLUMNS) size += C.BYTES_PER_ELEMENT * ROWS;
    size += vars * 4 * ROWS;
    this.buf = new ArrayBuffer(size);
    this.head = new Uint32Array(this.buf, 0, 2);
    let off = 8;
    // the u8 columns come last in NUM_COLUMNS, so the lengths go before them to stay aligned
    for (const [, C] of NUM_COLUMNS) {
      if (C === Uint8Array) continue;
      this.num.push(new C(this.buf, off, ROWS));
      off += C.BYTES_PER_ELEMENT * ROWS;
    }
    for (let v = 0; v < vars; v++, off += 4 * ROWS) this.lens.push(new Int32Array(this.buf, off, ROWS));
    for (const [, C] of NUM_COLUMNS) {
      if (C !== Uint8Array) continue;
      this.num.push(new C(this.buf, off, ROWS));
      off += ROWS;
    }
  }
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

/** The staged events (a block file and the table function `tp_events` over it) and losses (table `loss`) in `db`. */
export class Stage {
  private losses!: DuckDBAppender;
  private ord = 0;
  private readonly block: Block;
  private rows = 0;
  /** the values of each variable column in the block being filled (written column after column, as they are read) */
  private readonly varBytes: Uint8Array[][];
  private varLength = 0;
  private varOut = new Uint8Array(0);
  private fd: number;
  private readFd: number | undefined;
  /** the 32-bit halves of the last split(), for its callers */
  private hi = 0;
  private lo = 0;
  eventCount = 0;

  private constructor(
    readonly named: boolean,
    private readonly path: string,
  ) {
    this.block = new Block(1 + (named ? STRINGS.length : 0));
    this.varBytes = Array.from({ length: this.block.vars }, () => []);
    this.fd = openSync(path, 'w');
  }

  /** `path`: the block file (made, and left for the caller to remove). */
  static async create(db: Db, named: boolean, path: string): Promise<Stage> {
    const s = new Stage(named, path);
    const m = await duckdbModule();
    await db.conn.run(`CREATE TABLE loss (${LOSS_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`);
    s.losses = await db.conn.createAppender('loss');
    const types: Record<string, DuckDBType> = {
      DOUBLE: m.DuckDBDoubleType.instance,
      INTEGER: m.DuckDBIntegerType.instance,
      UINTEGER: m.DuckDBUIntegerType.instance,
      UTINYINT: m.DuckDBUTinyIntType.instance,
    };
    const text = new TextDecoder();
    const fn = m.DuckDBTableFunction.create({
      name: 'tp_events',
      bindFunction: (info) => {
        for (const [c, C] of NUM_COLUMNS) info.addResultColumn(c, types[SQL_TYPE.get(C)!]);
        info.addResultColumn('blob', m.DuckDBBlobType.instance);
        if (named) for (const c of STRINGS) info.addResultColumn(c, m.DuckDBVarCharType.instance);
      },
      initFunction: (info) => {
        info.setMaxThreads(1);
        s.rewind();
      },
      mainFunction: (_info, out) => {
        const rows = s.readBlock();
        out.rowCount = rows;
        if (rows === 0) return;
        const b = s.block;
        let c = 0;
        for (; c < NUM_COLUMNS.length; c++) {
          const v = out.getColumnVector(c) as unknown as { setItem(i: number, x: number): void; flush(): void };
          const a = b.num[c];
          for (let r = 0; r < rows; r++) v.setItem(r, a[r]);
          v.flush();
        }
        let at = 0;
        for (let k = 0; k < b.vars; k++, c++) {
          const v = out.getColumnVector(c) as unknown as { setItem(i: number, x: unknown): void; flush(): void };
          const lens = b.lens[k];
          for (let r = 0; r < rows; r++) {
            const n = lens[r];
            if (n < 0) v.setItem(r, null);
            else {
              const bytes = s.readBuf.subarray(at, at + n);
              at += n;
              v.setItem(r, k === 0 ? new m.DuckDBBlobValue(bytes) : text.decode(bytes));
            }
          }
          v.flush();
        }
      },
    });
    db.conn.registerTableFunction(fn);
    return s;
  }

  // The block file is written while decoding, and read by the table function once the decode is done.
  private readPos = 0;
  private readBuf = new Uint8Array(0);

  private rewind(): void {
    this.readFd ??= openSync(this.path, 'r');
    this.readPos = 0;
  }

  /** Reads the next block into this.block and its variable bytes into readBuf; its rows, 0 at the end. */
  private readBlock(): number {
    const fixed = this.block.buf.byteLength;
    const got = readSync(this.readFd!, new Uint8Array(this.block.buf), 0, fixed, this.readPos);
    if (got === 0) return 0;
    if (got !== fixed) throw new Error(`Parquet staging file ${this.path} is cut short`);
    this.readPos += fixed;
    const [rows, varLength] = this.block.head;
    if (varLength > this.readBuf.length) this.readBuf = new Uint8Array(Math.max(varLength, 2 * this.readBuf.length));
    if (varLength > 0 && readSync(this.readFd!, this.readBuf, 0, varLength, this.readPos) !== varLength) throw new Error(`Parquet staging file ${this.path} is cut short`);
    this.readPos += varLength;
    return rows;
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
    const c = this.block.num;
    const blobLens = this.block.lens[0];
    for (let i = from; i < to; i++) {
      const r = this.rows;
      this.split(nsHi, nsLo, b.nsOff[i]);
      if (this.hi > INT32_MAX) throw new TimeRangeError(b.core, b.tNs(i));
      c[COL.t_hi][r] = this.hi;
      c[COL.t_lo][r] = this.lo;
      if (b.bigOff?.has(i)) this.setU64(COL.k_hi, b.ticks(i), r);
      else {
        this.split(tkHi, tkLo, b.ticksOff[i]);
        c[COL.k_hi][r] = this.hi;
        c[COL.k_lo][r] = this.lo;
      }
      c[COL.ord][r] = this.ord++;
      c[COL.session][r] = b.session;
      c[COL.core][r] = b.core;
      c[COL.seq][r] = b.seq;
      c[COL.kind][r] = b.kind[i];
      c[COL.id][r] = b.id[i];
      const blob = b.hasBlobs ? b.blobs[i] : undefined;
      const s = b.argStart[i];
      const argc = blob ? BLOB_ARGC : b.argStart[i + 1] - s;
      c[COL.argc][r] = argc;
      for (let a = 0; a < MAX_ARGS; a++) {
        const on = a < argc && !blob;
        c[COL.a0_hi + 2 * a][r] = on ? b.argHi[s + a] : 0;
        c[COL.a0_lo + 2 * a][r] = on ? b.argLo[s + a] : 0;
      }
      if (blob) this.addVar(0, blob);
      blobLens[r] = blob ? blob.length : -1;
      this.next();
    }
  }

  private readonly utf8 = new TextEncoder();

  /** One event record (the object path: with the ELF's names, or a caller without batches). */
  event(rec: TraceEvent, strings: NamedStrings): void {
    const r = this.rows;
    const c = this.block.num;
    if (rec.tNs > 0x7fff_ffff_ffff_ffffn) throw new TimeRangeError(rec.core, rec.tNs);
    this.setU64(COL.t_hi, rec.tNs, r);
    this.setU64(COL.k_hi, rec.ticks, r);
    c[COL.ord][r] = this.ord++;
    c[COL.session][r] = rec.session;
    c[COL.core][r] = rec.core;
    c[COL.seq][r] = rec.seq;
    c[COL.kind][r] = KIND_INDEX.get(rec.kind)!;
    c[COL.id][r] = rec.id;
    const argc = rec.blob ? BLOB_ARGC : rec.args.length;
    c[COL.argc][r] = argc;
    for (let a = 0; a < MAX_ARGS; a++) {
      if (a < argc && !rec.blob) this.setU64(COL.a0_hi + 2 * a, rec.args[a], r);
      else {
        c[COL.a0_hi + 2 * a][r] = 0;
        c[COL.a0_lo + 2 * a][r] = 0;
      }
    }
    const lens = this.block.lens;
    if (rec.blob) this.addVar(0, rec.blob);
    lens[0][r] = rec.blob ? rec.blob.length : -1;
    if (this.named) {
      for (let k = 0; k < STRINGS.length; k++) {
        const v = strings[STRINGS[k]];
        if (v === undefined) lens[k + 1][r] = -1;
        else {
          const bytes = this.utf8.encode(v);
          this.addVar(k + 1, bytes);
          lens[k + 1][r] = bytes.length;
        }
      }
    }
    this.next();
  }

  private addVar(k: number, bytes: Uint8Array): void {
    this.varBytes[k].push(bytes);
    this.varLength += bytes.length;
  }

  /** Columns c, c + 1 of row r: the halves of v (hi signed when negative, as INT64 wants). */
  private setU64(c: number, v: bigint, r: number): void {
    this.block.num[c][r] = Number(v >> 32n);
    this.block.num[c + 1][r] = Number(v & 0xffff_ffffn);
  }

  private next(): void {
    this.eventCount++;
    if (++this.rows === ROWS) this.flush();
  }

  /** Writes the block (and its variable bytes) to the file. */
  private flush(): void {
    if (this.rows === 0) return;
    this.block.head[0] = this.rows;
    this.block.head[1] = this.varLength;
    writeSync(this.fd, new Uint8Array(this.block.buf));
    if (this.varLength > 0) {
      if (this.varLength > this.varOut.length) this.varOut = new Uint8Array(Math.max(this.varLength, 2 * this.varOut.length));
      let at = 0;
      for (const col of this.varBytes) {
        for (const v of col) {
          this.varOut.set(v, at);
          at += v.length;
        }
        col.length = 0;
      }
      writeSync(this.fd, this.varOut, 0, at);
    }
    this.varLength = 0;
    this.rows = 0;
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

  /** Writes what is left and closes the appender: the staged rows are complete. */
  close(): void {
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    this.losses.closeSync();
  }

  /** Closes the files (the caller removes them). */
  dispose(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
  }

  /** SELECT of the events table's rows, in timeline order. */
  eventsSelect(): string {
    return `SELECT ${eventSelect(this.named)} FROM tp_events()`;
  }

  lossesSelect(): string {
    return 'SELECT * FROM loss';
  }

  /** SELECT of the packets table: per packet, its events and their time range. */
  packetsSelect(): string {
    const t = '(t_hi::BIGINT * 4294967296 + t_lo)';
    return `SELECT session, core, seq::BIGINT AS seq, count(*)::BIGINT AS events, min(${t}) AS first_ns, max(${t}) AS last_ns FROM tp_events() GROUP BY session, core, seq ORDER BY session, core, seq`;
  }
}
