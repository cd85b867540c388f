// The CTF and Perfetto exports on two threads (issue 11), for a trace that is a file of stream
// bytes. The file is cut into stretches as for `stats --threads 2` (io/scan-pool.ts
// SharedStretches: fixed cuts, each thread reads its own stretches, shared memory, no messages),
// but a scan here also parses each PACKET's events and packs them in the exporter's own bytes
// (the format's Packer, export/packing.ts: CTF's raw event layout, export/ctf.ts packRawEvents,
// or Perfetto's packets, export/perfetto.ts packPerfettoEvents) into shared memory beside the
// stretch's rows: the costly part of an export, the event walk and the packing, runs on
// whichever thread took the stretch. This thread books every stretch in file order
// (TraceDecoder.pushScanned with `booked`, so every record, notice and count is the decoder's)
// and hands each booked packet's packed events to the exporter, which copies them into its
// output (CtfExporter.packedEvents, PerfettoExporter.packedEvents) or, where its state needs the
// batch path (a loss window, a new class or name, a clamped time), is given the packet's batch
// instead, parsed again here. When this thread would wait for the worker it scans the next stretch itself. Either
// way the output is that of the one-thread export, byte for byte; all this changes is time.
import { availableParallelism, loadavg } from 'node:os';
import { EventBatch } from '../core/batch.js';
import { checkFrame, FRAME_OK, FrameSplitter } from '../core/frames.js';
import { FrameScanner, ROW_RESUME, ROW_START, SCAN_ROW, SCAN_ROWS, SCAN_VERSION } from '../core/frame-scan.js';
import { parseEvents, parsePacketHead } from '../core/messages.js';
import type { TraceDecoder } from '../core/decoder.js';
import { PacketClock } from '../core/time.js';
import { Cursor } from '../core/varint.js';
import { packRawEvents, RAW_CLASSES } from '../export/ctf.js';
import type { PackFormat, Packed, Packer } from '../export/packing.js';
import { packPerfettoEvents, PERFETTO_TABLE_WORDS } from '../export/perfetto.js';
import { bundledWorker, driveStretches, type ParallelFileEdge, type ScanWorkerData } from './scan-pool.js';

/** Nominal bytes of a stretch: small, since each slot also holds its packed events (PACKED_RATIO). */
export const DECODE_STRETCH = 1 << 18;
/** The worker is started only for files longer than this: its start-up costs more on a short one. */
export const DECODE_PARALLEL_AFTER = 16 << 20;
/**
 * Packed bytes a slot has room for, per stretch byte: a packet gets a row where the most its
 * packing could take fits (CTF's raw layout, packRawEvents: about 4.2 bytes per byte of the
 * bench's trace, which takes about 2.1; Perfetto's packets about 3.5); a packet that does not fit
 * gets no row (the decoder reads it).
 */
const PACKED_RATIO = 6;

/** The packer of each format. */
export const PACKERS: Record<PackFormat, Packer> = {
  ctf: { tableWords: RAW_CLASSES, pack: (b, ticksBase, _core, words, at, room, table, out) => packRawEvents(b, ticksBase, words, at, room, table, out) },
  perfetto: { tableWords: PERFETTO_TABLE_WORDS, pack: packPerfettoEvents },
};

/** The worker's bundle, beside this one (host/build.mjs). */
export const DECODE_WORKER_FILE = 'decode-worker.cjs';

/** What the worker is started with. */
export interface DecodeWorkerData extends ScanWorkerData {
  packed: SharedArrayBuffer;
  format: PackFormat;
}

/**
 * Per row: its packed words' start and end, its event count (+ GAP_ROW: Packed.gap), the
 * times of its first and last events as low and high words, and Packed's mark, head and bytes.
 */
const ROW_INFO = 10;
const GAP_ROW = 0x8000_0000;

/**
 * Per slot of a SharedStretches (stretch j in slot j % slots): the packed events of its rows
 * and ROW_INFO numbers per row; and the exporter's table (Exporter.packedTable: CTF's raw class
 * ids, Perfetto's sequences and names), which the packing reads. At most `slots` stretches are taken and not booked
 * (SharedStretches.claim), so stretches in flight never share a slot.
 */
export class PackedSlots {
  private readonly info: Uint32Array[] = [];
  private readonly words: Uint32Array[] = [];
  /** the exporter's table: written by the booking thread as classes or names appear, read by the packing */
  readonly table: Int32Array;
  private readonly wordsPerSlot: number;
  private readonly batch = new EventBatch();
  private readonly packed: Packed = { count: 0, first: 0, last: 0, gap: false, mark: 0, head: 0, bytes: 0 };
  private slot = 0;
  private fill = 0;
  /** a FrameScanner whose rows also get their events packed into the slot set by target() */
  readonly scanner: FrameScanner;

