// Reads a trace file for the offline commands: a capture file (protocol/CAPTURE.md), recognised
// by its magic (or by a magic a few bits off followed by valid records), or anything else as the
// raw byte stream (e.g. QEMU `-serial file:` output).
// The path `-` is standard input (issue 14 §6).
import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  CaptureFormatError,
  CaptureParser,
  sniffCapture,
  SNIFF_LEN,
  type CaptureDamage,
  type CaptureEnd,
  type CaptureEvent,
  type CaptureMeta,
} from '../core/capture-format.js';

export interface InputHandlers {
  /** bytes in stream order; hostNs when the input is a capture. The view is valid during the call. */
  data(bytes: Uint8Array, hostNs?: bigint): void;
  event?(event: CaptureEvent, hostNs: bigint): void;
  /** a damaged stretch of a capture was skipped (before the bytes after it are delivered) */
  damage?(d: CaptureDamage): void;
  /** a capture is readable but something in it is wrong: one sentence */
  warning?(message: string): void;
  /** awaited after each chunk read: lets the consumer apply back-pressure (flush its output) */
  afterChunk?(): Promise<void> | void;
}

export interface InputInfo {
  kind: 'capture' | 'raw';
  size: number;
  meta?: CaptureMeta;
  /** how a capture ended (cut, damaged, complete) */
  end?: CaptureEnd;
}

const CHUNK = 1 << 18;

/** The path that names standard input (and, for outputs, standard output). */
export const STDIO_PATH = '-';

/** How an input path is named in messages. */
export function inputName(path: string): string {
  return path === STDIO_PATH ? 'stdin' : path;
}

/** What a file is read through: a file handle, or a test's wrapper that counts the bytes read. */
export interface ByteSource {
  read(buf: Buffer, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

/** Chunks of a file, read CHUNK bytes at a time; a chunk is valid until the next is asked for. */
async function* fileChunks(path: string, regular: boolean, openFile?: (path: string) => Promise<ByteSource>): AsyncGenerator<Uint8Array> {
  if (regular && !openFile) {
    yield* blockingChunks(path);
    return;
  }
  let fh: ByteSource;
  try {
    fh = openFile ? await openFile(path) : await open(path, 'r');
  } catch (err) {
    throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
  }
  // Read-ahead: the next chunk is read (in libuv's thread pool, on another core) while the
  // consumer works on this one, so the file's reading costs the decoding no time. Two
  // buffers: a chunk is valid until the consumer asks for the next one. Hostile input is
  // refused after NO_FRAME_LIMIT bytes: the read-ahead adds one chunk to what is read.
  const bufs = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let k = 0;
  let next: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0], 0, CHUNK, null);
  try {
    for (;;) {
      const { bytesRead } = await next;
      next = undefined;
      if (bytesRead === 0) return;
      const chunk = bufs[k].subarray(0, bytesRead);
      k ^= 1;
      next = fh.read(bufs[k], 0, CHUNK, null);
      yield chunk;
    }
  } finally {
    // a consumer that stopped early: the read in flight ends before the file closes
    if (next) await next.catch(() => undefined);
    await fh.close();
  }
}

/** Chunks read between two turns of the event loop by blockingChunks (4 MiB). */
const CHUNKS_PER_TURN = 16;

/**
 * A regular file's chunks by blocking reads. The read-ahead cost more than it saved there: a
 * 256 KiB read from the page cache takes ~15 us, but awaiting the read in flight takes a turn of
 * the event loop (~30 us per chunk, ~13 ms idle before the first chunks arrive), measured on
 * `stats` of a 68 MB file. The loop still turns every CHUNKS_PER_TURN chunks, so that a signal's
 * handler (an export's temporary file removed on Ctrl-C) runs while a long file is read. A FIFO
 * or a device may block for ever: it takes the read-ahead.
 */
async function* blockingChunks(path: string): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (let k = 1; ; k++) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
      if (k % CHUNKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Chunks of a stream (stdin). A pipe may hand over fewer bytes than sniffCapture looks at first:
 * the first chunk is held until it can be told apart from a raw stream.
 */
async function* streamChunks(stream: NodeJS.ReadableStream): AsyncGenerator<Uint8Array> {
  let head: Uint8Array | undefined;
  for await (const piece of stream as AsyncIterable<Uint8Array | string>) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
    if (head !== undefined) {
      head = Buffer.concat([head, chunk]);
      if (head.length < SNIFF_LEN) continue;
      yield head;
      head = undefined;
    } else if (chunk.length < SNIFF_LEN) {
      head = chunk;
    } else {
      yield chunk;
    }
  }
  if (head !== undefined && head.length > 0) yield head;
}

