// The two live capture flows behind `run`, `demo` and `capture`: firmware under QEMU through its
// UART pty, and a real board on a serial port. Both end with the capture file closed and a
// summary; errors after the capture started still leave a valid file.
import { join, resolve } from 'node:path';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { escapeText } from '../core/text.js';
import { UsageError } from '../errors.js';
import type { CoreStats, StreamHeader } from '../core/types.js';
import { CaptureWriter } from '../io/capture-writer.js';
import { pacedReadSize, runLive, uartBytesPerS, type LiveResult } from '../io/live.js';
import type { QemuExit } from '../io/qemu.js';
import { emulatedBoard, emulatorMachine } from '../io/emulator.js';
import { startEmulator } from '../io/start-emulator.js';
import { findRepoRoot } from '../io/repo.js';
import { DEFAULT_BAUD, openSerialPort, closePort, type SerialPort } from '../io/serial.js';
import { CliError } from './errors.js';
import { compareGroundTruth, GroundTruthReader, type GroundTruth } from './ground-truth.js';
import { LiveDecoder, type FollowSink, type RecordWatcher } from './live-decoder.js';
import { statsTable } from './stats-format.js';
import { VERSION } from './version.js';

export interface LiveSummary {
  output: string;
  live: LiveResult;
  stats: CoreStats[];
  header: StreamHeader | null;
  notices: Map<string, number>;
  groundTruth: GroundTruth[];
  qemuExit?: QemuExit;
  /** QEMU's own `qemu: fatal:` message (e.g. a CPU lockup), without its register dump */
  qemuFatal?: string;
}

export interface QemuRunOptions {
  board: string;
  elf: string;
  output: string;
  durationS?: number;
  semihostLog?: string;
  baud?: number;
  /** pace the emulated UART as a real one at this baud rate (8N1); 'board': board.json's uart.baud */
  pace?: number | 'board';
  /** echo the firmware's semihosting lines (other than ground truth) to stderr */
  echoTarget?: boolean;
  /** rp2040js only: TIMER count at reset (µs), and the wrap-test time skip (rp2040/rp2040.ts) */
  timerPresetUs?: number;
  wrapEveryMs?: number;
  /** replace an existing capture file at output (--force) */
  overwrite?: boolean;
  /** where the status line goes (default stderr); null: nowhere (the library API) */
  status?: NodeJS.WriteStream | null;
  /** SIGINT/SIGTERM stop the capture gracefully (default true; the library API leaves signals alone) */
  handleSignals?: boolean;
  /** --follow: decoded records as they arrive; or the live view's watcher (--tui, top) */
  follow?: FollowSink | RecordWatcher;
  /** aborting it stops the capture as Ctrl-C does */
  stop?: AbortSignal;
}

const REASONS: Record<LiveResult['reason'], string> = {
  duration: 'duration reached',
  interrupt: 'interrupted',
  'target-exit': 'firmware exited',
  disconnect: 'port disconnected',
  error: 'error',
};

const EM_ARM = 40;

/** The ELF must exist and be a 32-bit little-endian ARM ELF: QEMU would load anything else as a
 * raw image and lock the CPU up. */
function checkElf(elf: string): string {
  const path = resolve(elf);
  if (!existsSync(path)) throw new CliError(`${elf}: no such file`);
  if (statSync(path).isDirectory()) throw new CliError(`${elf} is a folder, not a firmware ELF`);
  const head = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 20 || head.readUInt32BE(0) !== 0x7f454c46) throw new CliError(`${elf} is not an ELF file`);
  if (head[4] !== 1 || head[5] !== 1 || head.readUInt16LE(18) !== EM_ARM) {
    throw new CliError(`${elf} is not a 32-bit ARM ELF (build it with arm-none-eabi-gcc)`);
  }
  return path;
}

/** The board an ELF was built for, when its path says so: `make BOARD=x` writes
 * build/x/<app>.elf. */
export function boardOfElf(root: string, elf: string): string | undefined {
  // build/<board>/, or build/<board>-tiny/ for the tiny profile (Makefile PROFILE=tiny)
  const builtFor = /[\\/]build[\\/]([^\\/]+?)(?:-tiny)?[\\/][^\\/]+$/.exec(resolve(elf))?.[1];
  return builtFor && existsSync(join(root, 'boards', builtFor, 'board.json')) ? builtFor : undefined;
}

/** Another board's firmware would lock the CPU up under QEMU, or land at addresses the board
 * does not have. */
export function checkBuiltForBoard(root: string, elf: string, board: string): void {
  const builtFor = boardOfElf(root, elf);
  if (builtFor && builtFor !== board) {
    throw new CliError(`${elf} was built for board '${builtFor}', not '${board}': use --board ${builtFor}, or build it with make BOARD=${board}`);
  }
}

/** A capture is data: an existing file at -o is refused unless the user said --force. Only a
 * regular file (or a link to one) counts; -o /dev/null and fifos are written as before. Checked
 * before the target starts, so nothing has run when the answer is no. */
