// JSONL export: a schema line, then one object per record exactly as
// `tracepipe decode --format jsonl` prints it, then the per-core accounting.
// 64-bit values are decimal strings so no JSON reader rounds them; typed values are numbers
// while |v| <= 2^53 - 1, else decimal strings. The schema line says whether values are typed.
// Events without names come as batches and are written by decode's own line writer
// (core/batch-format.ts), into the same buffer as the other records' lines.
import type { EventBatch } from '../core/batch.js';
import { writeJsonEvents } from '../core/batch-format.js';
import { ByteOut } from '../core/byte-out.js';
import type { CoreStats, TraceRecord } from '../core/types.js';
import { recordJson } from './record-json.js';
import type { ExportInfo, Exporter, Sink } from './types.js';

export const JSONL_SCHEMA_VERSION = 1;

export class JsonlExporter implements Exporter {
  private readonly out: ByteOut;
  constructor(sink: Sink) {
    this.out = new ByteOut(sink);
  }

  begin(info: ExportInfo): void {
    const schema: Record<string, unknown> = {
      type: 'schema',
      schema_version: JSONL_SCHEMA_VERSION,
      format: 'tracepipe-jsonl',
      int64: 'decimal-string',
      time_unit: 'ns',
      record_types: ['schema', 'header', 'event', 'loss', 'notice', 'status', 'stats'],
      // `args` are always the wire words; with the ELF, `fields` holds the typed values
      // (core/typed-values.ts) by field name, or a0, a1, … for a log, or `value` for a counter
      values: info.names ? 'typed' : 'raw',
      args: 'wire words (signed arguments zigzag-coded, floats as IEEE bits)',
    };
    if (info.source !== undefined) schema.source = info.source;
    if (info.wallClock) schema.wall_clock = wallClockJson(info.wallClock);
    this.out.text(JSON.stringify(schema) + '\n');
  }

  record(rec: TraceRecord): void {
    this.out.text(recordJson(rec) + '\n');
  }

  eventBatch(b: EventBatch, from: number, to: number): void {
    writeJsonEvents(this.out, b, from, to);
  }

  end(stats: CoreStats[]): void {
    this.out.text(JSON.stringify(statsJson(stats)) + '\n');
    this.out.close();
  }
}

export function wallClockJson(wc: NonNullable<ExportInfo['wallClock']>): Record<string, unknown> {
  return {
    origin_unix_ns: wc.originUnixNs.toString(),
    origin_utc: isoFromUnixNs(wc.originUnixNs),
    drift_ppm: wc.driftPpm,
    error_ns: Math.round(wc.errorNs),
    samples: wc.samples,
  };
}

export function statsJson(stats: CoreStats[]): Record<string, unknown> {
  return {
    type: 'stats',
    cores: stats.map((c) => ({
      session: c.session,
      core: c.core,
      generated: c.generated,
      decoded: c.decoded,
      dropped: c.dropped,
      overwritten: c.overwritten,
      link_lost: c.link_lost,
      rejected: c.rejected,
      first_ns: c.firstNs === null ? null : c.firstNs.toString(),
      last_ns: c.lastNs === null ? null : c.lastNs.toString(),
    })),
    identity: stats.every((c) => c.identity),
    closed: stats.every((c) => c.closed),
  };
}

/** ISO-8601 UTC with nanoseconds (Date keeps only ms). */
export function isoFromUnixNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const base = new Date(Number(ms)).toISOString(); // ...T..:..:..mmmZ
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return base.slice(0, 19) + '.' + frac + 'Z';
}
