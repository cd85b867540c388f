// The stats path on two cores (issue 11): the stream is cut into stretches that end at a frame
// delimiter, a worker thread scans them (core/frame-scan.ts: COBS, CRC, packet heads, events
// counted) while this thread books the scanned rows in stream order (TraceDecoder.pushScanned).
// When the worker has enough in hand this thread scans the next stretch itself, so both cores
// stay busy whatever the share of the work; without the worker's file (a run from the
// sources, not the bundle) every stretch is scanned here. The result is the decoder's, for
// any cut (the property tests of core/decoder.property.test.ts), so all this changes is time.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FrameScanner, newScanResult, SCAN_ROW, SCAN_ROWS, type ScanResult } from '../core/frame-scan.js';
import type { TraceDecoder } from '../core/decoder.js';

/** Bytes a stretch gathers before it is cut at its last delimiter. */
const STRETCH = 1 << 20;
/** Stretches handed to the worker and not yet back; one more waits while it scans one. */
const WORKER_AHEAD = 2;
/** Stretches waiting to be booked before the reader is held back (memory stays bounded). */
const QUEUE_LIMIT = 6;
/** The worker is started only for inputs longer than this: its start-up costs more on a short one. */
const WORKER_AFTER = 4 * STRETCH;

/** The worker's bundle, beside this one (host/build.mjs). */
export const SCAN_WORKER_FILE = 'scan-worker.cjs';

export interface ScanRequest {
  id: number;
  bytes: ArrayBuffer;
  length: number;
  rows: ArrayBuffer;
}
export interface ScanReply extends ScanRequest {
  count: number;
}

/** Stretch buffers and row arrays booked and free for reuse (a new one costs its zeroing and page faults). */
const spare: ArrayBuffer[] = [];
const spareRows: Float64Array<ArrayBuffer>[] = [];

function rowsBuffer(): Float64Array<ArrayBuffer> {
  return spareRows.pop() ?? new Float64Array(SCAN_ROWS * SCAN_ROW);
}

/** A buffer of its own (not a slice of Node's pool), so that it can be moved to the worker. */
function ownBuffer(n: number): Buffer {
  const i = spare.findIndex((b) => b.byteLength >= n);
  return Buffer.from(i >= 0 ? spare.splice(i, 1)[0] : new ArrayBuffer(n));
}

export interface ScanPipelineOptions {
  /** false: every stretch is scanned on this thread */
  worker?: boolean;
  /** the worker's script (default: SCAN_WORKER_FILE beside the running bundle) */
  workerFile?: string;
  /** input bytes before the worker is started (default 4 MiB) */
  workerAfter?: number;
}

interface Stretch {
  bytes: Buffer;
  hostNs: bigint | undefined;
  result: ScanResult | null;
  done?: () => void;
  /** not bytes: a call made in its turn (a warning of the input's reader) */
  action?: () => void;
}

const NO_ROWS: ScanResult = { rows: new Float64Array(0), count: 0 };

function workerFile(): string | null {
  // __dirname: the bundle's folder (the ESM bundle defines it too); absent when run from sources
  const dir = typeof __dirname === 'string' ? __dirname : null;
  const file = dir ? join(dir, SCAN_WORKER_FILE) : null;
  return file && existsSync(file) ? file : null;
}

export class ScanPipeline {
  private stretch: Buffer = ownBuffer(STRETCH * 2);
  private fill = 0;
  private hostNs: bigint | undefined;
  /** the staged bytes are inside a frame that no buffer held whole */
  private insideLong = false;
  private readonly queue: Stretch[] = [];
  private readonly local = new FrameScanner();
  private worker: Worker | null = null;
  private workerFailed = false;
  private readonly waiting = new Map<number, Stretch>();
  private nextId = 0;
  private bytesSeen = 0;
  private failure: unknown;
  /** stretches the worker scanned (the rest were scanned on this thread) */
  byWorker = 0;
  /** the most bytes staged and queued at once (they have a bound whatever the input) */
  maxHeld = 0;

  constructor(
    private readonly decoder: TraceDecoder,
    private readonly opts: ScanPipelineOptions = {},
  ) {}

  /** Stream bytes in order (as TraceDecoder.push takes them). */
  push(bytes: Uint8Array, hostNs?: bigint): void {
    this.hostNs = hostNs;
    this.bytesSeen += bytes.length;
    let p = 0;
    while (p < bytes.length) {
      if (this.fill === this.stretch.length) this.cut();
      const n = Math.min(bytes.length - p, this.stretch.length - this.fill);
      this.stretch.set(bytes.subarray(p, p + n), this.fill);
      this.fill += n;
      p += n;
      if (this.fill >= STRETCH) this.cut();
    }
    let held = this.fill;
    for (const q of this.queue) held += q.bytes.length;
    if (held > this.maxHeld) this.maxHeld = held;
  }

  /**
   * Calls fn once the bytes pushed so far are booked, as far as they end at a delimiter (the
   * frame under way is not ended by it): the input's warnings keep their place among the
   * decoder's.
   */
  inTurn(fn: () => void): void {
    this.cut();
    if (this.queue.length === 0) fn();
    else this.queue.push({ bytes: this.stretch.subarray(0, 0), hostNs: undefined, result: NO_ROWS, action: fn });
  }

