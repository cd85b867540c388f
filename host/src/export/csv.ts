// CSV export: a header row, then one row per event or loss, in timeline order.
// Every 64-bit value is written as its exact decimal digits; a blob is hex.
//
// With the ELF (--elf), a0… hold the typed values of a described event (core/typed-values.ts:
// signed as signed, floats as decimals, strings as text), `arg_names` their names joined by
// ';', `unit` a counter's unit, and `values` says "typed". Otherwise a0… are the raw wire
// words and `values` says "raw". `args_raw` always holds the wire words, space-separated.
import type { TypedValue } from '../core/typed-values.js';
import { valueText } from '../core/typed-values.js';
import type { EventBatch } from '../core/batch.js';
import { EVENT_KINDS, type CoreStats, type EventKind, type TraceRecord } from '../core/types.js';
import { ByteOut, encodeAscii, pieceOf, putPiece, putU64, putUint, type Piece } from '../core/byte-out.js';
import { KindIdCache, PacketCache } from './batch-cells.js';
import type { ExportInfo, Exporter, NameTable, Sink } from './types.js';

/** the most arguments a described event has (SPEC §11.2: nargs 0..8) */
export const CSV_MAX_ARGS = 8;
export const CSV_COLUMNS = [
  'type',
  'session',
  'core',
  'seq',
  't_ns',
  'ticks',
  'kind',
  'id',
  'name',
  'nargs',
  ...Array.from({ length: CSV_MAX_ARGS }, (_, i) => `a${i}`),
  'blob_hex',
  'cause',
  'count',
  'from_ns',
  'to_ns',
  'text',
  'values',
  'arg_names',
  'unit',
  'args_raw',
] as const;

export class CsvExporter implements Exporter {
  private names?: NameTable;
  private readonly out: ByteOut;
  /** per kind, the name column of each id already looked up (quoted as csvField would) */
  private readonly nameCells = new KindIdCache<string>();
  /** per packet: the row's first four cells */
  private readonly packets = new PacketCache((b) => pieceOf(`event,${b.session},${b.core},${b.seq},`));
  /** by kind index and id: the row's kind, id and (empty) name cells */
  private readonly kindIds: Piece[][] = EVENT_KINDS.map(() => []);
  constructor(sink: Sink) {
    this.out = new ByteOut(sink);
  }

  begin(info: ExportInfo): void {
    this.names = info.names;
    this.out.ascii(CSV_COLUMNS.join(',') + '\r\n');
  }

  record(rec: TraceRecord): void {
    const o = this.out;
    if (rec.type === 'event') {
      o.ascii('event,');
      o.uint(rec.session);
      o.byte(COMMA);
      o.uint(rec.core);
      o.byte(COMMA);
      o.uint(rec.seq);
      o.byte(COMMA);
      o.big(rec.tNs);
      o.byte(COMMA);
      o.big(rec.ticks);
      o.byte(COMMA);
      o.ascii(rec.kind);
      o.byte(COMMA);
      o.uint(rec.id);
      o.byte(COMMA);
      if (this.names) o.text(this.nameCell(rec.kind, rec.id));
      o.byte(COMMA);
      const values = (rec as { values?: TypedValue[] }).values;
      const args = rec.args;
      if (values) {
        o.uint(values.length);
        if (values.length <= CSV_MAX_ARGS) {
          for (let i = 0; i < values.length; i++) {
            o.byte(COMMA);
            this.field(valueText(values[i].type, values[i].value));
          }
          this.commas(CSV_MAX_ARGS - values.length);
        } else {
          this.joinedArgs(values.map((v) => valueText(v.type, v.value)));
        }
      } else {
        if (rec.blob) o.ascii('blob');
        else o.uint(args.length);
        if (args.length <= CSV_MAX_ARGS) {
          for (let i = 0; i < args.length; i++) {
            o.byte(COMMA);
            o.big(args[i]);
          }
          this.commas(CSV_MAX_ARGS - args.length);
        } else {
          this.joinedArgs(args.map((a) => a.toString()));
        }
      }
      o.byte(COMMA);
      if (rec.blob) hexInto(o, rec.blob);
      // cause, count, from_ns, to_ns are a loss's
      o.ascii(',,,,,');
      const text = (rec as { text?: unknown }).text;
      if (typeof text === 'string') this.field(text);
      o.ascii(values ? ',typed,' : ',raw,');
      if (values) this.field(values.map((v) => v.name).join(';'));
      o.byte(COMMA);
      const unit = (rec as { unit?: unknown }).unit;
      if (typeof unit === 'string') this.field(unit);
      o.byte(COMMA);
      if (!rec.blob) {
        for (let i = 0; i < args.length; i++) {
          if (i > 0) o.byte(SPACE);
          o.big(args[i]);
        }
      }
      o.ascii('\r\n');
    } else if (rec.type === 'loss') {
      o.ascii('loss,');
      o.uint(rec.session);
      o.byte(COMMA);
      o.uint(rec.core);
      o.ascii(',,');
      o.big(rec.fromNs);
      // ticks … blob_hex are an event's
      o.ascii(',,,,,,,,,,,,,,,');
      o.ascii(rec.cause);
      o.byte(COMMA);
      o.uint(rec.count);
      o.byte(COMMA);
      o.big(rec.fromNs);
      o.byte(COMMA);
      o.big(rec.toNs);
      o.ascii(',,,,,\r\n');
    }
  }

