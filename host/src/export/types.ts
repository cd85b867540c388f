// The streaming exporter contract. Every export format is a consumer that sees the
// decoded timeline once, in order, and writes as it goes, so a capture of any size
// exports in bounded memory (issue 6 §5). Only the HTML view keeps the events, and
// it keeps them in compact typed arrays.

import type { EventBatch } from '../core/batch.js';
import type { PackFormat, Packed } from './packing.js';
import type { CoreStats, EventKind, Notice, TraceRecord } from '../core/types.js';

/** Where an exporter writes bytes. Writes are buffered by the implementation. */
export interface Sink {
  write(data: string | Uint8Array): void;
  /**
   * Writes `data` before returning and keeps no reference to it, so the caller may reuse the
   * buffer (big chunks without garbage); only synchronous sinks have it.
   */
  writeNow?(data: Uint8Array): void;
  close(): void;
}

/** A directory-like output: CTF writes one metadata file plus one stream file per core. */
export interface SinkFactory {
  open(name: string): Sink;
}

/** Target time mapped to UTC: unix_ns = originUnixNs + t_ns × (1 + driftPpm/1e6). */
export interface WallClock {
  /** UTC time, in ns since the Unix epoch, of target t_ns = 0 */
  originUnixNs: bigint;
  /** rate error of the target clock relative to the host clock, parts per million */
  driftPpm: number;
  /** bound on |fitted − true| for the samples kept by the fit, ns */
  errorNs: number;
  samples: number;
}

/** Resolves ids to names (from the firmware ELF); undefined means "show the raw id". */
export interface NameTable {
  eventName(kind: EventKind, id: number): string | undefined;
}

export interface ExportInfo {
  /** the capture file the export was made from (shown, never trusted as markup) */
  source?: string;
  wallClock?: WallClock;
  /** present when the ELF is given: events described by it then carry typed `values` (core/metadata.ts EventMeta) */
  names?: NameTable;
  /** also write the raw wire words next to typed values (Perfetto args_raw, CTF raw classes) */
  raw?: boolean;
}

export interface Exporter {
  begin(info: ExportInfo): void;
  record(rec: TraceRecord): void;
  /**
   * Events b[from, to) as columns (core/batch.ts), in their place between the records. An
   * exporter that has it is fed batches instead of event records (no object per event);
   * withNames hides it, since the ELF's names and typed values are applied to records.
   */
  eventBatch?(b: EventBatch, from: number, to: number): void;
  /**
   * True when the exporter needs each core's records in their order only, not one timeline
   * across cores (CTF writes a stream per core): it is fed without the decoder's merge, so
   * records leave in stream order and a batch comes whole, one packet per call.
   */
  readonly perCore?: boolean;
  /**
   * A packet's events as a decode thread packed them (io/decode-pool.ts, with the packer of
   * `packing`: CTF's raw layout, export/ctf.ts packRawEvents, or Perfetto's packets,
   * export/perfetto.ts), in their place between the records: returns how many it took, or -1 to
   * be given the packet's batch (eventBatch) instead. Only a perCore exporter; with packedTable,
   * which gives it the shared table the packing reads (CTF: class ids; Perfetto: each core's
   * sequence, names and tracks).
   */
  packedEvents?(session: number, core: number, words: Uint32Array, from: number, to: number, row: Packed): number;
  packedTable?(table: Int32Array): void;
  readonly packing?: PackFormat;
  /** A notice of the decoder (damaged frames, resets, a cut input), where the format keeps them (Perfetto). */
  notice?(n: Notice): void;
  end(stats: CoreStats[]): void;
}

/** The decoder callbacks that feed an exporter: begin() before anything else, batches where it takes them. */
export function exporterFeed(exporter: Exporter, info: ExportInfo) {
  let begun = false;
  let events = 0;
  const begin = (): void => {
    if (!begun) exporter.begin(info);
    begun = true;
  };
  const batches = exporter.eventBatch?.bind(exporter);
  return {
    onRecord(rec: TraceRecord): void {
      begin();
      if (rec.type === 'event') events++;
      exporter.record(rec);
    },
    onEvents: batches
      ? (b: EventBatch, from: number, to: number): void => {
          begin();
          events += to - from;
          batches(b, from, to);
        }
      : undefined,
    onNotice: exporter.notice
      ? (n: Notice): void => {
          begin();
          exporter.notice!(n);
        }
      : undefined,
    /** where a decode pool's packed events go (PackedSink), when the exporter takes them */
    packed:
      exporter.packedEvents && exporter.packedTable && exporter.packing
        ? {
            format: exporter.packing,
            table: exporter.packedTable.bind(exporter),
            events: (session: number, core: number, words: Uint32Array, from: number, to: number, row: Packed): number => {
              begin();
              const n = exporter.packedEvents!(session, core, words, from, to, row);
              if (n > 0) events += n;
              return n;
            },
          }
        : undefined,
    end(stats: CoreStats[]): void {
      begin();
      exporter.end(stats);
    },
    /** events exported so far */
    get events(): number {
      return events;
    },
  };
}

/** Feeds a finished record sequence through an exporter (tests, small inputs). */
export function exportRecords(
  exporter: Exporter,
  records: Iterable<TraceRecord>,
  stats: CoreStats[],
  info: ExportInfo = {},
): void {
  exporter.begin(info);
  for (const rec of records) exporter.record(rec);
  exporter.end(stats);
}
