// The stats path on two cores (issue 11), for a trace that is a file of stream bytes: the file
// is cut at fixed offsets into stretches (core/frame-scan.ts scanStretch says where their frames
// start and end), and this thread and a worker thread take the next stretch whenever they are
// free. Each reads its stretch from the file itself. The worker scans its stretches (COBS, CRC,
// packet heads, events counted) into shared memory; this thread books every stretch in file
// order: its own by decoding them (TraceDecoder.push, as on one thread), the worker's from the
// rows of its scan (TraceDecoder.pushScanned). Nothing is copied between the threads and no
// message is posted: a slot's state word says when its rows are ready. When this thread would
// wait for the worker it scans the stretch after instead, so both cores stay busy whatever the
// share of the work. The result is the decoder's for any cut (the property tests of
// core/decoder.property.test.ts), so all this changes is time.
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { sniffCapture, SNIFF_LEN } from '../core/capture-format.js';
import { MAX_COBS } from '../core/frames.js';
import { FrameScanner, SCAN_ROW, SCAN_ROWS, scanStretch, type ScanResult } from '../core/frame-scan.js';
import type { TraceDecoder } from '../core/decoder.js';

/** Nominal bytes of a stretch. */
export const STRETCH = 1 << 20;
/** Stretches read and not yet booked, at most: the memory held is bounded whatever the file. */
const SLOTS = 8;
/** The worker is started only for files longer than this: its start-up costs more on a short one. */
export const PARALLEL_AFTER = 8 * STRETCH;
/** Bytes read at a time for the stretches this thread decodes. */
const CHUNK = 1 << 18;

/** The worker's bundle, beside this one (host/build.mjs). */
export const SCAN_WORKER_FILE = 'scan-worker.cjs';

// control words
const NEXT = 0;
const BOOKED = 1;
const STOP = 2;
// per slot numbers: the stretch's frames [start, end) as indices of its bytes
const M_START = 0;
const M_END = 1;
const M_COUNT = 2;
const META = 3;
/** Bytes before the slots' numbers: the control words and the state words. */
const HEAD = 16 + 4 * SLOTS;

/** What the worker is started with. */
export interface ScanWorkerData {
  shared: SharedArrayBuffer;
  path: string;
  size: number;
  stretch: number;
}

/**
 * The memory both threads share: control words, and per slot a state word (stretch index + 1
 * when its scan is ready, else 0), its numbers, its bytes and its rows. Stretch j uses slot
 * j % SLOTS, and is taken only while fewer than SLOTS stretches are taken and not booked.
 */
export class SharedStretches {
  readonly count: number;
  private readonly ctrl: Int32Array;
  readonly state: Int32Array;
  private readonly meta: Float64Array;
  private readonly bytes: Buffer[] = [];
  private readonly rows: Float64Array[] = [];

  static create(size: number, stretch: number): SharedStretches {
    return new SharedStretches(new SharedArrayBuffer(SharedStretches.bytesFor(stretch)), size, stretch);
  }

  private static bytesFor(stretch: number): number {
    return HEAD + 8 * SLOTS * (META + SCAN_ROWS * SCAN_ROW) + SLOTS * (stretch + MAX_COBS + 2);
  }

  constructor(
    readonly shared: SharedArrayBuffer,
    readonly size: number,
    readonly stretch: number,
  ) {
    this.count = Math.ceil(size / stretch);
    this.ctrl = new Int32Array(shared, 0, 4);
    this.state = new Int32Array(shared, 16, SLOTS);
    let at = HEAD;
    this.meta = new Float64Array(shared, at, SLOTS * META);
    at += 8 * SLOTS * META;
    for (let s = 0; s < SLOTS; s++, at += 8 * SCAN_ROWS * SCAN_ROW) this.rows.push(new Float64Array(shared, at, SCAN_ROWS * SCAN_ROW));
    for (let s = 0; s < SLOTS; s++, at += stretch + MAX_COBS + 2) this.bytes.push(Buffer.from(shared, at, stretch + MAX_COBS + 2));
  }

  /** Takes the next stretch: its index, -1 when none is left (or stopped), -2 while the slots are full. */
  claim(): number {
    for (;;) {
      if (Atomics.load(this.ctrl, STOP) !== 0) return -1;
      const j = Atomics.load(this.ctrl, NEXT);
      if (j >= this.count) return -1;
      if (j - Atomics.load(this.ctrl, BOOKED) >= SLOTS) return -2;
      if (Atomics.compareExchange(this.ctrl, NEXT, j, j + 1) === j) return j;
    }
  }

  booked(): number {
    return Atomics.load(this.ctrl, BOOKED);
  }

  /** Waits (a worker's thread only) until the booked count moves from seen. */
  waitBooked(seen: number): void {
    Atomics.wait(this.ctrl, BOOKED, seen, 1000);
  }

