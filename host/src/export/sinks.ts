// Sinks for the exporters: files (buffered, written synchronously: close() returns with the file
// in place), files written in the background while the exporter formats on (BackgroundSink:
// the CLI's exports, which await its drain() between input chunks), streams (stdout) and
// memory (tests).
//
// Output safety (issue 10 §1): a failed write removes only what this run created. A path
// that is absent or a regular file is written as a temporary file next to it and renamed
// over it on success, so an earlier file survives a failed export whole; anything else
// (a device such as /dev/full, a FIFO, a symlink such as /dev/stdout) is written in place
// and never removed.
import { accessSync, closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BackgroundWriter, fileOffset, SyncWriter } from '../io/background-writer.js';
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

/**
 * The file an output path names, opened on the first write (so a job that fails early leaves
 * nothing behind), and what finishing or abandoning it leaves (see the top of this file).
 */
export class OutputFile {
  fd = -1;
  /** the temporary file renamed over `path` on close; undefined when writing in place */
  private temp: string | undefined;
  /** device and inode of the regular file this run created at `path` (after close) */
  private created: { dev: number; ino: number } | undefined;
  private closed = false;
  /** the temporary file replaces an earlier regular file (which abort must not remove) */
  private replaces = false;

  constructor(readonly path: string) {}

  /** A temporary file that is renamed into place (and made durable first): a regular file. */
  get renamed(): boolean {
    return this.temp !== undefined;
  }

  /** Takes the open descriptor away (the caller closes it): abort() then leaves it alone. */
  release(): number {
    const fd = this.fd;
    this.fd = -1;
    return fd;
  }

  /** The descriptor, opening the file first if need be. */
  open(): number {
    if (this.fd >= 0) return this.fd;
    const st = lstatOrUndefined(this.path);
    if (st && !st.isFile()) {
      // A device, FIFO or symlink is the user's: write to it as a shell redirection would.
      this.fd = openSync(this.path, 'w');
      return this.fd;
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
    return this.fd;
  }

  /** Everything is written: closes the file, and renames a temporary file into place. */
  finish(): void {
    const fd = this.open();
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
  }

  /**
   * Drops the output after a failure (a half-written export is worse than none), but only
   * what this run created: its temporary file, or the file it renamed into place if that is
   * still the same regular file. A device, FIFO or symlink is never removed.
   */
  abort(): void {
    if (this.fd >= 0) closeQuietly(this.fd);
    this.fd = -1;
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

/** A file written synchronously, buffered: close() returns with the file in place. */
export class FileSink implements Sink {
  private readonly file: OutputFile;
  // Strings are kept as strings and encoded once per flush: encoding each small piece
  // separately costs more than building it.
  private parts: (string | Uint8Array)[] = [];
  private pending = 0;
  /** bytes (string length for text) written so far */
  bytes = 0;

  constructor(path: string) {
    this.file = new OutputFile(path);
  }

  write(data: string | Uint8Array): void {
    this.parts.push(data);
    this.pending += data.length;
    this.bytes += data.length;
    if (this.pending >= FLUSH_BYTES) this.flush();
  }

  writeNow(data: Uint8Array): void {
    this.flush();
    this.bytes += data.length;
    try {
      const fd = this.file.open();
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off);
    } catch (err) {
      throw asWriteError(this.file.path, err);
    }
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    try {
      const fd = this.file.open();
      let i = 0;
      while (i < this.parts.length) {
        let j = i;
        while (j < this.parts.length && typeof this.parts[j] === 'string') j++;
        const chunk = j > i ? Buffer.from((this.parts.slice(i, j) as string[]).join(''), 'utf8') : (this.parts[j++] as Uint8Array);
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off);
        i = j;
      }
    } catch (err) {
      throw asWriteError(this.file.path, err);
    }
    this.parts = [];
    this.pending = 0;
  }

  close(): void {
    try {
      this.file.open();
      this.flush();
      this.file.finish();
    } catch (err) {
      throw asWriteError(this.file.path, err);
    }
  }

  /** See OutputFile.abort. */
  abort(): void {
    this.parts = [];
    this.pending = 0;
    this.file.abort();
  }
}

/**
 * Bytes made durable in the background while a file that is renamed into place is written
 * (BackgroundWriter syncEvery): the fsync before the rename then waits for little.
 */
const SYNC_EVERY = 64 << 20;
/** What a background sink lets wait to be written when drain() returns. */
const DRAIN_LIMIT = 4 << 20;

/**
 * A file (or stdout on a file or device); a regular file is written on libuv's thread pool
 * (io/background-writer.ts) while the caller formats on, a device or pipe at once (SyncWriter): write() and ByteOut's buffers (buffer()) are queued as they
 * are, writeNow() and strings are gathered in a buffer of the writer's. The caller awaits
 * drain() between input chunks (memory stays bounded); close() hands everything over;
 * end() waits for it, then closes the file and renames it into place (see OutputFile). A
 * failed write is thrown by the next write, drain() or end() as one OutputWriteError.
 */
export class BackgroundSink implements Sink {
  private writer: BackgroundWriter | SyncWriter | undefined;
  private staged: Uint8Array | undefined;
  private stagedLen = 0;
  /** close() was called: the caller writes nothing more (DirSinkFactory then finishes the file early) */
  closed = false;
  /** end() finished the file: its descriptor is closed and its writer (and the writer's buffers) let go */
  private ended = false;
  /** bytes written so far */
  bytes = 0;