export function refuseExistingCapture(output: string, overwrite: boolean | undefined): void {
  if (overwrite) return;
  let regular = false;
  try {
    regular = statSync(output).isFile();
  } catch {
    return; // nothing there (or a dangling link): the writer reports what it cannot create
  }
  if (regular) throw new UsageError(`${output} already exists: give --force to replace it, or another -o`);
}

/** The baud rate of the board's trace UART (board.json `uart.baud`). */
export function boardBaud(raw: Record<string, unknown>, name: string): number {
  const baud = (raw.uart as { baud?: unknown } | undefined)?.baud;
  if (typeof baud !== 'number' || !Number.isInteger(baud) || baud <= 0) {
    throw new UsageError(`boards/${name}/board.json gives no uart.baud: give --baud <n>`);
  }
  return baud;
}

export async function runUnderQemu(o: QemuRunOptions): Promise<LiveSummary> {
  const root = findRepoRoot();
  // The dispatch on board.json's emulator kind: start-emulator.ts starts QEMU or rp2040js.
  const { board, emulator } = emulatedBoard(root, o.board, 'run');
  const paceBaud = o.pace === 'board' ? boardBaud(board.raw, o.board) : o.pace;
  const elf = checkElf(o.elf);
  checkBuiltForBoard(root, o.elf, o.board);
  refuseExistingCapture(o.output, o.overwrite);
  const baud = paceBaud ?? o.baud ?? DEFAULT_BAUD;
  let qemuFatal: string | undefined;

  const groundTruth: GroundTruth[] = [];
  const groundTruthReader = new GroundTruthReader();
  const qemu = await startEmulator(emulator, {
    elf,
    consoleLog: o.semihostLog,
    timerPresetUs: o.timerPresetUs,
    wrapEveryMs: o.wrapEveryMs,
    onLine: (line) => {
      // One line for QEMU's fatal error; the register dump after it is noise for the user.
      if (qemuFatal !== undefined) return;
      const fatal = /^qemu: fatal: (.*)/.exec(line);
      if (fatal) {
        qemuFatal = fatal[1];
        return;
      }
      const gt = groundTruthReader.line(line);
      if (gt && gt !== 'done' && gt !== 'partial') groundTruth.push(gt);
      else if (gt === undefined && o.echoTarget !== false && line.trim() !== '') {
        // QEMU's own messages share its stderr with the firmware's semihosting output.
        if (/^qemu-system-\w+: terminating on signal/.test(line)) return;
        // The firmware's text is the device's: escaped, so it cannot forge lines or drive the terminal.
        process.stderr.write(/^(qemu-system-\w+|rp2040js):/.test(line) ? `tracepipe: ${escapeText(line)}\n` : `target: ${escapeText(line)}\n`);
      }
    },
  }).catch((err: Error) => {
    throw new CliError(err.message);
  });

  let writer: CaptureWriter;
  let port: SerialPort;
  try {
    writer = CaptureWriter.create(o.output, {
      source: 'qemu',
      board: o.board,
      machine: emulatorMachine(emulator),
      elf,
      port: qemu.ptyPath,
      baud,
      start_time: new Date().toISOString(),
      writer: `tracepipe ${VERSION}`,
    });
  } catch (err) {
    await qemu.stop();
    throw new CliError((err as Error).message);
  }
  try {
    // The firmware transmits nothing before CMD_START, which runLive sends once the pty is open.
    port = await openSerialPort(qemu.ptyPath, baud, paceBaud ? pacedReadSize(uartBytesPerS(paceBaud)) : undefined);
  } catch (err) {
    // An emulator that dies at start (a bad emulator.args, say) takes its pty with it, and on a
    // loaded machine that can happen before the pty is open: the emulator's end is the real
    // reason, so it is reported as a zero-byte capture ended by it, exactly as when it dies later.
    const early = await Promise.race([qemu.exited, new Promise<undefined>((r) => setTimeout(r, 1000, undefined))]);
    if (early !== undefined && qemuEnd(early) !== undefined) {
      writer.close();
      const { stats, header } = new LiveDecoder().finish();
      const live: LiveResult = { reason: 'target-exit', bytes: 0, seconds: 0, disconnects: 0, reconnects: 0, flushed: undefined };
      return { output: o.output, live, stats, header, notices: new Map(), groundTruth, qemuExit: early, qemuFatal };
    }
    writer.close();
    await qemu.stop();
    if (qemuFatal !== undefined) throw new CliError(`QEMU stopped the target: ${qemuFatal} (is ${o.elf} built for board '${o.board}'?)`);
    throw new CliError((err as Error).message);
  }

  const observer = new LiveDecoder(o.follow);
  let live: LiveResult;
  try {
    live = await runLive({
      port,
      writer,
      observer,
      durationS: o.durationS,
      endLink: async () => {
        await qemu.stop();
      },
      targetGone: qemu.exited,
      ackFinal: true,
      status: o.status === null ? undefined : (o.status ?? process.stderr),
      handleSignals: o.handleSignals ?? true,
      stop: o.stop,
      paceBytesPerS: paceBaud ? uartBytesPerS(paceBaud) : undefined,
    });
  } finally {
    writer.close();
    if (port.isOpen) await closePort(port);
    if (!qemu.hasExited()) await qemu.stop();
  }
  const qemuExit = await qemu.exited;
  const { stats, header } = observer.finish();
  return { output: o.output, live, stats, header, notices: observer.notices, groundTruth, qemuExit, qemuFatal };
}

