// CSV export: a header row, then one row per event or loss, in timeline order.
// Every 64-bit value is written as its exact decimal digits; a blob is hex.
import type { CoreStats, TraceRecord } from '../core/types.js';
import type { ExportInfo, Exporter, NameTable, Sink } from './types.js';

export const CSV_MAX_ARGS = 6;
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
      if (rec.blob) {
        row.nargs = 'blob';
        row.blob_hex = hex(rec.blob);
      } else {
        row.nargs = String(rec.args.length);
        // Wider than the six wire arguments cannot happen (SPEC §6.1); keep any excess
        // in the last column rather than drop it.
        rec.args.forEach((a, i) => {
          const col = `a${Math.min(i, CSV_MAX_ARGS - 1)}`;
          row[col] = row[col] ? `${row[col]} ${a}` : a.toString();
        });
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

/**
 * RFC 4180 quoting. Names come from the ELF and may hold anything; a leading
 * = + - @ would run as a formula in a spreadsheet, so such text fields get a quote
 * prefix. Numbers never start with those characters here (all values are unsigned).
 */
export function csvField(v: string): string {
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
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