  /** `file` is a path, or a descriptor already open (stdout) and named `target` in messages. */
  constructor(
    private readonly file: OutputFile | { fd: number; target: string },
  ) {}

  private get target(): string {
    return this.file instanceof OutputFile ? this.file.path : this.file.target;
  }

  private out(): BackgroundWriter | SyncWriter {
    const w = this.writer;
    if (w) {
      if (w.failure) throw asWriteError(this.target, w.failure);
      return w;
    }
    try {
      const f = this.file;
      const fd = f instanceof OutputFile ? f.open() : f.fd;
      // only a regular file gains: a device or pipe is written at once, as before
      this.writer =
        fileOffset(fd) === undefined
          ? new SyncWriter(fd)
          : new BackgroundWriter(fd, { syncEvery: f instanceof OutputFile && f.renamed ? SYNC_EVERY : Infinity });
    } catch (err) {
      throw asWriteError(this.target, err);
    }
    return this.writer;
  }

  /** A buffer for ByteOut to fill and hand to write() (core/byte-out.ts ByteSink). */
  buffer(n: number): Uint8Array {
    return this.out().buffer(n);
  }

  write(data: string | Uint8Array): void {
    if (typeof data === 'string') {
      this.writeNow(Buffer.from(data, 'utf8'));
      return;
    }
    const w = this.out();
    this.push(w);
    this.bytes += data.length;
    w.write(data);
  }

  /** Copies data into the writer's buffer (small pieces, such as CTF packets, go out in MiBs). */
  writeNow(data: Uint8Array): void {
    const w = this.out();
    this.bytes += data.length;
    if (w instanceof SyncWriter) {
      // written before this returns: nothing to gather
      w.write(data);
      return;
    }
    let at = 0;
    while (at < data.length) {
      if (!this.staged) {
        this.staged = w.buffer();
        this.stagedLen = 0;
      }
      const n = Math.min(data.length - at, this.staged.length - this.stagedLen);
      this.staged.set(data.subarray(at, at + n), this.stagedLen);
      this.stagedLen += n;
      at += n;
      if (this.stagedLen === this.staged.length) this.push(w);
    }
  }

  private push(w: BackgroundWriter | SyncWriter): void {
    if (!this.staged) return;
    w.write(this.staged.subarray(0, this.stagedLen));
    this.staged = undefined;
  }

  /** Waits until at most a few MiB wait to be written; throws a failed write. */
  async drain(): Promise<void> {
    if (!this.writer) return;
    await this.writer.drain(DRAIN_LIMIT);
    this.out();
  }

  /** Hands over everything written so far (more may follow before end()). */
  close(): void {
    this.closed = true;
    if (this.staged) this.push(this.out());
  }

  /** close(), waits until all is written, then finishes the file (once: later calls return at once). */
  async end(): Promise<void> {
    if (this.ended) return;
    const w = this.out();
    this.close();
    await w.drain(0);
    this.out();
    if (this.file instanceof OutputFile) {
      try {
        this.file.finish();
      } catch (err) {
        throw asWriteError(this.target, err);
      }
    }
    this.ended = true;
    if (w instanceof BackgroundWriter) w.release();
    this.writer = undefined;
  }

  /** See OutputFile.abort (stdout is left alone); the descriptor is closed once no write uses it. */
  abort(): void {
    this.staged = undefined;
    const f = this.file;
    const w = this.writer;
    if (w && f instanceof OutputFile) {
      const fd = f.release();
      w.stop(() => {
        if (fd >= 0) closeQuietly(fd);
      });
    } else w?.stop(() => undefined);
    if (f instanceof OutputFile) f.abort();
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

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the write error being reported matters more than a failed close
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
  /** the files not finished yet */
  private opened: (FileSink | BackgroundSink)[] = [];
  /** the files finished, kept for abort() */
  private readonly finished: (FileSink | BackgroundSink)[] = [];
  /** background: files written on the thread pool (BackgroundSink); then drain() and end() are awaited */
  constructor(
    private readonly dir: string,
    private readonly background = false,
  ) {
    mkdirSync(dir, { recursive: true });
  }
  open(name: string): Sink {
    const path = join(this.dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    const s = this.background ? new BackgroundSink(new OutputFile(path)) : new FileSink(path);
    this.opened.push(s);
    return s;
  }
  /**
   * Waits until every background file has little left to write (between input chunks); the
   * files the exporter closed are finished now (written, in place), so that their descriptors
   * and buffers are not held to the end: an export of many sessions closes each session's files
   * when the next begins.
   */
  async drain(): Promise<void> {
    const open: (FileSink | BackgroundSink)[] = [];
    for (const s of this.opened) {
      if (s instanceof BackgroundSink) {
        if (s.closed) await s.end();
        else await s.drain();
      }
      (s instanceof BackgroundSink && s.closed ? this.finished : open).push(s);
    }
    this.opened = open;
  }
  /** After the exporter closed its files: waits until the background files are written and in place. */
  async end(): Promise<void> {
    for (const s of this.opened) if (s instanceof BackgroundSink) await s.end();
  }
  /** Files not finished yet (a test bounds them). */
  get openFiles(): number {
    return this.opened.length;
  }
  /** Removes every file this factory wrote (after a failure). */
  abort(): void {
    for (const s of this.finished) s.abort();
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
