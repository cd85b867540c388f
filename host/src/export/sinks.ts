// Sinks for the exporters: files (buffered, synchronous, so memory stays bounded
// without back-pressure plumbing), streams (stdout) and memory (tests).
//
// Output safety (issue 10 §1): a failed write removes only what this run created. A path
// that is absent or a regular file is written as a temporary file next to it and renamed
// over it on success, so an earlier file survives a failed export whole; anything else
// (a device such as /dev/full, a FIFO, a symlink such as /dev/stdout) is written in place
// and never removed.
import { accessSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Sink, SinkFactory } from './types.js';

const FLUSH_BYTES = 1 << 20;
const encoder = new TextEncoder();

/** `ENOSPC: no space left on device, write` -> `no space left on device (ENOSPC)` */
function errnoText(err: NodeJS.ErrnoException): string {
  const m = /^([A-Z0-9_]+): (.*?)(?:, \w+(?: .*)?)?$/.exec(err.message);
  return m ? `${m[2]} (${m[1]})` : err.message;
}

/**
 * A write to an output failed. `readerGone` is EPIPE: the reader went away (`| head`),
 * which the CLI treats as a quiet success, not as an error of ours.
 */
export class OutputWriteError extends Error {
  readonly code: string | undefined;
  constructor(
    readonly target: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${target}: ${errnoText(cause)}`);
    this.name = 'OutputWriteError';
    this.code = cause.code;
  }
  get readerGone(): boolean {
    return this.code === 'EPIPE';
  }
}

function asWriteError(target: string, err: unknown): unknown {
  if (err instanceof OutputWriteError) return err;
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string'
    ? new OutputWriteError(target, err as NodeJS.ErrnoException)
    : err;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

let tempSerial = 0;

// Temporary files not yet renamed into place. An export stopped by Ctrl-C, SIGTERM or an exit
// (bin.ts exits at once when the stdout reader goes away) removes them, then dies of the
// same signal as it would have.
const pendingTemps = new Set<string>();
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
function removePendingTemps(): void {
  for (const t of pendingTemps) rmQuietly(t);
  pendingTemps.clear();
  detachTempCleanup();
}
function onStopSignal(signal: NodeJS.Signals): void {
  removePendingTemps();
  process.kill(process.pid, signal);
}
function attachTempCleanup(): void {
  for (const sig of STOP_SIGNALS) process.on(sig, onStopSignal);
  process.on('exit', removePendingTemps);
}
function detachTempCleanup(): void {
  for (const sig of STOP_SIGNALS) process.off(sig, onStopSignal);
  process.off('exit', removePendingTemps);
}
function trackTemp(path: string): void {
  if (pendingTemps.size === 0) attachTempCleanup();
  pendingTemps.add(path);
}
function untrackTemp(path: string): void {
  if (pendingTemps.delete(path) && pendingTemps.size === 0) detachTempCleanup();
}

export class FileSink implements Sink {
  // Opened on the first flush, so a job that fails early leaves nothing behind.
  private fd = -1;
  /** the temporary file renamed over `path` on close; undefined when writing in place */
  private temp: string | undefined;
  /** device and inode of the regular file this run created at `path` (after close) */
  private created: { dev: number; ino: number } | undefined;
  private closed = false;
  /** the temporary file replaces an earlier regular file (which abort must not remove) */
  private replaces = false;
  // Strings are kept as strings and encoded once per flush: encoding each small piece
  // separately costs more than building it.
  private parts: (string | Uint8Array)[] = [];
  private pending = 0;
  /** bytes (string length for text) written so far */
  bytes = 0;

  constructor(private readonly path: string) {}

  write(data: string | Uint8Array): void {
    this.parts.push(data);
    this.pending += data.length;
    this.bytes += data.length;
    if (this.pending >= FLUSH_BYTES) this.flush();
  }

  private open(): void {
    const st = lstatOrUndefined(this.path);
    if (st && !st.isFile()) {
      // A device, FIFO or symlink is the user's: write to it as a shell redirection would.
      this.fd = openSync(this.path, 'w');
      return;
    }
    // Renaming over a file we may not write would defeat its permissions: refuse as open() would.
    if (st) accessSync(this.path, constants.W_OK);
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${++tempSerial}.tmp`);
    // 'wx' (O_EXCL) never follows a symlink planted at the temporary name.
    this.fd = openSync(temp, 'wx', st ? st.mode & 0o7777 : 0o666);
    this.temp = temp;
    trackTemp(temp);
    this.replaces = st !== undefined;
    if (st) fchmodSync(this.fd, st.mode & 0o7777);
  }

  writeNow(data: Uint8Array): void {
    this.flush();
    this.bytes += data.length;
    try {
      if (this.fd < 0) this.open();
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off);
    } catch (err) {
      throw asWriteError(this.path, err);
    }
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    try {
      if (this.fd < 0) this.open();
      let i = 0;
      while (i < this.parts.length) {
        let j = i;
        while (j < this.parts.length && typeof this.parts[j] === 'string') j++;
        const chunk = j > i ? Buffer.from((this.parts.slice(i, j) as string[]).join(''), 'utf8') : (this.parts[j++] as Uint8Array);
        let off = 0;
        while (off < chunk.length) off += writeSync(this.fd, chunk, off);
        i = j;
      }
    } catch (err) {
      throw asWriteError(this.path, err);
    }
    this.parts = [];
    this.pending = 0;
  }

  close(): void {
    try {
      if (this.fd < 0) this.open();
      this.flush();
      const fd = this.fd;
      this.fd = -1;
      if (this.temp) {
        // on disk before the rename, so a crash leaves the old file or the whole new one
        syncUnlessUnsupported(fd);
        const st = fstatSync(fd);
        closeSync(fd);
        renameSync(this.temp, this.path);
        untrackTemp(this.temp);
        this.temp = undefined;
        if (!this.replaces) this.created = { dev: st.dev, ino: st.ino };
      } else {
        closeSync(fd);
      }
      this.closed = true;
    } catch (err) {
      throw asWriteError(this.path, err);
    }
  }

  /**
   * Drops the output after a failure (a half-written export is worse than none), but only
   * what this run created: its temporary file, or the file it renamed into place if that is
   * still the same regular file. A device, FIFO or symlink is never removed.
   */
  abort(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // the write error being reported matters more than a failed close
      }
    }
    this.fd = -1;
    this.parts = [];
    this.pending = 0;
    if (this.temp) {
      rmQuietly(this.temp);
      untrackTemp(this.temp);
      this.temp = undefined;
    } else if (this.closed && this.created) {
      const st = lstatOrUndefined(this.path);
      if (st && st.isFile() && st.dev === this.created.dev && st.ino === this.created.ino) rmQuietly(this.path);
      this.created = undefined;
    }
  }
}