  /**
   * Rows of batch events, the same bytes as record() writes for each, through a local
   * position: per row the packet's first cells, the two times, the kind and id cells (made
   * once per kind and id), the arguments twice and one constant tail. Blobs, times past 2^53
   * and more arguments than columns take the record path.
   */
  eventBatch(b: EventBatch, from: number, to: number): void {
    if (this.names) {
      for (let i = from; i < to; i++) this.record(b.event(i));
      return;
    }
    const o = this.out;
    const { value: prefix, ns, ticks } = this.packets.of(b);
    const { argStart, argHi, argLo, nsOff, ticksOff, kind, id: ids } = b;
    for (let i = from; i < to; i++) {
      const t = ns + nsOff[i];
      const k = ticks + ticksOff[i];
      const s = argStart[i];
      const n = argStart[i + 1] - s;
      if (!(t <= MAX_EXACT && k <= MAX_EXACT) || n > CSV_MAX_ARGS || (b.hasBlobs && b.blob(i))) {
        this.record(b.event(i));
        continue;
      }
      const kindId = this.kindIdCell(kind[i], ids[i]);
      o.room(prefix.length + kindId.length + 64 + 44 * n);
      const { buf, view } = o;
      let p = putPiece(view, o.pos, prefix);
      p = putUint(buf, p, t);
      buf[p++] = COMMA;
      p = putUint(buf, p, k);
      buf[p++] = COMMA;
      p = putPiece(view, p, kindId);
      p = putUint(buf, p, n);
      const cells = p + 1;
      for (let a = s; a < s + n; a++) {
        buf[p++] = COMMA;
        p = putU64(buf, p, argHi[a], argLo[a]);
      }
      const cellsEnd = p;
      p = putPiece(view, p, RAW_TAILS[n]);
      // args_raw is the same numbers again, space-separated: copied, not formatted twice
      for (let c = cells; c < cellsEnd; c++) {
        const ch = buf[c];
        buf[p++] = ch === COMMA ? SPACE : ch;
      }
      buf[p++] = 13;
      buf[p++] = 10;
      o.pos = p;
    }
  }

  /** `kind,id,,` (the name empty without the ELF), made once per kind index and small id. */
  private kindIdCell(k: number, id: number): Piece {
    const byId = this.kindIds[k];
    let c = id < CELL_IDS ? byId[id] : undefined;
    if (c) return c;
    c = pieceOf(`${EVENT_KINDS[k]},${id},,`);
    if (id < CELL_IDS) byId[id] = c;
    return c;
  }

  end(_stats: CoreStats[]): void {
    this.out.close();
  }

  private commas(n: number): void {
    for (let i = 0; i < n; i++) this.out.byte(COMMA);
  }

  private field(v: string): void {
    this.out.text(plainCsv(v) ? v : csvField(v));
  }

  /** More values than a0…a7: the excess joins a7 (see put). */
  private joinedArgs(texts: string[]): void {
    const row: Record<string, string> = {};
    texts.forEach((t, i) => put(row, i, t));
    for (let i = 0; i < CSV_MAX_ARGS; i++) {
      this.out.byte(COMMA);
      this.field(row[`a${i}`] ?? '');
    }
  }

  private nameCell(kind: EventKind, id: number): string {
    return this.nameCells.get(kind, id) ?? this.nameCells.set(kind, id, csvField(this.names?.eventName(kind, id) ?? ''));
  }
}

const COMMA = 44;
const MAX_EXACT = Number.MAX_SAFE_INTEGER;
/** ids below this have their kind and id cells in arrays; the rest are made per row */
const CELL_IDS = 1 << 16;
/**
 * By argument count n: the empty a<n>…a7 cells, the empty blob_hex, cause, count, from_ns,
 * to_ns and text cells, values "raw", empty arg_names and unit, up to args_raw.
 */
const RAW_TAILS = Array.from({ length: CSV_MAX_ARGS + 1 }, (_, n) => pieceOf(`${','.repeat(CSV_MAX_ARGS - n)},,,,,,,raw,,,`));

const SPACE = 32;
const HEX = '0123456789abcdef';

/** Whether csvField leaves `s` as it is (the common case, checked without regular expressions). */
function plainCsv(s: string): boolean {
  const n = s.length;
  if (n === 0) return true;
  const c0 = s.charCodeAt(0);
  if (c0 === 61 || c0 === 43 || c0 === 45 || c0 === 64 || c0 === 9 || c0 === 13) return false; // = + - @ \t \r
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 44 || c === 13 || c === 10) return false; // " , \r \n
  }
  return true;
}

function hexInto(o: ByteOut, b: Uint8Array): void {
  for (const x of b) {
    o.byte(HEX.charCodeAt(x >> 4));
    o.byte(HEX.charCodeAt(x & 15));
  }
}

/** More values than columns cannot happen (SPEC §6.1, §11.2); any excess joins the last column rather than being dropped. */
function put(row: Record<string, string>, i: number, v: string): void {
  const col = `a${Math.min(i, CSV_MAX_ARGS - 1)}`;
  row[col] = row[col] ? `${row[col]} ${v}` : v;
}

/**
 * RFC 4180 quoting. Names come from the ELF and may hold anything; a leading
 * = + - @ would run as a formula in a spreadsheet, so such text fields get a quote
 * prefix; a plain number (a negative value) is not a formula and stays as it is.
 */
export function csvField(v: string): string {
  let s = v;
  if (/^[=+\-@\t\r]/.test(s) && !/^-\d+(\.\d+)?(e[+-]\d+)?$/.test(s)) s = "'" + s;
  if (/[",\r\n]/.test(s)) return '"' + s.replace(/"/g, '""') + '"';
  return s;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Splits one CSV line made by csvField (tests, and readers without a CSV library). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quote');
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const c = line.indexOf(',', i);
      const e = c < 0 ? line.length : c;
      field = line.slice(i, e);
      i = e;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // comma
  }
}
