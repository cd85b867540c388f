// CSV export: a header row, then one row per event or loss, in timeline order.
// Every 64-bit value is written as its exact decimal digits; a blob is hex.
//
// With the ELF (--elf), a0… hold the typed values of a described event (core/typed-values.ts:
// signed as signed, floats as decimals, strings as text), `arg_names` their names joined by
// ';', `unit` a counter's unit, and `values` says "typed". Otherwise a0… are the raw wire
// words and `values` says "raw". `args_raw` always holds the wire words, space-separated.
import type { TypedValue } from '../core/typed-values.js';
import { valueText } from '../core/typed-values.js';
import type { CoreStats, TraceRecord } from '../core/types.js';
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
  constructor(private readonly sink: Sink) {}

  begin(info: ExportInfo): void {
    this.names = info.names;
    this.sink.write(CSV_COLUMNS.join(',') + '\r\n');
  }

  record(rec: TraceRecord): void {
    const row: Record<string, string> = {};
    if (rec.type === 'event') {
      row.type = 'event';
      row.session = String(rec.session);
      row.core = String(rec.core);
      row.seq = String(rec.seq);
      row.t_ns = rec.tNs.toString();
      row.ticks = rec.ticks.toString();
      row.kind = rec.kind;
      row.id = String(rec.id);
      row.name = this.names?.eventName(rec.kind, rec.id) ?? '';
      const text = (rec as { text?: unknown }).text;
      if (typeof text === 'string') row.text = text;
      const values = (rec as { values?: TypedValue[] }).values;
      const unit = (rec as { unit?: unknown }).unit;
      if (typeof unit === 'string') row.unit = unit;
      if (rec.blob) row.blob_hex = hex(rec.blob);
      else row.args_raw = rec.args.join(' ');
      if (values) {
        row.values = 'typed';
        row.nargs = String(values.length);
        row.arg_names = values.map((v) => v.name).join(';');
        values.forEach((v, i) => put(row, i, valueText(v.type, v.value)));
      } else {
        row.values = 'raw';
        row.nargs = rec.blob ? 'blob' : String(rec.args.length);
        rec.args.forEach((a, i) => put(row, i, a.toString()));
      }
    } else if (rec.type === 'loss') {
      row.type = 'loss';
      row.session = String(rec.session);
      row.core = String(rec.core);
      row.t_ns = rec.fromNs.toString();
      row.cause = rec.cause;
      row.count = String(rec.count);
      row.from_ns = rec.fromNs.toString();
      row.to_ns = rec.toNs.toString();
    } else {
      return;
    }
    this.sink.write(CSV_COLUMNS.map((c) => csvField(row[c] ?? '')).join(',') + '\r\n');
  }

  end(_stats: CoreStats[]): void {
    this.sink.close();
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
