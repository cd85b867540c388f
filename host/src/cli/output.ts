// Buffered line output to stdout: one write per ~64 KiB instead of one per line, and waits for
// 'drain' so a slow reader (a pager, a pipe) never makes memory grow.

export class LineWriter {
  private buf: string[] = [];
  private size = 0;
  private waiting: Promise<void> | undefined;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  /** Adds a line; call flushIfFull() now and then from async code. */
  line(text: string): void {
    this.buf.push(text);
    this.size += text.length + 1;
  }

  get full(): boolean {
    return this.size >= 1 << 16;
  }

  async flush(): Promise<void> {
    if (this.waiting) await this.waiting;
    if (this.buf.length === 0) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    if (!this.out.write(text)) {
      this.waiting = new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
      await this.waiting;
      this.waiting = undefined;
    }
  }
}

/** Writes one status line to stderr. */
export function status(line: string): void {
  process.stderr.write(`tracepipe: ${line}\n`);
}
