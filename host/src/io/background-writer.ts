// Writes byte buffers to a file descriptor, in order, on libuv's thread pool: the write system
// calls (the kernel's copy into the page cache, a slow device) run on another core while the
// main thread formats the next buffers, instead of after each one. The caller hands buffers
// over whole (they are the writer's from then on), awaits drain() between its input chunks so
// that what is queued stays bounded whatever the output rate, and reads `failure` for the
// first write that failed: after it nothing more is written.
//
// One write is in flight at a time (the descriptor's position is the order: pipes and devices
// have no other), gathering every buffer queued meanwhile into one writev. Buffers the writer
// lent out (buffer()) come back to it once written, so a long export reuses a few MiB instead of
// leaving a MiB of garbage per MiB written. With syncEvery, what is written is also made
// durable in the background every so many bytes (fdatasync), so the fsync that a caller does
// before renaming a finished file has only the last stretch left to wait for.
import { fdatasync, write, writev } from 'node:fs';

/** The size of the buffers lent out and reused. */
export const WRITE_CHUNK = 1 << 20;
/** Lent buffers kept for reuse; more come back only after a burst, and go to the collector. */
const POOL_LIMIT = 8;
/** Buffers gathered into one writev (Linux takes up to 1024). */
const IOV_LIMIT = 64;

export interface BackgroundWriterOptions {
  /** fdatasync after about this many bytes (regular files that are made durable at the end) */
  syncEvery?: number;
}

export class BackgroundWriter {
  /** handed over, not written yet (the write in flight included) */
  private readonly queue: Uint8Array[] = [];
  private busy = false;
  /** bytes queued and not yet written */
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
  }

  /** An empty buffer of at least n bytes to fill and hand back with write(). */
  buffer(n = WRITE_CHUNK): Uint8Array {
    if (n <= WRITE_CHUNK) {
      const b = this.pool.pop();
      if (b) return b;
      n = WRITE_CHUNK;
    }
    const b = new Uint8Array(n);
    if (n === WRITE_CHUNK) this.lent.add(b.buffer);
    return b;
  }

  /** Queues data; it is the writer's from now on. Ignored after a failure. */
  write(data: Uint8Array): void {
    if (this.stopped || this.failure || data.length === 0) return;
    this.queue.push(data);
    this.pendingBytes += data.length;
    if (!this.busy) this.next();
  }

  /** Resolves once at most `limit` bytes wait to be written, or a write failed. */
  drain(limit = 0): Promise<void> {
    if (this.pendingBytes <= limit || this.failure || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, resolve }));
  }

  /**
   * Writes nothing more; `then` runs once no system call uses the descriptor (now, or when the
   * one in flight returns), so the caller closes it only then: a number closed under a write in
   * flight could be another file's by the time the write runs.
   */
  stop(then: () => void): void {
    this.stopped = true;
    this.queue.length = 0;
    this.pendingBytes = 0;
    this.wake();
    if (this.busy) this.onIdle = then;
    else then();
  }

  private next(): void {
    if (this.stopped || this.failure || this.queue.length === 0) {
      this.busy = false;
      const idle = this.onIdle;
      this.onIdle = undefined;
      idle?.();
      return;
    }
    this.busy = true;
    if (this.unsynced >= this.syncEvery) {
      this.unsynced = 0;
      fdatasync(this.fd, (err) => {
        // a file system without it (EINVAL and the like) is not a write error: stop asking
        if (err) this.syncEvery = Infinity;
        this.next();
      });
      return;
    }
    const done = (err: NodeJS.ErrnoException | null, written: number) => this.wrote(err, written);
    if (this.queue.length === 1) {
      const b = this.queue[0];
      write(this.fd, b, 0, b.length, null, done);
    } else {
      writev(this.fd, this.queue.slice(0, IOV_LIMIT), null, done);
    }
  }

  private wrote(err: NodeJS.ErrnoException | null, written: number): void {
    if (err) {
      this.failure = err;
      this.queue.length = 0;
      this.pendingBytes = 0;
      this.wake();
      this.next();
      return;
    }
    if (this.stopped) {
      this.next();
      return;
    }
    this.pendingBytes -= written;
    this.unsynced += written;
    // a short write leaves the rest of its buffer at the head of the queue
    while (written > 0) {
      const b = this.queue[0];
      if (written < b.length) {
        this.queue[0] = b.subarray(written);
        break;
      }
      written -= b.length;
      this.queue.shift();
      this.giveBack(b);
    }
    this.wake();
    this.next();
  }

  private giveBack(b: Uint8Array): void {
    if (b.byteOffset === 0 && this.lent.has(b.buffer) && this.pool.length < POOL_LIMIT) this.pool.push(new Uint8Array(b.buffer));
  }

  private wake(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (this.failure || this.pendingBytes <= w.limit) {
        this.waiters.splice(i, 1);
        w.resolve();
      } else i++;
    }
  }
}