  setBooked(n: number): void {
    Atomics.store(this.ctrl, BOOKED, n);
    Atomics.notify(this.ctrl, BOOKED);
  }

  stop(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.notify(this.ctrl, BOOKED);
  }

  /** Reads stretch j from fd into its slot and scans it; then marks the slot ready. */
  scan(j: number, fd: number, scanner: FrameScanner): void {
    const s = j % SLOTS;
    const buf = this.bytes[s];
    const from = j === 0 ? 0 : j * this.stretch - 1;
    let n = 0;
    for (let r = 1; n < buf.length && r > 0; n += r) r = readSync(fd, buf, n, buf.length - n, from + n);
    const out: ScanResult = { rows: this.rows[s], count: 0 };
    const { start, end } = scanStretch(scanner, buf.subarray(0, n), j === 0, j === 0 ? this.stretch - 1 : this.stretch, out);
    this.meta[s * META + M_START] = start;
    this.meta[s * META + M_END] = end;
    this.meta[s * META + M_COUNT] = out.count;
    Atomics.store(this.state, s, j + 1);
    Atomics.notify(this.state, s);
  }

  ready(j: number): boolean {
    return Atomics.load(this.state, j % SLOTS) === j + 1;
  }

  /** Stretch j's scan: the file offset of its first frame, its frames' bytes and their rows. */
  scanned(j: number): { at: number; bytes: Buffer; scan: ScanResult } {
    const s = j % SLOTS;
    const m = s * META;
    const start = this.meta[m + M_START];
    return {
      at: (j === 0 ? 0 : j * this.stretch - 1) + start,
      bytes: this.bytes[s].subarray(start, this.meta[m + M_END]),
      scan: { rows: this.rows[s], count: this.meta[m + M_COUNT] },
    };
  }

  free(j: number): void {
    Atomics.store(this.state, j % SLOTS, 0);
  }
}

export interface ParallelFileOptions {
  /** false: every stretch on this thread (the same path, for the tests) */
  worker?: boolean;
  /** the worker's script (default: SCAN_WORKER_FILE beside the running bundle) */
  workerFile?: string;
  /** nominal bytes per stretch (default STRETCH) */
  stretch?: number;
  /** files shorter than this take the ordinary path (default PARALLEL_AFTER) */
  after?: number;
  /** called before each stretch this thread takes: a test takes stretches there as the worker would */
  alongside?: (shared: SharedStretches) => void;
  /** counts: stretches this thread decoded, stretches it scanned, stretches booked from rows (its own scans and the worker's) */
  used?: { decoded: number; scanned: number; booked: number };
}

export interface ParallelFileEdge {
  /** stream bytes for the decoder (the view is valid during the call); may throw to stop */
  data(bytes: Uint8Array): void;
  /** true once the input proved to be a trace (a valid frame came): before that no worker is started */
  proven(): boolean;
}

