// Where the CLI writes. Commands get their streams from a CliIo (createProgram builds one,
// tests pass their own), never from process.stdout directly, so a test can run a command
// in-process and read what it wrote.
import { escapeText } from '../core/text.js';
import { StreamSink } from '../export/sinks.js';

export interface CliStreams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export class CliIo implements CliStreams {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;

  constructor(streams: Partial<CliStreams> = {}) {
    this.stdin = streams.stdin ?? process.stdin;
    this.stdout = streams.stdout ?? process.stdout;
    this.stderr = streams.stderr ?? process.stderr;
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

  /** Whether stderr is a terminal (progress bars are drawn only there). */
  get stderrIsTTY(): boolean {
    return (this.stderr as NodeJS.WriteStream).isTTY === true;
  }
}

/**
 * Buffered line output to stdout: one write per ~64 KiB instead of one per line, and waits
 * until the stream took it, so a slow reader (a pager, a pipe) never makes memory grow. A
 * failed write is thrown (see StreamSink).
 */
export class LineWriter {
  private readonly sink: StreamSink;
  private size = 0;

  constructor(out: NodeJS.WritableStream) {
    this.sink = new StreamSink(out);
  }

  /** Adds a line; call flush() now and then from async code. */
  line(text: string): void {
    this.sink.write(`${text}\n`);
    this.size += text.length + 1;
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
