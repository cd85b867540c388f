// Streaming frame splitter (SPEC §3): splits the byte stream at 0x00, undoes COBS as the
// bytes arrive, and enforces the size limit without waiting for a delimiter. It keeps no
// more than one frame's worth of bytes, whatever the input.

import { crc32c, crc32cWords, LITTLE_ENDIAN } from './crc32c.js';
import { newFrameKernel, type FrameKernel } from './frame-kernel.js';
import { ROW_RESUME, ROW_START, SCAN_ROW } from './scan-row.js';
import { COBS_SLACK, CRC_BYTES, MAX_MESSAGE } from './wire-gen.js';

/** Largest message (type + body) a frame may carry. */
export { MAX_MESSAGE } from './wire-gen.js';
/** Largest COBS data (message + CRC, encoded) a reader accepts before discarding the frame. */
export const MAX_COBS = MAX_MESSAGE + CRC_BYTES + COBS_SLACK;

export interface FrameHandler {
  /** A complete COBS block was decoded into buf[0, len): message followed by its CRC. */
  frame(buf: Uint8Array, len: number, start: number, resume: number): void;
  /** The frame starting at start is invalid; decoding resumes at resume (after its delimiter). */
  bad(code: 'cobs_error' | 'frame_too_long', start: number, resume: number, detail: string): void;
  /**
   * With row: the wire version whole frames are scanned for by the kernel (scan() of
   * frame-kernel.c) before frame() sees them, or -1 (not now: each frame goes to frame()).
   */
  scanVersion?(): number;
  /**
   * A PACKET frame of buf[start, resume) the kernel's scan checked as the decoder checks it
   * before booking it: its row (scan-row.ts) at rows[o], in place of frame().
   */
  row?(rows: Float64Array, o: number, start: number, resume: number): void;
}

