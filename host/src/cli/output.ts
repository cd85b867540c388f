// Where the CLI writes. Commands get their streams from a CliIo (createProgram builds one,
// tests pass their own), never from process.stdout directly, so a test can run a command
// in-process and read what it wrote.
import { fstatSync } from 'node:fs';
import { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import type { ByteSink } from '../core/byte-out.js';
import { escapeText } from '../core/text.js';
import { BackgroundSink, OutputWriteError, StreamSink } from '../export/sinks.js';

export interface CliStreams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Stdout as the commands see it: every write goes through to the real stream with a callback,
 * and the first failure is kept. Node's process.stdout reports a failed write only to that
 * write's callback (its 'error' event may never come before exit), so a command that writes
 * without one would otherwise lose the error (issue 10 §2).
 */
const guarded = new WeakSet<NodeJS.WritableStream>();

class CheckedStdout extends Writable {
  failure: NodeJS.ErrnoException | undefined;
  constructor(private readonly inner: NodeJS.WritableStream) {
    super();
    // Failures are taken from the write callbacks; these listeners only keep them from being
    // uncaught exceptions (one per stream, however many programs a test builds).
    if (!guarded.has(inner)) {
      guarded.add(inner);
      inner.on('error', () => undefined);
    }
    this.on('error', () => undefined);
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    const done = (err?: Error | null) => {
      if (err) this.failure ??= err as NodeJS.ErrnoException;
      cb(err);
    };
    try {
      this.inner.write(chunk, done);
    } catch (err) {
      done(err as Error);
    }
  }
}

export class CliIo implements CliStreams {
  private stdinGiven: NodeJS.ReadableStream | undefined;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  private readonly checked: CheckedStdout;
  private readonly rawStdout: NodeJS.WritableStream;

  constructor(streams: Partial<CliStreams> = {}) {
    this.stdinGiven = streams.stdin;
    this.rawStdout = streams.stdout ?? process.stdout;
    this.checked = new CheckedStdout(this.rawStdout);
    this.stdout = this.checked;
    this.stderr = streams.stderr ?? process.stderr;
  }

  /** Made on first use: process.stdin costs a process milliseconds, and most commands read a file. */
  get stdin(): NodeJS.ReadableStream {
    return (this.stdinGiven ??= process.stdin);
  }

  /**
   * Waits until stdout took everything written, then throws the first failed write as an
   * OutputWriteError (EPIPE included: the caller decides that a gone reader is no error).
   */
  async finish(): Promise<void> {
    if (!this.checked.destroyed) await new Promise<void>((resolve) => this.checked.write('', () => resolve()));
    if (this.checked.failure) throw new OutputWriteError('stdout', this.checked.failure);
  }

  /**
   * One `tracepipe: ...` line on stderr. The text may quote the device, a file or the ELF,
   * so it is escaped: it stays one line and cannot drive the terminal.
   */
  status(line: string): void {
    this.stderr.write(`tracepipe: ${escapeText(line)}\n`);
  }

  /** The status writer as a function, for code that takes a `warn` callback. */
  get warn(): (line: string) => void {
    return (line) => this.status(line);
  }

  /** The terminal a full-screen view draws on and reads keys from: stdin and stdout when both
   * are TTYs, else undefined. */
  get terminal(): { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream } | undefined {
    const stdin = this.stdin as NodeJS.ReadStream;
    const stdout = this.rawStdout as NodeJS.WriteStream;
    return stdin.isTTY === true && stdout.isTTY === true ? { stdin, stdout } : undefined;
  }

  /**
   * Descriptor 1 when stdout is the process's and a regular file or a device other than a
   * terminal (`> file`, /dev/null): bulk output then goes to it through a BackgroundSink (in
   * the background on a regular file, at once on a device). Undefined for a pipe (Node made
   * it non-blocking: the stream handles that), a terminal, or a stream a test passed.
   */
  get stdoutFd(): number | undefined {
    if (this.rawStdout !== process.stdout) return undefined;
    try {
      const st = fstatSync(1);
      return st.isFile() || (st.isCharacterDevice() && !isatty(1)) ? 1 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether stderr is a terminal (progress bars are drawn only there). */
  get stderrIsTTY(): boolean {
    return (this.stderr as NodeJS.WriteStream).isTTY === true;
  }
}

/**
 * Buffered line output to stdout: one write per ~64 KiB instead of one per line, and waits
 * until the stream took it, so a slow reader (a pager, a pipe) never makes memory grow. With
 * `fd` (CliIo.stdoutFd) the lines are written to it in the background instead. A failed
 * write is thrown (see StreamSink, BackgroundSink).
 */
export class LineWriter {
  private readonly sink: StreamSink | BackgroundSink;
  private size = 0;

  constructor(out: NodeJS.WritableStream, fd?: number) {
    this.sink = fd === undefined ? new StreamSink(out) : new BackgroundSink({ fd, target: 'stdout' });
  }

  /** Where a ByteOut writes its buffers of whole lines (core/byte-out.ts). */
  get byteSink(): ByteSink {
    const sink = this.sink;
    return sink instanceof BackgroundSink
      ? { write: (b) => this.bytes(b), buffer: (n) => sink.buffer(n) }
      : { write: (b) => this.bytes(b) };
  }

  /** Adds a line; call flush() now and then from async code. */
  line(text: string): void {
    this.sink.write(`${text}\n`);
    this.size += text.length + 1;
  }

  /** Adds bytes that hold whole lines; they are the writer's from now on. */
  bytes(b: Uint8Array): void {
    this.sink.write(b);
    this.size += b.length;
  }

  get full(): boolean {
    return this.size >= 1 << 16;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return this.sink.drain();
    this.size = 0;
    this.sink.close();
    await this.sink.drain();
  }

  /** Flushes, and reports a write that failed at the very end. */
  async end(): Promise<void> {
    this.size = 0;
    await this.sink.end();
  }
}
