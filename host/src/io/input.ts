// Reads a trace file for the offline commands: a capture file (protocol/CAPTURE.md), recognised
// by its magic (or by a magic a few bits off followed by valid records), or anything else as the
// raw byte stream (e.g. QEMU `-serial file:` output).
import { open, stat } from 'node:fs/promises';
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

/** What readTraceInput reads through: a file handle, or a test's wrapper that counts the bytes read. */
export interface ByteSource {
  read(buf: Buffer, offset: number, length: number, position: null): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export interface ReadOptions {
  /** opens the path (default: fs.promises.open) */
  open?(path: string): Promise<ByteSource>;
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

export async function readTraceInput(path: string, handlers: InputHandlers, opts: ReadOptions = {}): Promise<InputInfo> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
  } catch (err) {
    throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
  }
  let fh;
  try {
    fh = opts.open ? await opts.open(path) : await open(path, 'r');
  } catch (err) {
    throw new Error(describeOpenError(path, err as NodeJS.ErrnoException));
  }
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let first = true;
    let parser: CaptureParser | undefined;
    let meta: CaptureMeta | undefined;
    let kind: InputInfo['kind'] = 'raw';
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      if (first) {
        first = false;
        // A short first read of a longer file cannot happen for regular files, so the sniff
        // sees min(size, SNIFF_LEN) bytes.
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
          if (err instanceof CaptureFormatError) throw new Error(`${path}: ${err.message}`);
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
      if (err instanceof CaptureFormatError) throw new Error(`${path}: ${err.message}`);
      throw err;
    }
    return { kind, size, meta, end };
  } finally {
    await fh.close();
  }
}