export class FrameSplitter {
  /** the WebAssembly kernel whose memory holds out (checkFrame and parseEvents use it), or null */
  readonly kernel: FrameKernel | null = newFrameKernel(MAX_COBS);
  private readonly out = this.kernel ? this.kernel.frame : new Uint8Array(MAX_COBS);
  /** out as little-endian words, for the CRC (crc32cWords): frames start at its byte 0 */
  readonly words = this.kernel ? this.kernel.words : new Uint32Array(this.out.buffer, 0, MAX_COBS >> 2);
  private len = 0;
  private cobsLen = 0;
  private remaining = 0;
  private zeroPending = false;
  private tooLong = false;
  private start = 0;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(private readonly h: FrameHandler) {}

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    // chunk's own indexOf (a Buffer's is memchr); the rest reads a plain view, whose subarray
    // costs a fraction of a Buffer's, and keeps the loads monomorphic
    const view = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, n);
    const base = this.offset;
    if (this.kernel !== null) {
      // the kernel's stage holds a piece at a time; the next piece starts with the frame the
      // last one cut (a frame across two chunks takes the byte-group path)
      const stageBytes = this.kernel.stage.length;
      for (let at = 0; at < n; ) at = this.staged(view, at, at + stageBytes < n ? at + stageBytes : n, base);
      this.offset = base + n;
      return;
    }
    let i = 0;
    while (i < n) {
      let z = chunk.indexOf(0, i);
      if (z < 0) z = n;
      if (z > i) {
        if (z < n && this.cobsLen === 0 && !this.tooLong) this.whole(view, i, z);
        else this.segment(view, i, z);
      }
      i = this.delimited(z, n, base);
    }
    this.offset = base + n;
  }

  /** After the bytes up to z of a piece ending at end: the frame ends at z when the delimiter is there; where the search goes on. */
  private delimited(z: number, end: number, base: number): number {
    if (z >= end) return end;
    this.offset = base + z + 1;
    this.finish(base + z + 1);
    return z + 1;
  }

  /**
   * push() of chunk[at, end) by the kernel: its zero search and whole-frame decode in
   * WebAssembly. Where the next piece starts: end, or the start of a frame the piece cuts when
   * the chunk goes on (a frame longer than a piece excepted).
   */
  private staged(chunk: Uint8Array, at: number, end: number, base: number): number {
    const kernel = this.kernel!;
    kernel.stage.set(at === 0 && end === chunk.length ? chunk : chunk.subarray(at, end));
    const len = end - at;
    const scans = this.h.row !== undefined;
    let i = at;
    while (i < end) {
      if (scans && this.cobsLen === 0 && !this.tooLong) {
        i = this.scanned(kernel, i, at, len, base);
        if (i >= end) break;
      }
      const z = at + kernel.findZero(i - at, len);
      if (z === end && end < chunk.length && i > at && this.cobsLen === 0 && !this.tooLong) return i;
      if (z > i) {
        if (z < end && this.cobsLen === 0 && !this.tooLong && z - i <= MAX_COBS) {
          const got = kernel.cobs(i - at, z - i);
          this.cobsLen = z - i;
          this.len = got < 0 ? 0 : got;
          this.remaining = got < 0 ? -got : 0;
        } else {
          this.segment(chunk, i, z);
        }
      }
      i = this.delimited(z, end, base);
    }
    return end;
  }

  /**
   * The whole frames from chunk[i] (a frame's start) of a piece staged from chunk[at], while the
   * kernel's scan vouches for them: their rows to the handler; where the piece goes on.
   */
  private scanned(kernel: FrameKernel, i: number, at: number, len: number, base: number): number {
    const version = this.h.scanVersion!();
    if (version < 0) return i;
    const count = kernel.scan(i - at, len, version);
    const rows = kernel.rows;
    const from = base + at;
    for (let r = 0, o = 0; r < count; r++, o += SCAN_ROW) {
      const resume = from + rows[o + ROW_RESUME];
      this.offset = resume;
      this.start = resume;
      this.h.row!(rows, o, from + rows[o + ROW_START], resume);
    }
    // past the last row, empty frames (nothing but their delimiters) may have been stepped over
    const stop = at + kernel.scanStop();
    if (stop > i) {
      this.offset = base + stop;
      this.start = base + stop;
    }
    return stop;
  }

  /**
   * Steps over n bytes that are one whole frame with its delimiter, read elsewhere (a
   * FrameScanner's); only between frames, where push() would have started it afresh.
   */
  skipFrame(n: number): void {
    if (this.cobsLen !== 0 || this.tooLong) throw new Error('FrameSplitter.skipFrame() inside a frame');
    this.offset += n;
    this.start = this.offset;
  }

  /** Offset where the pending (undelimited) frame started, or -1 when none is pending. */
  pendingStart(): number {
    return this.cobsLen > 0 || this.tooLong ? this.start : -1;
  }

  /**
   * A frame whose COBS bytes chunk[i, z) are all in this chunk (the common case), decoded with
   * a copy per run instead of one per COBS group: the decoded bytes are the COBS bytes after
   * the first code byte, where each later code byte stands for the 0x00 that ends the group
   * before it, or for nothing after a group of code 0xFF (a run ends there).
   */
  private whole(chunk: Uint8Array, i: number, z: number): void {
    if (z - i > MAX_COBS) {
      this.segment(chunk, i, z);
      return;
    }
    const out = this.out;
    let runStart = i + 1;
    let dst = 0;
    let p = i;
    let next = i + chunk[i];
    while (next < z) {
      if (chunk[p] === 0xff) {
        out.set(chunk.subarray(runStart, next), dst);
        dst += next - runStart;
        runStart = next + 1;
      }
      p = next;
      next = p + chunk[p];
    }
    out.set(chunk.subarray(runStart, z), dst);
    const len = dst + z - runStart;
    // the 0x00s: every later code byte after a group whose code is not 0xFF
    let skipped = 0;
    for (let q = i, c = i + chunk[i]; c < z; q = c, c += chunk[c]) {
      if (chunk[q] === 0xff) skipped++;
      else out[c - i - 1 - skipped] = 0;
    }
    this.cobsLen = z - i;
    this.len = len;
    this.remaining = next - z;
  }

  private segment(chunk: Uint8Array, i: number, z: number): void {
    if (this.tooLong) return;
    if (this.cobsLen + (z - i) > MAX_COBS) {
      // Discard now: a frame this long can never be valid, and buffering it would let
      // a stream without delimiters grow memory.
      this.tooLong = true;
      this.cobsLen += z - i;
      return;
    }
    this.cobsLen += z - i;
    const out = this.out;
    let len = this.len;
    let remaining = this.remaining;
    while (i < z) {
      if (remaining === 0) {
        const code = chunk[i++];
        if (this.zeroPending) out[len++] = 0;
        remaining = code - 1;
        this.zeroPending = code !== 0xff;
      } else {
        const k = remaining < z - i ? remaining : z - i;
        if (k < 16) {
          for (let j = 0; j < k; j++) out[len + j] = chunk[i + j];
        } else {
          out.set(chunk.subarray(i, i + k), len);
        }
        len += k;
        i += k;
        remaining -= k;
      }
    }
    this.len = len;
    this.remaining = remaining;
  }

  private finish(resume: number): void {
    const start = this.start;
    this.start = resume;
    if (this.cobsLen === 0 && !this.tooLong) return; // empty frame: ignored (SPEC §3)
    const len = this.len;
    const tooLong = this.tooLong;
    const remaining = this.remaining;
    this.len = 0;
    this.cobsLen = 0;
    this.remaining = 0;
    this.zeroPending = false;
    this.tooLong = false;
    if (tooLong) {
      this.h.bad('frame_too_long', start, resume, `frame longer than ${MAX_COBS} COBS bytes`);
    } else if (remaining > 0) {
      this.h.bad('cobs_error', start, resume, `COBS code points ${remaining} byte(s) past the frame end`);
    } else {
      this.h.frame(this.out, len, start, resume);
    }
  }
}

/** What checkFrame found wrong with a decoded frame (0: nothing, the message is buf[0, len - 4)). */
export const FRAME_OK = 0;
export const FRAME_SHORT = 1;
export const FRAME_LONG = 2;
export const FRAME_CRC = 3;

/**
 * The checks of a decoded frame before its message is read (SPEC §3): its length and its CRC.
 * words: the same memory as buf as little-endian words (a FrameSplitter's), or null; kernel:
 * the splitter's, which computes the CRC when buf is its frame.
 */
export function checkFrame(buf: Uint8Array, len: number, words: Uint32Array | null, kernel: FrameKernel | null = null): number {
  if (len < 5) return FRAME_SHORT;
  // COBS of a message with zero bytes is short enough to pass the splitter's limit.
  if (len > MAX_MESSAGE + 4) return FRAME_LONG;
  const end = len - 4;
  const want = (buf[end] | (buf[end + 1] << 8) | (buf[end + 2] << 16) | (buf[end + 3] << 24)) >>> 0;
  if (kernel !== null && buf === kernel.frame) return kernel.crc(end) === want ? FRAME_OK : FRAME_CRC;
  const crc = LITTLE_ENDIAN && words !== null && buf.buffer === words.buffer ? crc32cWords(words, buf, end) : crc32c(buf, 0, end);
  return crc === want ? FRAME_OK : FRAME_CRC;
}