  static create(slots: number, stretch: number, format: PackFormat): PackedSlots {
    const words = (PACKED_RATIO * stretch) / 4;
    return new PackedSlots(new SharedArrayBuffer(4 * (PACKERS[format].tableWords + slots * (ROW_INFO * SCAN_ROWS + words))), slots, stretch, format);
  }

  constructor(
    readonly shared: SharedArrayBuffer,
    slots: number,
    stretch: number,
    format: PackFormat,
  ) {
    const packer = PACKERS[format];
    this.wordsPerSlot = (PACKED_RATIO * stretch) / 4;
    this.table = new Int32Array(shared, 0, packer.tableWords);
    let at = 4 * packer.tableWords;
    for (let s = 0; s < slots; s++, at += 4 * ROW_INFO * SCAN_ROWS) this.info.push(new Uint32Array(shared, at, ROW_INFO * SCAN_ROWS));
    for (let s = 0; s < slots; s++, at += 4 * this.wordsPerSlot) this.words.push(new Uint32Array(shared, at, this.wordsPerSlot));
    this.scanner = new FrameScanner({
      batch: (n, bytes) => {
        this.batch.reset(n, bytes);
        return this.batch;
      },
      row: (r, b, head) => {
        if (!b || head.tsBegin > MAX_SAFE_BIG) return false;
        const out = this.packed;
        const end = packer.pack(b, Number(head.tsBegin), head.core, this.words[this.slot], this.fill, this.wordsPerSlot - this.fill, this.table, out);
        if (end < 0) return false;
        const info = this.info[this.slot];
        const o = r * ROW_INFO;
        info[o] = this.fill;
        info[o + 1] = end;
        info[o + 2] = out.count + (out.gap ? GAP_ROW : 0);
        info[o + 3] = out.first % TWO_32;
        info[o + 4] = Math.floor(out.first / TWO_32);
        info[o + 5] = out.last % TWO_32;
        info[o + 6] = Math.floor(out.last / TWO_32);
        info[o + 7] = out.mark;
        info[o + 8] = out.head;
        info[o + 9] = out.bytes;
        this.fill = end;
        return true;
      },
    });
  }

  /** The slot stretch j's scan packs into (call before SharedStretches.scan). */
  target(j: number, slots: number): void {
    this.slot = j % slots;
    this.fill = 0;
  }

  /** Hands row r of stretch j to sink; -1 when it wants the packet's batch. */
  give(j: number, slots: number, r: number, session: number, core: number, sink: PackedSink): number {
    const s = j % slots;
    const info = this.info[s];
    const o = r * ROW_INFO;
    const row = this.packed;
    row.count = info[o + 2] % GAP_ROW;
    row.gap = info[o + 2] >= GAP_ROW;
    row.first = info[o + 4] * TWO_32 + info[o + 3];
    row.last = info[o + 6] * TWO_32 + info[o + 5];
    row.mark = info[o + 7];
    row.head = info[o + 8];
    row.bytes = info[o + 9];
    return sink.events(session, core, this.words[s], info[o], info[o + 1], row);
  }
}

/** Where packed events go: an exporter that takes them (Exporter.packedEvents). */
export interface PackedSink {
  /** whose packing the worker runs */
  format: PackFormat;
  /** the table the packing reads from now on (Exporter.packedTable) */
  table(table: Int32Array): void;
  /** Exporter.packedEvents: how many events it took, or -1 for the packet's batch */
  events(session: number, core: number, words: Uint32Array, from: number, to: number, row: Packed): number;
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 4294967296;

export interface DecodePoolOptions {
  /** false: every stretch on this thread (the same path, for the tests) */
  worker?: boolean;
  /** the worker's script (default: DECODE_WORKER_FILE beside the running bundle) */
  workerFile?: string;
  /** nominal bytes per stretch (default DECODE_STRETCH) */
  stretch?: number;
  /** files shorter than this take the ordinary path (default DECODE_PARALLEL_AFTER) */
  after?: number;
  /** counts: stretches booked from their scan, of them scanned by this thread, packets handed back as batches */
  used?: { booked: number; scanned: number; batches: number };
}

export interface DecodePoolEdge extends ParallelFileEdge {
  /** packets the decoder booked from a row: their packed events */
  packed: PackedSink;
  /** events of a booked packet as columns, where packed.events() wanted them so */
  events(b: EventBatch, from: number, to: number): void;
  /** awaited after each stretch (back-pressure of the output, a progress bar) */
  afterChunk?(): Promise<void> | void;
}

/**
 * Whether this machine has the second core the worker needs free: two cores or more, and a load
 * average that leaves about one idle (below cores - 0.5: a job that just ended still counts a while). The worker only moves work to another core (it adds its start-up
 * and a second JIT warm-up), so on cores other jobs hold it gains nothing and costs a little.
 */
export function decodePoolUseful(): boolean {
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0] < cores - 0.5;
}