export interface PortCaptureOptions {
  port: string;
  baud?: number;
  output: string;
  durationS?: number;
  reconnect?: boolean;
  /** replace an existing capture file at output (--force) */
  overwrite?: boolean;
  status?: NodeJS.WriteStream | null;
  handleSignals?: boolean;
  /** --follow: decoded records as they arrive; or the live view's watcher (--tui, top) */
  follow?: FollowSink | RecordWatcher;
  /** aborting it stops the capture as Ctrl-C does */
  stop?: AbortSignal;
}

export async function captureFromPort(o: PortCaptureOptions): Promise<LiveSummary> {
  const baud = o.baud ?? DEFAULT_BAUD;
  refuseExistingCapture(o.output, o.overwrite);
  let port: SerialPort;
  try {
    port = await openSerialPort(o.port, baud);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  let writer: CaptureWriter;
  try {
    writer = CaptureWriter.create(o.output, {
      source: 'serial',
      port: o.port,
      baud,
      start_time: new Date().toISOString(),
      writer: `tracepipe ${VERSION}`,
    });
  } catch (err) {
    await closePort(port);
    throw new CliError((err as Error).message);
  }
  const observer = new LiveDecoder(o.follow);
  let live: LiveResult;
  try {
    live = await runLive({
      port,
      writer,
      observer,
      durationS: o.durationS,
      reopen: o.reconnect ? () => openSerialPort(o.port, baud) : undefined,
      portPath: o.port,
      // as for run: firmware that flushed on its own waits for CMD_STOP before it exits
      ackFinal: true,
      status: o.status === null ? undefined : (o.status ?? process.stderr),
      handleSignals: o.handleSignals ?? true,
      stop: o.stop,
    });
  } finally {
    writer.close();
  }
  const { stats, header } = observer.finish();
  return { output: o.output, live, stats, header, notices: observer.notices, groundTruth: [] };
}

/** How QEMU ended when tracepipe did not stop it, in the words of both the summary and the
 * error line; undefined when it exited 0 (the firmware's own semihosting exit) or was stopped. */
export function qemuEnd(q: QemuExit | undefined): string | undefined {
  if (!q || q.killed) return undefined;
  if (q.signal !== null) return `QEMU killed by ${q.signal}`;
  if (q.code !== 0 && q.code !== null) return `QEMU exited with status ${q.code}`;
  return undefined;
}

/** The error a live capture ended with (a read error, or QEMU that died), or undefined when it
 * ended as asked; either way the capture file holds everything received. */
export function liveFailure(s: LiveSummary): CliError | undefined {
  const kept = `(capture ${s.output} holds everything received)`;
  if (s.live.error) return new CliError(`${s.live.error.message} ${kept}`);
  const end = qemuEnd(s.qemuExit);
  if (end !== undefined) return new CliError(`${end}${s.qemuFatal ? ` (${s.qemuFatal})` : ''} ${kept}`);
  return undefined;
}

/** Why the capture stopped. A target that went away is called "firmware exited" only when
 * QEMU says so (status 0); a QEMU that died or failed is named as such, as its error line is. */
export function stopReason(s: LiveSummary): string {
  return (s.live.reason === 'target-exit' && qemuEnd(s.qemuExit)) || REASONS[s.live.reason];
}

/** The summary lines printed on stdout at the end of a live capture. */
export function summaryLines(s: LiveSummary): string[] {
  const lines: string[] = [];
  const l = s.live;
  lines.push(
    `capture: ${s.output} (${l.bytes} bytes in ${l.seconds.toFixed(1)} s; stopped: ${stopReason(s)}` +
      (l.reconnects ? `; ${l.reconnects} reconnects` : '') +
      ')',
  );
  if (s.header) {
    lines.push(
      `target: ${s.header.cores} core(s), ${s.header.mode} mode, timer ${s.header.timerHz} Hz/${s.header.timerBits} bit` +
        (s.header.buildId ? `, build-id ${s.header.buildId}` : ''),
    );
  }
  if (s.stats.length > 0) lines.push(...statsTable(s.stats));
  else lines.push('no trace data decoded');
  if (s.notices.size > 0) {
    const parts = [...s.notices.entries()].map(([code, n]) => `${code} ${n}`);
    lines.push(`frames discarded: ${parts.join(', ')} (see 'tracepipe decode ${s.output}')`);
  }
  if (s.groundTruth.length > 0) {
    const cmp = compareGroundTruth(s.groundTruth, s.stats);
    lines.push(...cmp.lines.map((x) => `ground truth ${x}`));
  }
  return lines;
}