/** fsync, except where the file system has none (EIO and the like are still write errors). */
function syncUnlessUnsupported(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
}

function rmQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

export class DirSinkFactory implements SinkFactory {
  private readonly opened: FileSink[] = [];
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }
  open(name: string): Sink {
    const path = join(this.dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    const s = new FileSink(path);
    this.opened.push(s);
    return s;
  }
  /** Removes every file this factory wrote (after a failure). */
  abort(): void {
    for (const s of this.opened) s.abort();
  }
}

/** Collects everything in memory; `text()` and `bytes()` read it back. */
export class MemorySink implements Sink {
  private parts: Uint8Array[] = [];
  closed = false;
  write(data: string | Uint8Array): void {
    // a copy: Buffer's slice() would share the caller's memory
    this.parts.push(typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data));
  }
  writeNow(data: Uint8Array): void {
    this.write(data);
  }
  close(): void {
    this.closed = true;
  }
  bytes(): Uint8Array {
    const n = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

export class MemorySinkFactory implements SinkFactory {
  readonly files = new Map<string, MemorySink>();
  open(name: string): Sink {
    const s = new MemorySink();
    this.files.set(name, s);
    return s;
  }
}

/**
 * A sink on a Node stream (stdout). Writes are gathered and handed over in large pieces;
 * `drain()` waits until the stream has taken the last piece, which the caller awaits
 * between input chunks so memory stays bounded however slow the reader is. A failed write
 * (ENOSPC, EIO, EBADF, or EPIPE when the reader went away) is thrown by the next write,
 * drain() or end() as one OutputWriteError, never swallowed (issue 10 §2).
 */
export class StreamSink implements Sink {
  private parts: (string | Uint8Array)[] = [];
  private size = 0;
  private taken: Promise<void> | undefined;
  private failure: OutputWriteError | undefined;
  private readonly onError = (err: NodeJS.ErrnoException) => this.fail(err);
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly target = 'stdout',
  ) {
    // Also keeps an injected stream's error from becoming an uncaught exception.
    out.on('error', this.onError);
  }
  private fail(err: unknown): void {
    if (this.failure) return;
    const e = asWriteError(this.target, err);
    this.failure = e instanceof OutputWriteError ? e : new OutputWriteError(this.target, e as NodeJS.ErrnoException);
  }
  private check(): void {
    if (this.failure) throw this.failure;
  }
  write(data: string | Uint8Array): void {
    this.check();
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= FLUSH_BYTES) this.push();
  }
  private push(): void {
    if (this.parts.length === 0) return;
    const one = this.parts.length === 1 ? this.parts[0] : undefined;
    // one block of bytes (the batch writers' MiB) goes as it is: copying it is half the cost
    const chunk = one instanceof Uint8Array ? one : Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    this.parts = [];
    this.size = 0;
    const before = this.taken;
    const mine = new Promise<void>((resolve) => {
      try {
        this.out.write(chunk, (err?: Error | null) => {
          if (err) this.fail(err);
          resolve();
        });
      } catch (err) {
        this.fail(err);
        resolve();
      }
    });
    this.taken = before ? Promise.all([before, mine]).then(() => undefined) : mine;
  }
  /** Waits until the stream took everything handed over; throws a failed write. */
  async drain(): Promise<void> {
    const taken = this.taken;
    if (taken) await taken;
    if (this.taken === taken) this.taken = undefined;
    this.check();
  }
  close(): void {
    this.push();
  }
  /** close(), drain(), and stop listening to the stream. */
  async end(): Promise<void> {
    this.close();
    try {
      await this.drain();
    } finally {
      this.out.removeListener('error', this.onError);
    }
  }
}
