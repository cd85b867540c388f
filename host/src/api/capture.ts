// Live captures as a library: firmware under its board's emulator, or a board on a serial port.
// The same flows as `tracepipe run` and `tracepipe capture` (cli/live-run.ts), without the
// status line, the echo of the firmware's console or signal handlers, and with the capture
// decoded again from its file, so the stats are those `tracepipe stats` would print.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamHeader, TraceRecord } from '../core/types.js';
import type { GroundTruth } from '../cli/ground-truth.js';
import { captureFromPort, liveFailure, runUnderQemu, type LiveSummary, type QemuRunOptions } from '../cli/live-run.js';
import type { StopReason } from '../io/live.js';
import { readStats, readTrace, traceRecords, type DecodedTrace, type Stats, type TraceOptions } from './trace.js';

export interface CaptureCommon {
  /** capture file to write; default: trace.tpt in a new temporary folder */
  output?: string;
  /** replace an existing file at output (refused otherwise) */
  overwrite?: boolean;
  /** stop after this many seconds of trace (counted from the first byte); default: when the
   * firmware exits (emulator) or never (port: give one) */
  durationS?: number;
  baud?: number;
}

export interface EmulatorRunOptions extends CaptureCommon {
  /** a board of boards/ that runs under an emulator, e.g. "qemu-mps2-an385" */
  board: string;
  /** the firmware ELF built for that board */
  elf: string;
  /** copy the firmware's console (semihosting) output to this file */
  consoleLog?: string;
}

export interface PortCaptureOptions extends CaptureCommon {
  /** serial device, e.g. /dev/ttyACM0 */
  port: string;
  /** reopen the port when it comes back after a disconnect */
  reconnect?: boolean;
}

/** A finished live capture: its file, how it ended, and its decoded accounting. */
export interface Capture {
  /** the capture file (protocol/CAPTURE.md) */
  path: string;
  reason: StopReason;
  bytes: number;
  seconds: number;
  /** false when some core's FINAL status did not come after the flush: the books may be open */
  flushed: boolean | undefined;
  header: StreamHeader | null;
  /** the stats of the capture file, as `tracepipe stats --json` prints them */
  stats: Stats;
  /** the firmware's own counters (TPGT lines on its console), when it printed them */
  groundTruth: GroundTruth[];
  /** streams the records of the capture (names from `elf` when given) */
  records(opts?: TraceOptions): AsyncGenerator<TraceRecord>;
  /** every record at once */
  read(opts?: TraceOptions): Promise<DecodedTrace>;
}

/** A library prints nothing and leaves the process's signals to its caller. */
const QUIET = { status: null, handleSignals: false, echoTarget: false } as const;

/** What a terminal adds (the CLI's run, capture, top): the status line, the firmware's console
 * on stderr, signal handlers, --follow or the live view, pacing, the rp2040js timer knobs. */
export type LiveEdge = Partial<Pick<QemuRunOptions, 'status' | 'handleSignals' | 'echoTarget' | 'follow' | 'stop' | 'pace' | 'timerPresetUs' | 'wrapEveryMs'>>;

/** The options every live capture takes, with the default capture file. */
function common(o: CaptureCommon): { output: string; overwrite?: boolean; durationS?: number; baud?: number } {
  return { output: o.output ?? join(mkdtempSync(join(tmpdir(), 'tracepipe-')), 'trace.tpt'), overwrite: o.overwrite, durationS: o.durationS, baud: o.baud };
}

async function handle(s: LiveSummary): Promise<Capture> {
  // Like the CLI: the run failed, the file stays (its path is in the message).
  const failure = liveFailure(s);
  if (failure) throw failure;
  const path = s.output;
  return {
    path,
    reason: s.live.reason,
    bytes: s.live.bytes,
    seconds: s.live.seconds,
    flushed: s.live.flushed,
    header: s.header,
    stats: await readStats(path),
    groundTruth: s.groundTruth,
    records: (opts) => traceRecords(path, opts),
    read: (opts) => readTrace(path, opts),
  };
}

/** The emulator run behind runOnEmulator and `tracepipe run`: its live summary, failed or not. */
export function emulatorRun(o: EmulatorRunOptions, edge: LiveEdge = {}): Promise<LiveSummary> {
  return runUnderQemu({ ...common(o), board: o.board, elf: o.elf, semihostLog: o.consoleLog, ...QUIET, ...edge });
}

/** The port capture behind captureFromSerialPort, `tracepipe capture` and `top`. */
export function portRun(o: PortCaptureOptions, edge: Omit<LiveEdge, 'echoTarget' | 'pace' | 'timerPresetUs' | 'wrapEveryMs'> = {}): Promise<LiveSummary> {
  return captureFromPort({ ...common(o), port: o.port, reconnect: o.reconnect, status: null, handleSignals: false, ...edge });
}

/**
 * Runs firmware under its board's emulator (board.json `emulator`) and captures its trace
 * through the emulated UART's pty, as `tracepipe run` does. Resolves when the firmware exits or
 * durationS has passed; throws when the board, the ELF or the emulator fails.
 */
export async function runOnEmulator(o: EmulatorRunOptions): Promise<Capture> {
  return handle(await emulatorRun(o));
}

/** Captures a board on a serial port, as `tracepipe capture --port` does. */
export async function captureFromSerialPort(o: PortCaptureOptions): Promise<Capture> {
  return handle(await portRun(o));
}