/**
 * Decodes the regular file of stream bytes at path on two threads, feeding decoder (merge:
 * false) and edge in file order to its end. Returns its size, or null (nothing decoded) when
 * the file takes the ordinary path: it cannot be opened here, is not a regular file, is shorter
 * than opts.after, or is a capture.
 */
export function decodeFilePacked(path: string, decoder: TraceDecoder, edge: DecodePoolEdge, opts: DecodePoolOptions = {}): Promise<number | null> {
  const used = opts.used;
  const stretch = opts.stretch ?? DECODE_STRETCH;
  return driveStretches(path, {
    name: 'decode',
    worker: opts.worker,
    workerFile: opts.workerFile ?? bundledWorker(DECODE_WORKER_FILE),
    stretch,
    after: opts.after ?? DECODE_PARALLEL_AFTER,
    edge,
    setup: (sh) => {
      const slots = sh.state.length;
      const packed = PackedSlots.create(slots, stretch, edge.packed.format);
      edge.packed.table(packed.table);
      const again = new PacketAgain(edge, decoder);
      return {
        workerData: { packed: packed.shared, format: edge.packed.format },
        scan: (j, fd) => {
          packed.target(j, slots);
          sh.scan(j, fd, packed.scanner);
        },
        book: (j, bytes, scan) =>
          decoder.pushScanned(bytes, scan, undefined, (r, session, core) => {
            if (packed.give(j, slots, r, session, core, edge.packed) >= 0) return;
            const o = r * SCAN_ROW;
            again.frame(bytes.subarray(scan.rows[o + ROW_START], scan.rows[o + ROW_RESUME]), session);
            if (used) used.batches++;
          }),
      };
    },
    // until a valid frame came, as stream bytes: a hostile input is refused as it is read
    decodeOwn: () => !edge.proven(),
    afterChunk: () => edge.afterChunk?.(),
    used,
  });
}

/** A booked packet's events parsed again, as a batch, for an exporter that wants them so. */
class PacketAgain {
  private readonly batch = new EventBatch();
  private session = 0;
  /** the clock of the session being booked (its times in ns, as the decoder gives them) */
  private clock: PacketClock | null = null;
  private clockHz = 0;
  private readonly span = { first: 0 as number | bigint };
  private readonly splitter = new FrameSplitter({
    frame: (buf, len) => this.parse(buf, len),
    bad: () => undefined,
  });
  constructor(
    private readonly edge: DecodePoolEdge,
    private readonly decoder: TraceDecoder,
  ) {}

  /** raw: the packet's frame as the scan took it (it passed every check then) */
  frame(raw: Uint8Array, session: number): void {
    this.session = session;
    this.splitter.push(raw);
  }

  private parse(buf: Uint8Array, len: number): void {
    if (checkFrame(buf, len, this.splitter.words) !== FRAME_OK) throw new Error('a scanned packet no longer checks');
    const c = new Cursor(buf, 1, len - 4);
    const head = parsePacketHead(c, SCAN_VERSION);
    const b = this.batch;
    b.reset(head.nEvents, c.remaining);
    parseEvents(c, head.nEvents, b, this.span);
    b.session = this.session;
    b.core = head.core;
    b.seq = head.seq;
    b.ticksBase = head.tsBegin;
    // the packet was packed, so its times were exact in doubles (packers refuse the rest)
    const hz = this.decoder.header?.timerHz ?? 0;
    if (!this.clock || this.clockHz !== hz) {
      this.clock = new PacketClock(hz);
      this.clockHz = hz;
    }
    const clock = this.clock;
    clock.setBase(head.tsBegin);
    b.setNsBase(clock.baseNs);
    for (let i = 0; i < b.length; i++) {
      const r = clock.rel(b.ticksOff[i]);
      if (r < 0) throw new Error('a packed packet has a time past exact doubles');
      b.nsOff[i] = r;
    }
    this.edge.events(b, 0, b.length);
  }
}
