// Writes byte buffers to a file descriptor, in order, on libuv's thread pool: the write system
// calls (the kernel's copy into the page cache, a slow device) run on another core while the
// main thread formats the next buffers, instead of after each one. The caller hands buffers
// over whole (they are the writer's from then on), awaits drain() between its input chunks so
// that what is queued stays bounded whatever the output rate, and reads `failure` for the
// first write that failed: after it nothing more is written.
//
// On a regular file each buffer is written at its own offset (pwrite), several at once: they
// start as they are handed over, while the main thread is still formatting (a write started
// from a completion would wait for the main thread to come back to the event loop). A pipe or
// a device has no offsets: one write at a time, in order. One buffer per write: on this VM a
// writev of several MiB cost up to ten times the kernel time of the same bytes in 1 MiB writes.
// Buffers the writer lent out (buffer()) come back to it once written, so a long export reuses
// a few MiB instead of leaving a MiB of garbage per MiB written. With syncEvery, what is
// written is also made durable in the background every so many bytes (fdatasync), so the
// fsync that a caller does before renaming a finished file has only the last stretch left.
import { fdatasync, fstatSync, readFileSync, write, writeSync } from 'node:fs';

/** The size of the buffers lent out and reused. */
export const WRITE_CHUNK = 1 << 20;
/** Lent buffers kept for reuse; more come back only after a burst, and go to the collector. */
const POOL_LIMIT = 8;
/**
 * Buffers of writers that are done (release()), for the next writer to lend out: an export that
 * writes many files one after another (CTF, a folder per session) reuses the same few MiB
 * instead of leaving each file's buffers to the collector.
 */
const spare: Uint8Array[] = [];
/** Positioned writes in flight at once: libuv has 4 threads, and the input's reads need one. */
const IN_FLIGHT = 3;
/** O_APPEND: every write goes to the end, whatever its offset (Linux pwrite), so none is positioned. */
const O_APPEND = 0o2000;

export interface BackgroundWriterOptions {
  /** fdatasync after about this many bytes (regular files that are made durable at the end) */
  syncEvery?: number;
}

/**
 * Where the next write to fd lands when it is a regular file that may be written at offsets
 * (Linux: /proc/self/fdinfo), else undefined (pipes, devices, O_APPEND, elsewhere).
 */
export function fileOffset(fd: number): number | undefined {
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const pos = /^pos:\s*(\d+)/m.exec(info);
    const flags = /^flags:\s*([0-7]+)/m.exec(info);
    if (!pos || !flags || (parseInt(flags[1], 8) & O_APPEND) !== 0) return undefined;
    return Number(pos[1]);
  } catch {
    return undefined;
  }
}

interface Queued {
  data: Uint8Array;
  /** file offset (positioned writes), else null */
  at: number | null;
}

