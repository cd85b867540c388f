// Reads a trace file for the offline commands: a capture file (protocol/CAPTURE.md), recognised
// by its magic, or anything else as the raw byte stream (e.g. QEMU `-serial file:` output).
import { open, stat } from 'node:fs/promises';
import {
  CAPTURE_MAGIC,
  CaptureFormatError,
  CaptureParser,
  looksLikeCapture,
  type CaptureEnd,
  type CaptureEvent,
  type CaptureMeta,
} from '../core/capture-format.js';

export interface InputHandlers {
  /** bytes in stream order; hostNs when the input is a capture. The view is valid during the call. */
  data(bytes: Uint8Array, hostNs?: bigint): void;
  event?(event: CaptureEvent, hostNs: bigint): void;
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

export async function readTraceInput(path: string, handlers: InputHandlers): Promise<InputInfo> {
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
    fh = await open(path, 'r');
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
        // A short first read of a longer file cannot happen for regular files, so the magic
        // check sees min(size, 8) bytes.
        if (looksLikeCapture(chunk.subarray(0, CAPTURE_MAGIC.length))) {
          kind = 'capture';
          parser = new CaptureParser({
            meta: (m) => (meta = m),
            data: (hostNs, bytes) => handlers.data(bytes, hostNs),
            event: (hostNs, ev) => handlers.event?.(ev, hostNs),
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
    return { kind, size, meta, end: parser?.end() };
  } finally {
    await fh.close();
  }
}