/** Atomics.waitAsync (Node 16 and later; not in this project's TypeScript lib). */
interface AtomicsWaitAsync {
  waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** The worker bundle named file beside the running bundle, or null (run from sources, or absent). */
export function bundledWorker(file: string): string | null {
  // __dirname: the bundle's folder (the ESM bundle defines it too); absent when run from sources
  const dir = typeof __dirname === 'string' ? __dirname : null;
  const path = dir ? join(dir, file) : null;
  return path && existsSync(path) ? path : null;
}

/** What a pool does with the stretches of one file (driveStretches). */
export interface StretchPool {
  /** the worker's kind, for its failure's message */
  name: string;
  /** false: every stretch on this thread */
  worker?: boolean;
  /** the worker's script, or null for none */
  workerFile: string | null;
  /** nominal bytes per stretch */
  stretch: number;
  /** files shorter than this take the ordinary path */
  after: number;
  /** file bytes for the decoder (the view is valid during the call), and whether a valid frame came */
  edge: ParallelFileEdge;
  /** called once the file is known to be taken: what the worker is started with beside ScanWorkerData, how a stretch is scanned, how a scan is booked */
  setup(shared: SharedStretches): {
    workerData?: object;
    scan(j: number, fd: number): void;
    /** books stretch j's scan: its frames' bytes (at their file offset) and their rows */
    book(j: number, bytes: Buffer, scan: ScanResult): void;
  };
  /** whether this thread reads stretch j, the next to book, as stream bytes rather than scanning it */
  decodeOwn(j: number): boolean;
  /** awaited after each stretch booked (back-pressure of the output, a progress bar) */
  afterChunk?(): Promise<void> | void;
  /** called before each stretch this thread takes (a test takes stretches there as the worker would) */
  alongside?: (shared: SharedStretches) => void;
  /** counts: stretches this thread decoded as stream bytes, that it scanned, that were booked from a scan */
  used?: { decoded?: number; scanned: number; booked: number };
}

/**
 * The driver both pools share (stats, io/decode-pool.ts): the file at path cut into stretches
 * that this thread and a worker take as they are free, and booked here in file order. Returns
 * the file's size, or null (nothing decoded) when the file takes the ordinary path: it cannot
 * be opened here, is not a regular file, is shorter than pool.after, or is a capture.
 */
export async function driveStretches(path: string, pool: StretchPool): Promise<number | null> {
  let fd: number;
  try {
    // by its path first: opening a FIFO would wait for its writer, and this path would drop it
    const st = statSync(path);
    if (!st.isFile() || st.size < pool.after) return null;
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  let worker: Worker | null = null;
  let shared: SharedStretches | null = null;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size < pool.after) return null;
    const head = Buffer.alloc(SNIFF_LEN);
    if (sniffCapture(head.subarray(0, readSync(fd, head, 0, SNIFF_LEN, 0))).capture) return null;
    shared = SharedStretches.create(st.size, pool.stretch);
    const sh = shared;
    const slots = sh.state.length;
    const { workerData, scan, book } = pool.setup(sh);
    const { edge, used } = pool;
    const chunk = Buffer.allocUnsafeSlow(CHUNK);
    let pos = 0;
    /** file bytes [pos, to) to the decoder as stream bytes, read here (to the end of the file for to = Infinity) */
    const decode = (to: number) => {
      while (pos < to) {
        const n = readSync(fd, chunk, 0, Math.min(CHUNK, to - pos), pos);
        if (n === 0) break;
        pos += n;
        edge.data(chunk.subarray(0, n));
      }
    };
    let failure: Promise<never> | null = null;
    const start = () => {
      const file = pool.workerFile;
      if (pool.worker === false || !file) return;
      const data: ScanWorkerData = { ...workerData, shared: sh.shared, path, size: sh.size, stretch: sh.stretch };
      // not unref'd: this thread's wait for it (Atomics.waitAsync) keeps no event loop alive
      const w = new Worker(file, { workerData: data });
      worker = w;
      failure = new Promise<never>((_, reject) => {
        w.on('error', reject);
        w.on('exit', (code) => {
          if (code !== 0) reject(new Error(`the ${pool.name} worker exited with code ${code}`));
        });
      });
      // its rejection is seen where this thread waits for the worker; none is unhandled
      failure.catch(() => undefined);
    };
    let b = 0;
    while (b < sh.count) {
      if (sh.ready(b)) {
        const { at, bytes, scan: rows } = sh.scanned(b);
        if (bytes.length > 0) {
          // the bytes before its first frame (the end of a frame too long to scan, or none)
          decode(at);
          if (pos !== at) throw new Error(`scan of stretch ${b} starts at ${at}, not at ${pos}`);
          book(b, bytes, rows);
          pos += bytes.length;
          if (used) used.booked++;
        }
        sh.free(b);
        sh.setBooked(++b);
        if (pool.afterChunk) await pool.afterChunk();
        continue;
      }
      pool.alongside?.(sh);
      if (sh.ready(b)) continue;
      const j = sh.claim();
      if (j === b && pool.decodeOwn(j)) {
        decode((j + 1) * sh.stretch);
        if (used && used.decoded !== undefined) used.decoded++;
        sh.setBooked(++b);
        if (!worker && edge.proven()) start();
        if (pool.afterChunk) await pool.afterChunk();
      } else if (j >= 0) {
        scan(j, fd);
        if (used) used.scanned++;
      } else {
        // stretch b is the worker's, under way
        const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(sh.state, b % slots, 0);
        if (wait.async) await Promise.race([wait.value, failure!]);
      }
    }
    decode(Infinity);
    return pos;
  } finally {
    shared?.stop();
    if (worker) void (worker as Worker).terminate();
    closeSync(fd);
  }
}

/**
 * Decodes the regular file of stream bytes at path on two threads: its bytes go to decoder
 * (edge.data for those this thread reads and decodes) in file order, to its end. Returns its
 * size, or null (nothing decoded) when the file takes the ordinary path (driveStretches).
 */
export function decodeFileParallel(
  path: string,
  decoder: TraceDecoder,
  edge: ParallelFileEdge,
  opts: ParallelFileOptions = {},
): Promise<number | null> {
  return driveStretches(path, {
    name: 'scan',
    worker: opts.worker,
    workerFile: opts.workerFile ?? bundledWorker(SCAN_WORKER_FILE),
    stretch: opts.stretch ?? STRETCH,
    after: opts.after ?? PARALLEL_AFTER,
    edge,
    setup: (sh) => {
      const scanner = new FrameScanner();
      return {
        scan: (j, fd) => sh.scan(j, fd, scanner),
        book: (_j, bytes, scan) => decoder.pushScanned(bytes, scan),
      };
    },
    decodeOwn: () => true,
    alongside: opts.alongside,
    used: opts.used,
  });
}