export class BackgroundWriter {
  /** handed over, not started yet */
  private readonly queue: Queued[] = [];
  private inFlight = 0;
  private readonly limit: number;
  /** offset of the next byte handed over (positioned writes) */
  private at: number | null;
  private syncing = false;
  /** bytes handed over and not yet written */
  pendingBytes = 0;
  /** the first failed write; nothing is written after it */
  failure: NodeJS.ErrnoException | undefined;
  private readonly waiters: { limit: number; resolve: () => void }[] = [];
  private readonly pool: Uint8Array[] = [];
  private readonly lent = new WeakSet<ArrayBufferLike>();
  private unsynced = 0;
  private syncEvery: number;
  private stopped = false;
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly fd: number,
    opts: BackgroundWriterOptions = {},
  ) {
    this.syncEvery = opts.syncEvery ?? Infinity;
    this.at = fileOffset(fd) ?? null;
    this.limit = this.at === null ? 1 : IN_FLIGHT;
  }

  /** An empty buffer of at least n bytes to fill and hand back with write(). */
  buffer(n = WRITE_CHUNK): Uint8Array {
    if (n <= WRITE_CHUNK) {
      const b = this.pool.pop();
      if (b) return b;
      const s = spare.pop();
      if (s) {
        this.lent.add(s.buffer);
        return s;
      }
      n = WRITE_CHUNK;
    }
    const b = new Uint8Array(n);
    if (n === WRITE_CHUNK) this.lent.add(b.buffer);
    return b;
  }

  /** Queues data; it is the writer's from now on. Ignored after a failure. */
  write(data: Uint8Array): void {
    if (this.stopped || this.failure || data.length === 0) return;
    this.queue.push({ data, at: this.at });
    if (this.at !== null) this.at += data.length;
    this.pendingBytes += data.length;
    this.start();
  }

  /** Resolves once at most `limit` bytes wait to be written, or a write failed. */
  drain(limit = 0): Promise<void> {
    if (this.pendingBytes <= limit || this.failure || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  /**
   * Writes nothing more; `then` runs once no system call uses the descriptor (now, or when the
   * ones in flight return), so the caller closes it only then: a number closed under a write
   * in flight could be another file's by the time the write runs.
   */
  stop(then: () => void): void {
    this.stopped = true;
    this.queue.length = 0;
    this.pendingBytes = 0;
    this.wake();
    this.onIdle = then;
    this.idle();
  }

  /**
   * Everything is written (drain(0) resolved) and nothing more will be: the buffers kept for
   * reuse go to the next writer.
   */
  release(): void {
    if (this.inFlight > 0 || this.queue.length > 0) return;
    while (this.pool.length > 0 && spare.length < POOL_LIMIT) spare.push(this.pool.pop()!);
    this.pool.length = 0;
    this.stopped = true;
  }

  private idle(): void {
    if (this.inFlight > 0 || this.syncing || !this.onIdle) return;
    const then = this.onIdle;
    this.onIdle = undefined;
    then();
  }

  private start(): void {
    while (this.inFlight < this.limit && this.queue.length > 0 && !this.stopped && !this.failure) {
      const q = this.queue.shift()!;
      this.inFlight++;
      write(this.fd, q.data, 0, q.data.length, q.at, (err, written) => this.wrote(q, err, written));
    }
    if (this.unsynced >= this.syncEvery && !this.syncing && !this.stopped && !this.failure) {
      this.unsynced = 0;
      this.syncing = true;
      fdatasync(this.fd, (err) => {
        // a file system without it (EINVAL and the like) is not a write error: stop asking
        if (err) this.syncEvery = Infinity;
        this.syncing = false;
        this.idle();
      });
    }
  }

  private wrote(q: Queued, err: NodeJS.ErrnoException | null, written: number): void {
    this.inFlight--;
    if (err) {
      this.failure ??= err;
      this.queue.length = 0;
      this.pendingBytes = 0;
    } else if (!this.stopped) {
      this.pendingBytes -= written;
      this.unsynced += written;
      // a short write is finished before anything queued behind it
      if (written < q.data.length) this.queue.unshift({ data: q.data.subarray(written), at: q.at === null ? null : q.at + written });
      else this.giveBack(q.data);
    }
    this.wake();
    this.start();
    this.idle();
  }

  private giveBack(b: Uint8Array): void {
    if (b.byteOffset === 0 && this.lent.has(b.buffer) && this.pool.length < POOL_LIMIT) this.pool.push(new Uint8Array(b.buffer));
  }

  private wake(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (this.failure || this.stopped || this.pendingBytes <= w.limit) {
        this.waiters.splice(i, 1);
        w.resolve();
      } else i++;
    }
  }
}

/**
 * The same interface, writing at once on the main thread: for a pipe or a device, where the
 * write is cheap (/dev/null) or its order is all there is, one buffer is reused hot in the
 * cache instead of several cycled through the pool (which measured about 4 % more CPU).
 */
export class SyncWriter {
  pendingBytes = 0;
  failure: NodeJS.ErrnoException | undefined;
  private readonly chunk = new Uint8Array(WRITE_CHUNK);

  constructor(private readonly fd: number) {}

  buffer(n = WRITE_CHUNK): Uint8Array {
    return n <= WRITE_CHUNK ? this.chunk : new Uint8Array(n);
  }

  write(data: Uint8Array): void {
    if (this.failure) return;
    try {
      for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off, data.length - off);
    } catch (err) {
      this.failure = err as NodeJS.ErrnoException;
    }
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  stop(then: () => void): void {
    then();
  }
}
