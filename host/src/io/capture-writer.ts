// Appends version 2 capture records (protocol/CAPTURE.md) to a file as the bytes arrive. Each read
// (one or more records) is one synchronous write: if the process dies, everything received before
// that moment is on disk.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { CaptureEncoder, type CaptureEvent, type CaptureMeta } from '../core/capture-format.js';

/** Wall-clock ns since the epoch, from a monotonic clock anchored once at start-up. */
export function makeHostClock(): () => bigint {
  const wallStart = BigInt(Date.now()) * 1_000_000n;
  const monoStart = process.hrtime.bigint();
  return () => wallStart + (process.hrtime.bigint() - monoStart);
}

export class CaptureWriter {
  private fd: number | undefined;
  private bytes = 0;
  private dataBytes = 0;
  private readonly encoder = new CaptureEncoder();

  private constructor(
    readonly path: string,
    fd: number,
    private readonly clock: () => bigint,
  ) {
    this.fd = fd;
  }

  /** Creates (or truncates) path and writes the preamble and metadata. */
  static create(path: string, meta: CaptureMeta, clock: () => bigint = makeHostClock()): CaptureWriter {
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why =
        e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a folder' : e.message;
      throw new Error(`cannot create capture file ${path}: ${why}`);
    }
    const w = new CaptureWriter(path, fd, clock);
    w.write(w.encoder.start(meta));
    return w;
  }

  now(): bigint {
    return this.clock();
  }

  /** Appends the received bytes; returns their receive time. */
  data(bytes: Uint8Array, hostNs: bigint = this.clock()): bigint {
    if (bytes.length === 0) return hostNs;
    // one write for the whole read, however many records it was split into
    this.write(Buffer.concat(this.encoder.data(hostNs, bytes)));
    this.dataBytes += bytes.length;
    return hostNs;
  }

  event(event: CaptureEvent, hostNs: bigint = this.clock()): void {
    this.write(this.encoder.event(hostNs, event));
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get receivedBytes(): number {
    return this.dataBytes;
  }

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Writes the end marker, syncs and closes. Safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    this.event({ kind: 'end' });
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } catch {
      // fsync is not supported on every file (e.g. /dev/stdout); the data is written anyway
    }
    closeSync(fd);
  }

  private write(buf: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`capture file ${this.path} is closed`);
    let at = 0;
    while (at < buf.length) at += writeSync(this.fd, buf, at, buf.length - at);
    this.bytes += buf.length;
  }
}
