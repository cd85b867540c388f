// What a decode thread's packing (io/decode-pool.ts) and the exporter that copies its output
// share: the row a packer fills for each packet, and the packers by format (CTF's raw event
// layout, export/ctf.ts packRawEvents; Perfetto's packets, export/perfetto.ts packPerfettoEvents).
import type { EventBatch } from '../core/batch.js';

/** What a packer says of the events of a packet it packed, besides their end. */
export interface Packed {
  count: number;
  /** the first event's time (< 2^53; CTF: ticks, Perfetto: ns) */
  first: number;
  /** the last event's time */
  last: number;
  /** CTF: an event after the first has the extended header for its gap from the one before */
  gap: boolean;
  /** Perfetto: the generation of the core's table the packing read (the exporter checks it is still the one) */
  mark: number;
  /** Perfetto: bytes of the first event's packet after its timestamp, which the exporter writes */
  head: number;
  /** Perfetto: bytes packed (CTF's are whole words: the row's word range) */
  bytes: number;
}

export type PackFormat = 'ctf' | 'perfetto';

/** A packing of a packet's events into shared words, for the exporter of one format. */
export interface Packer {
  /** Int32 words of the table the booking thread's exporter keeps and the packing reads (Exporter.packedTable) */
  tableWords: number;
  /**
   * The events of b (a packet of `core`, its first tick ticksBase) into words from `at`, at most
   * `room` words; the end (in words) of what it wrote, or -1 where only the exporter's batch path
   * writes the same bytes.
   */
  pack(b: EventBatch, ticksBase: number, core: number, words: Uint32Array, at: number, room: number, table: Int32Array, out: Packed): number;
}