/**
 * Copies `stdin` to a temporary file, for the commands that read their input twice (the
 * wall-clock fit, then the export). `dispose` removes it.
 */
export async function spoolStdin(stdin: NodeJS.ReadableStream): Promise<{ path: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tracepipe-stdin-'));
  const path = join(dir, 'stdin');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(stdin, createWriteStream(path, { flags: 'wx' }));
  } catch (err) {
    await dispose();
    throw new Error(`cannot read stdin: ${(err as Error).message}`);
  }
  return { path, dispose };
}

/** Why a path cannot be read, in one sentence. */
function describeOpenError(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return `${path}: no such file`;
    case 'EACCES':
      return `${path}: permission denied`;
    case 'EISDIR':
      return `${path} is a folder, not a trace file`;
    default:
      return `cannot read ${path}: ${err.message}`;
  }
}

/**
 * Runs `fn` on a path it can read more than once: `path` itself, or for `-` a spooled copy
 * of stdin (removed afterwards). stdin may be given as a function, called for `-` only: making
 * process.stdin costs a process milliseconds.
 */
export async function withRereadableInput<T>(
  path: string,
  stdin: NodeJS.ReadableStream | (() => NodeJS.ReadableStream),
  fn: (path: string, name: string) => Promise<T>,
): Promise<T> {
  if (path !== STDIO_PATH) return fn(path, path);
  const spool = await spoolStdin(typeof stdin === 'function' ? stdin() : stdin);
  try {
    return await fn(spool.path, inputName(path));
  } finally {
    await spool.dispose();
  }
}

export interface InputSource {
  /** what the path `-` reads (default: process.stdin) */
  stdin?: NodeJS.ReadableStream;
  /** how messages name the input (default: the path, or `stdin` for `-`) */
  name?: string;
  /** opens a file path (default: fs.promises.open); tests count the bytes read through it */
  open?(path: string): Promise<ByteSource>;
}

/** Reads `path` (`-`: stdin) and hands its bytes to `handlers`. */
export async function readTraceInput(path: string, handlers: InputHandlers, source: InputSource = {}): Promise<InputInfo> {
  let chunks: AsyncGenerator<Uint8Array>;
  if (path === STDIO_PATH) {
    chunks = streamChunks(source.stdin ?? process.stdin);
  } else {
    let regular: boolean;
    try {
      const st = await stat(path);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      regular = st.isFile();
    } catch (err) {
      throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
    }
    chunks = fileChunks(path, regular, source.open);
  }
  const name = source.name ?? inputName(path);
  let size = 0;
  let first = true;
  let parser: CaptureParser | undefined;
  let meta: CaptureMeta | undefined;
  let kind: InputInfo['kind'] = 'raw';
  for await (const chunk of chunks) {
    size += chunk.length;
    if (first) {
      first = false;
      // A short first read of a longer file cannot happen for regular files, and streamChunks
      // holds a short one back, so the sniff sees min(size, SNIFF_LEN) bytes.
      if (sniffCapture(chunk.subarray(0, SNIFF_LEN)).capture) {
        kind = 'capture';
        parser = new CaptureParser({
          meta: (m) => (meta = m),
          data: (hostNs, bytes) => handlers.data(bytes, hostNs),
          event: (hostNs, ev) => handlers.event?.(ev, hostNs),
          damage: (d) => handlers.damage?.(d),
          warning: (message) => handlers.warning?.(message),
        });
      }
    }
    if (parser) {
      try {
        // the parser may keep a view of a partial record: give it its own copy
        parser.push(Uint8Array.prototype.slice.call(chunk));
      } catch (err) {
        if (err instanceof CaptureFormatError) throw new Error(`${name}: ${err.message}`);
        throw err;
      }
    } else {
      handlers.data(chunk);
    }
    await handlers.afterChunk?.();
  }
  let end: CaptureEnd | undefined;
  try {
    end = parser?.end();
  } catch (err) {
    if (err instanceof CaptureFormatError) throw new Error(`${name}: ${err.message}`);
    throw err;
  }
  return { kind, size, meta, end };
}
