// The JavaScript side of the frame kernel (frame-kernel.c, issue 11): the CRC-32C of a frame and
// the counting walk over a PACKET's events in WebAssembly, measured 1.5x the JIT's code for
// both, and the splitter's zero search and COBS decode of a frame within one chunk. A FrameSplitter with a kernel decodes its frames into the kernel's memory (no copy);
// checkFrame and parseEvents then hand those frames to it. Where no event is wanted (stats),
// scan() checks the whole frames of a piece up to their packets' heads and events at once, and
// the decoder books its rows (FrameHandler.row). Where WebAssembly is missing (node
// --jitless) there is no kernel and the JavaScript paths run: the same results, proven by the
// property tests, which run both.

import { FRAME_KERNEL_WASM } from './frame-kernel-wasm.js';
import { FIXED_ARG_BYTES, MSG_PACKET, STEP_ROW, STEPS, VAR_ARGS } from './messages.js';
import { SCAN_ROW } from './scan-row.js';
import { MAX_MESSAGE } from './wire-gen.js';

export interface FrameKernel {
  /** The frame buffer: a view of the kernel's memory, MAX_COBS bytes. */
  readonly frame: Uint8Array;
  /** frame as little-endian words. */
  readonly words: Uint32Array;
  /** Where findZero() and cobs() read the splitter's input: a view of the kernel's memory. */
  readonly stage: Uint8Array;
  /** The first 0x00 of stage[i, len), or len. */
  findZero(i: number, len: number): number;
  /** FrameSplitter's whole-frame decode of stage[at, at + n) into frame: the length, or minus the bytes the last code points past n. */
  cobs(at: number, n: number): number;
  /** CRC-32C of frame[0, len). */
  crc(len: number): number;
  /** countEvents of messages.ts over frame[p, end): the position after n events, or -1; then first and last. */
  countEvents(p: number, end: number, n: number): number;
  /** After countEvents: the tick offsets of the first and the last event. */
  readonly span: Float64Array;
  /**
   * The frames of stage[at, len), from a frame's start, for a decoder of that wire version:
   * rows (frame-scan.ts's, positions in the stage) for the PACKETs it would book from their
   * head alone, up to the first frame it must read itself (scanStop()); the count of rows.
   */
  scan(at: number, len: number, version: number): number;
  /** After scan: where it stopped, in the stage (the start of a frame, or len). */
  scanStop(): number;
  /** scan's rows, SCAN_ROW numbers each. */
  readonly rows: Float64Array;
}

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  init(): void;
  frame_at(): number;
  frame_bytes(): number;
  span_at(): number;
  stage_at(): number;
  stage_bytes(): number;
  var_args_at(): number;
  fixed_arg_bytes_at(): number;
  step_row_at(): number;
  steps_at(): number;
  find_zero(i: number, len: number): number;
  cobs(at: number, n: number): number;
  crc(len: number): number;
  count_events(p: number, end: number, n: number): number;
  scan_rows_at(): number;
  scan_limits(): number;
  scan_rows_max(): number;
  scan_stop_at(): number;
  scan(at: number, len: number, version: number): number;
}

/** The part of the WebAssembly global used here, typed here: the API's declarations are built without the DOM's lib, which has it. */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
/** Absent with node --jitless. */
const wasm = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;

let module: object | null | undefined;
let enabled = true;

/** Kernels for the FrameSplitters made from now on (true) or none (false: the JavaScript paths); the previous setting. */
export function useFrameKernels(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

function kernelModule(): object | null {
  if (module === undefined) {
    // The module uses 128-bit SIMD (the delimiter search), which an engine may lack (V8 on an x86-64
    // CPU without SSE4.1 refuses it): then no kernel, and the JavaScript paths give the same results.
    // This cannot hide a bug of ours: frame-kernel.test.ts asserts that a splitter here has a kernel.
    // (atob, not Buffer: core/ stays free of Node's globals)
    try {
      module = wasm ? new wasm.Module(Uint8Array.from(atob(FRAME_KERNEL_WASM), (ch) => ch.charCodeAt(0))) : null;
    } catch {
      module = null;
    }
  }
  return module;
}

/**
 * A kernel of its own for a FrameSplitter whose buffer holds frameBytes, or null (kernels
 * off, or no WebAssembly). Each has its own memory: a splitter keeps a partial frame between
 * pushes, so two could not share one buffer.
 */
export function newFrameKernel(frameBytes: number): FrameKernel | null {
  const mod = enabled ? kernelModule() : null;
  if (mod === null) return null;
  const ex = new wasm!.Instance(mod, {}).exports as KernelExports;
  if (ex.frame_bytes() !== frameBytes) throw new Error(`frame-kernel.c holds ${ex.frame_bytes()}-byte frames, the splitter ${frameBytes}`);
  const limits = (MAX_MESSAGE << 16) | (MSG_PACKET << 8) | SCAN_ROW;
  if (ex.scan_limits() !== limits) throw new Error(`frame-kernel.c scans with limits 0x${ex.scan_limits().toString(16)}, the decoder 0x${limits.toString(16)}`);
  const buf = ex.memory.buffer;
  // countEvents' tables, from messages.ts; init() derives the kernel's own from them
  new Uint8Array(buf, ex.var_args_at(), VAR_ARGS.length).set(VAR_ARGS);
  new Uint8Array(buf, ex.fixed_arg_bytes_at(), FIXED_ARG_BYTES.length).set(FIXED_ARG_BYTES);
  new Uint16Array(buf, ex.step_row_at(), STEP_ROW.length).set(STEP_ROW);
  new Uint16Array(buf, ex.steps_at(), STEPS.length).set(STEPS);
  ex.init();
  const at = ex.frame_at();
  return {
    frame: new Uint8Array(buf, at, frameBytes),
    words: new Uint32Array(buf, at, frameBytes >> 2),
    span: new Float64Array(buf, ex.span_at(), 2),
    stage: new Uint8Array(buf, ex.stage_at(), ex.stage_bytes()),
    findZero: ex.find_zero,
    cobs: ex.cobs,
    crc: (len) => ex.crc(len) >>> 0,
    countEvents: ex.count_events,
    scan: ex.scan,
    scanStop: ex.scan_stop_at,
    rows: new Float64Array(buf, ex.scan_rows_at(), ex.scan_rows_max() * SCAN_ROW),
  };
}