  /** Books what is scanned; waits while too much is queued. Call between input chunks. */
  async settle(): Promise<void> {
    this.book();
    while (this.queue.length > QUEUE_LIMIT) {
      await this.headDone();
      this.book();
    }
  }

  /** Books everything; the bytes after the last delimiter go to the decoder as they are. */
  async end(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.headDone();
        this.book();
      }
      if (this.fill > 0) this.decoder.push(this.stretch.subarray(0, this.fill), this.hostNs);
      this.fill = 0;
    } finally {
      this.close();
    }
  }

  close(): void {
    void this.worker?.terminate();
    this.worker = null;
  }

  /** The first n staged bytes as a buffer of their own; the rest stays staged, in a new buffer. */
  private take(n: number): Buffer {
    const next = ownBuffer(STRETCH * 2);
    next.set(this.stretch.subarray(n, this.fill));
    const taken = this.stretch.subarray(0, n);
    this.stretch = next;
    this.fill -= n;
    return taken;
  }

  /** Bytes the decoder reads itself (no rows): they are, or end, a frame too long to scan. */
  private queueUnscanned(n: number): void {
    this.queue.push({ bytes: this.take(n), hostNs: this.hostNs, result: NO_ROWS });
  }

  private cut(): void {
    if (this.fill === 0) return;
    if (this.insideLong) {
      // the staged bytes continue a frame longer than any buffer: up to its end, the decoder's
      const end = this.stretch.indexOf(0);
      if (end < 0 || end >= this.fill) {
        if (this.fill === this.stretch.length) this.queueUnscanned(this.fill);
        return;
      }
      this.queueUnscanned(end + 1);
      this.insideLong = false;
    }
    const z = this.fill > 0 ? this.stretch.lastIndexOf(0, this.fill - 1) : -1;
    if (z < 0) {
      // no delimiter in the whole buffer: a frame too long for any reader (refused as it
      // comes, SPEC §3); the decoder takes it, so that memory stays bounded
      if (this.fill === this.stretch.length) {
        this.queueUnscanned(this.fill);
        this.insideLong = true;
      }
      return;
    }
    const s: Stretch = { bytes: this.take(z + 1), hostNs: this.hostNs, result: null };
    this.queue.push(s);
    if (this.waiting.size < WORKER_AHEAD && this.startWorker()) this.send(s);
    else s.result = this.local.scan(s.bytes, newScanResult(rowsBuffer()));
  }

  private startWorker(): boolean {
    if (this.worker) return true;
    if (this.opts.worker === false || this.workerFailed || this.bytesSeen < (this.opts.workerAfter ?? WORKER_AFTER)) return false;
    const file = this.opts.workerFile ?? workerFile();
    if (!file) {
      this.workerFailed = true;
      return false;
    }
    const w = new Worker(file);
    w.unref();
    w.on('message', (m: ScanReply) => {
      const s = this.waiting.get(m.id)!;
      this.waiting.delete(m.id);
      this.byWorker++;
      s.bytes = Buffer.from(m.bytes, 0, m.length);
      s.result = { rows: new Float64Array(m.rows), count: m.count };
      s.done?.();
    });
    w.on('error', (e) => this.workerLost(e));
    this.worker = w;
    return true;
  }

  /** The worker died (it should not): the stretches it held moved there with it, so the decoding fails with its error. */
  private workerLost(e: unknown): void {
    this.failure ??= e;
    this.worker = null;
    this.workerFailed = true;
    for (const s of this.waiting.values()) s.done?.();
  }

  private send(s: Stretch): void {
    const id = this.nextId++;
    this.waiting.set(id, s);
    // the stretch's buffer (its own, from offset 0) moves to the worker and back, uncopied
    const own = s.bytes.buffer as ArrayBuffer;
    const rows = rowsBuffer().buffer as ArrayBuffer;
    const req: ScanRequest = { id, bytes: own, length: s.bytes.length, rows };
    this.worker!.postMessage(req, [own, rows]);
  }

  private headDone(): Promise<void> {
    const head = this.queue[0];
    if (head.result) return Promise.resolve();
    if (this.failure !== undefined) throw this.failure;
    return new Promise((resolve) => {
      head.done = resolve;
    });
  }

  private book(): void {
    if (this.failure !== undefined) throw this.failure;
    while (this.queue.length > 0 && this.queue[0].result) {
      const s = this.queue.shift()!;
      if (s.action) s.action();
      else {
        this.decoder.pushScanned(s.bytes, s.result!, s.hostNs);
        if (spare.length < QUEUE_LIMIT + WORKER_AHEAD) spare.push(s.bytes.buffer as ArrayBuffer);
        const rows = s.result!.rows as Float64Array<ArrayBuffer>;
        if (rows.length === SCAN_ROWS * SCAN_ROW && spareRows.length < QUEUE_LIMIT + WORKER_AHEAD) spareRows.push(rows);
      }
    }
  }
}
