// Reads a trace file for the offline commands: a capture file (protocol/CAPTURE.md), recognised
// by its magic (or by a magic a few bits off followed by valid records), or anything else as the
// raw byte stream (e.g. QEMU `-serial file:` output).
// The path `-` is standard input (issue 14 §6).
import { closeSync, createWriteStream, openSync, readSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
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
async function* fileChunks(path: string, openFile?: (path: string) => Promise<ByteSource>): AsyncGenerator<Uint8Array> {
  if (!openFile) {
    yield* blockingChunks(path);
    return;
  }
  let fh: ByteSource;
  try {
    fh = await openFile(path);
  } catch (err) {
    throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * A file's chunks by blocking reads. A read-ahead in the thread pool cost more than it saved:
 * a 256 KiB read from the page cache takes ~15 us, but awaiting the read in flight takes a turn
 * of the event loop (~30 us per chunk, ~13 ms idle before the first chunks arrive), measured on
 * `stats` of a 68 MB file.
 */
function* blockingChunks(path: string): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
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
    try {
      const st = await stat(path);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    } catch (err) {
      throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
    }
    chunks = fileChunks(path, source.open);
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
