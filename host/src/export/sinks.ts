// Sinks for the exporters: files (buffered, synchronous, so memory stays bounded
// without back-pressure plumbing) and memory (tests).
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Sink, SinkFactory } from './types.js';

const FLUSH_BYTES = 1 << 20;
const encoder = new TextEncoder();

export class FileSink implements Sink {
  // Opened on the first flush, so a job that fails early leaves no empty file behind.
  private fd = -1;
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

  private flush(): void {
    if (this.parts.length === 0) return;
    if (this.fd < 0) this.fd = openSync(this.path, 'w');
    let i = 0;
    while (i < this.parts.length) {
      let j = i;
      while (j < this.parts.length && typeof this.parts[j] === 'string') j++;
      const chunk = j > i ? Buffer.from((this.parts.slice(i, j) as string[]).join(''), 'utf8') : (this.parts[j++] as Uint8Array);
      let off = 0;
      while (off < chunk.length) off += writeSync(this.fd, chunk, off);
      i = j;
    }
    this.parts = [];
    this.pending = 0;
  }

  close(): void {
    if (this.fd < 0) this.fd = openSync(this.path, 'w');
    this.flush();
    closeSync(this.fd);
  }

  /** Drops the output after a failure: a half-written export is worse than none. */
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.parts = [];
    this.pending = 0;
    rmSync(this.path, { force: true });
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
    this.parts.push(typeof data === 'string' ? encoder.encode(data) : data.slice());
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
 * A sink on a Node stream (stdout). Writes are gathered and handed over in large
 * pieces; `drain()` waits until the stream has taken them, which the caller awaits
 * between input chunks so memory stays bounded however slow the reader is.
 */
export class StreamSink implements Sink {
  private parts: (string | Uint8Array)[] = [];
  private size = 0;
  private waiting: Promise<void> | undefined;
  constructor(private readonly out: NodeJS.WritableStream) {}
  write(data: string | Uint8Array): void {
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= FLUSH_BYTES) this.push();
  }
  private push(): void {
    if (this.parts.length === 0) return;
    const chunk = Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk) && !this.waiting) {
      this.waiting = new Promise<void>((resolve) => this.out.once('drain', () => resolve())).then(() => {
        this.waiting = undefined;
      });
    }
  }
  async drain(): Promise<void> {
    if (this.waiting) await this.waiting;
  }
  close(): void {
    this.push();
  }
}
