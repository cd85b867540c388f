// A live capture from an open serial port (a board or a QEMU pty) into a capture file.
//
// Every chunk read is appended to the file before anything else looks at it, so the file holds
// the stream as received whatever happens later. The session sends CMD_START once the port is
// open (nothing is lost at start-up: the target does not transmit before it), and on a requested
// stop sends CMD_FLUSH and waits briefly for every core's FINAL status so the books close.
import { existsSync } from 'node:fs';
import { commandFrame, type CommandName } from './commands.js';
import type { CaptureWriter } from './capture-writer.js';
import { closePort, writeAll, type SerialPort } from './serial.js';

/** What the session feeds and asks while it runs (the CLI wires a decoder behind it). */
export interface LiveObserver {
  /** bytes as received, after they are on disk */
  bytes(chunk: Uint8Array, hostNs: bigint): void;
  /** the link broke: bytes after this do not continue the bytes before */
  linkBroken?(): void;
  /** CMD_FLUSH was just sent */
  flushSent?(): void;
  /** every core has sent a FINAL status since flushSent() */
  flushComplete?(): boolean;
  /** every core has sent a FINAL status (the target flushed on its own, e.g. before exiting) */
  allFinal?(): boolean;
  /** the target's HEADER says NO_FLUSH (SPEC §8.1): CMD_FLUSH would bring no FINAL status */
  noFlush?(): boolean;
  /** one status line for a TTY */
  statusLine?(elapsedS: number): string;
}

export type StopReason = 'duration' | 'interrupt' | 'target-exit' | 'disconnect' | 'error';

export interface LiveOptions {
  port: SerialPort;
  writer: CaptureWriter;
  observer: LiveObserver;
  /** stop after this many seconds of target output: counted from the first byte received after
   * CMD_START (QEMU notices a pty reader only up to ~1 s after it opened), or from CMD_START
   * plus DURATION_GRACE_MS when the target stays silent */
  durationS?: number;
  /** reopen the port when it comes back after a disconnect */
  reopen?: () => Promise<SerialPort>;
  /** the port's path: polled to notice that it went away, and to reconnect when it comes back */
  portPath?: string;
  /** after the flush on a requested stop: make the link end (e.g. stop QEMU). Default: close the port. */
  endLink?: () => Promise<void>;
  /** resolves when the target is gone for good (QEMU exited) */
  targetGone?: Promise<unknown>;
  /** status output (stderr); the status line is drawn only when it is a TTY */
  status?: NodeJS.WriteStream;
  /** ms to wait for FINAL statuses after CMD_FLUSH */
  flushWaitMs?: number;
  /** Answer a target that flushed on its own (FINAL status from every core) with CMD_STOP: the
   * host has everything. Apps that exit after their flush wait for it, because a QEMU that exits
   * closes its pty and Linux discards what the host had not read yet. */
  ackFinal?: boolean;
  /** install SIGINT/SIGTERM handlers for a graceful stop (the CLI does; tests may not) */
  handleSignals?: boolean;
  /** aborting it stops the capture as SIGINT does (the live view's `q`, whose raw-mode terminal
   * sends no SIGINT) */
  stop?: AbortSignal;
  /**
   * Read at most this many bytes per second (an emulated UART at its baud rate): the port is
   * paused whenever the reads run ahead, so the pty fills and the emulator's UART holds the
   * guest's next byte, as a real UART at that rate would. Until a stop is requested.
   */
  paceBytesPerS?: number;
}

/** Bytes per second of an 8N1 UART: a start bit, 8 data bits and a stop bit per byte. */
export function uartBytesPerS(baud: number): number {
  return baud / 10;
}

/** The read size for a paced link: about 20 ms of bytes, so the pauses stay short. */
export function pacedReadSize(bytesPerS: number): number {
  return Math.max(16, Math.min(1 << 16, Math.round(bytesPerS / 50)));
}

export interface LiveResult {
  reason: StopReason;
  bytes: number;
  seconds: number;
  disconnects: number;
  reconnects: number;
  /** false when a FINAL status was still missing for some core after the flush wait */
  flushed: boolean | undefined;
  /** the target's HEADER said NO_FLUSH: no CMD_FLUSH was sent at the end (SPEC §8.1) */
  noFlush?: boolean;
  /** an error that ended the capture early (the file is still valid) */
  error?: Error;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Longest wait for a target's first byte that a --duration allows on top of its seconds. */
export const DURATION_GRACE_MS = 2000;

export async function runLive(opts: LiveOptions): Promise<LiveResult> {
  const { writer, observer } = opts;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let port: SerialPort | undefined = opts.port;
  let reason: StopReason | undefined;
  let error: Error | undefined;
  let disconnects = 0;
  let reconnects = 0;
  let flushed: boolean | undefined;
  let noFlush = false;
  let bytes = 0;
  let stopRequested = false;
  let hardStop = false;
  let targetGone = false;

  let wake: () => void = () => {};
  const wakeUp = () => wake();
  const waitWake = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const requestStop = (why: StopReason) => {
    if (stopRequested) {
      hardStop = true;
    } else {
      stopRequested = true;
      reason ??= why;
    }
    wakeUp();
  };

  const fail = (err: Error) => {
    error ??= err;
    reason ??= 'error';
    stopRequested = true;
    hardStop = true;
    wakeUp();
  };

  const send = async (name: CommandName) => {
    if (!port?.isOpen) return;
    try {
      await writeAll(port, commandFrame(name));
      writer.event({ kind: 'command', name });
    } catch {
      // the link is going away; the close handler records it
    }
  };

  // ---- attach a port: data goes to disk first, then to the observer
  let portClosed: Promise<void> = Promise.resolve();
  const attach = (p: SerialPort) => {
    portClosed = new Promise<void>((resolve) => {
      p.on('data', (chunk: Buffer) => {
        if (!writer.isOpen) return;
        let hostNs: bigint;
        try {
          hostNs = writer.data(chunk);
        } catch (err) {
          fail(err as Error);
          return;
        }
        bytes += chunk.length;
        lastDataAt = Date.now();
        startDuration();
        try {
          observer.bytes(chunk, hostNs);
        } catch (err) {
          fail(new Error(`decoder failed: ${(err as Error).message}`));
        }
        pace(p, chunk.length);
        if (observer.flushComplete && flushWaiting && observer.flushComplete()) wakeUp();
        if (opts.ackFinal && !acked && !flushWaiting && observer.allFinal?.()) {
          acked = true;
          void send('CMD_STOP');
        }
      });
      // Read errors (EIO when QEMU exits, ENXIO on unplug) end in 'close'; keep 'error' quiet.
      p.on('error', () => {});
      p.on('close', () => {
        resolve();
        wakeUp();
      });
    });
  };
  let flushWaiting = false;
  let acked = false;
  // ---- pacing: the bytes read so far may not run ahead of the rate since the first one
  let pacedBytes = 0;
  let paceStart = 0;
  let paceTimer: NodeJS.Timeout | undefined;
  const pace = (p: SerialPort, n: number) => {
    const rate = opts.paceBytesPerS;
    if (!rate || stopRequested) return;
    if (pacedBytes === 0) paceStart = Date.now();
    pacedBytes += n;
    const aheadMs = paceStart + (pacedBytes / rate) * 1000 - Date.now();
    if (aheadMs < 1 || paceTimer) return;
    p.pause();
    paceTimer = setTimeout(() => {
      paceTimer = undefined;
      if (p.isOpen) p.resume();
    }, aheadMs);
  };
  const stopPacing = (p: SerialPort | undefined) => {
    if (paceTimer) clearTimeout(paceTimer);
    paceTimer = undefined;
    // the flush and the drain read what is left at full speed
    if (p?.isOpen && p.isPaused()) p.resume();
  };
  let lastDataAt = Date.now();
  // declared before attach(): the data handler starts the duration (see startDuration)
  let durationTimer: NodeJS.Timeout | undefined;
  let durationStarted = false;
  let durationArmed = false;

  attach(port);
  writer.event({ kind: 'open' });
  await send('CMD_START');

  const onSignal = () => requestStop('interrupt');
  if (opts.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  if (opts.stop?.aborted) onSignal();
  opts.stop?.addEventListener('abort', onSignal);
  // The duration runs from the first byte, which proves the target got CMD_START; a silent
  // target still stops, DURATION_GRACE_MS later than asked.
  function startDuration(): void {
    if (durationStarted || !durationArmed || opts.durationS === undefined) return;
    durationStarted = true;
    clearTimeout(durationTimer);
    durationTimer = setTimeout(() => requestStop('duration'), opts.durationS * 1000);
  }
  if (opts.durationS !== undefined) {
    durationArmed = true;
    durationTimer = setTimeout(() => requestStop('duration'), opts.durationS * 1000 + DURATION_GRACE_MS);
    if (bytes > 0) startDuration();
  }
  void opts.targetGone?.then(() => {
    targetGone = true;
    wakeUp();
  });

  const tty = opts.status?.isTTY === true && observer.statusLine !== undefined;
  let lastDraw = 0;
  const draw = (final = false) => {
    if (!tty || !opts.status) return;
    if (final) {
      opts.status.write('\r\x1b[K');
      return;
    }
    opts.status.write(`\r\x1b[K${observer.statusLine!(elapsed())}`);
  };

  try {
    // ---- main loop: runs until a stop is requested or the link is gone for good
    for (;;) {
      if (tty && Date.now() - lastDraw >= 500) {
        lastDraw = Date.now();
        draw();
      }
      if (stopRequested) break;
      if (port?.isOpen && opts.portPath && !existsSync(opts.portPath)) {
        // The device node is gone (USB unplug, or the pty of a QEMU that exited: its reads
        // then return 0 forever and the port never reports the loss itself).
        await drainUntilQuiet(port);
        if (port.isOpen) await closePort(port);
        continue;
      }
      if (targetGone && port?.isOpen) {
        // QEMU has exited. Its pty may never report the hang-up (Linux pty reads then return 0,
        // which the binding retries forever), so read what is left until the line is quiet,
        // then close the port ourselves.
        await drainUntilQuiet(port);
        if (port.isOpen) await closePort(port);
        continue;
      }
      if (!port?.isOpen) {
        // the link went away; when QEMU is behind it, its exit is what closed the pty
        if (opts.targetGone && !targetGone) await Promise.race([opts.targetGone, sleep(2000)]);
        disconnects++;
        writer.event({ kind: 'disconnect', message: targetGone ? 'target exited' : 'port closed' });
        observer.linkBroken?.();
        if (!opts.reopen || targetGone) {
          reason ??= targetGone ? 'target-exit' : 'disconnect';
          port = undefined;
          break;
        }
        port = undefined;
        const reopened = await reconnectLoop();
        if (!reopened) break;
        port = reopened;
        reconnects++;
        // the target behind the port may be a new one (a reset) that flushes and waits again
        acked = false;
        attach(port);
        writer.event({ kind: 'reconnect' });
        await send('CMD_START');
        continue;
      }
      await waitWake(500);
    }

    stopPacing(port);
    // ---- orderly end: ask the target to flush, wait for the FINAL statuses, end the link
    if (port?.isOpen && !hardStop && reason !== 'error' && observer.noFlush?.()) {
      // SPEC §8.1: no FINAL comes on request; the books are closed only if the target flushed
      // on its own. Stop it transmitting, as after a flush.
      flushed = observer.allFinal?.() ?? false;
      noFlush = true;
      await send('CMD_STOP');
      await drainUntilQuiet(port, 150, 1500);
    } else if (port?.isOpen && !hardStop && reason !== 'error') {
      flushWaiting = true;
      observer.flushSent?.();
      await send('CMD_FLUSH');
      const deadline = Date.now() + (opts.flushWaitMs ?? 3000);
      while (port.isOpen && !hardStop && Date.now() < deadline) {
        if (observer.flushComplete?.()) break;
        await waitWake(Math.max(1, Math.min(200, deadline - Date.now())));
      }
      flushed = observer.flushComplete ? observer.flushComplete() : undefined;
      flushWaiting = false;
      // Stop the target transmitting: it finishes the frame in progress and sends nothing more,
      // so the capture ends on a frame boundary instead of wherever the link was cut.
      if (port.isOpen && !hardStop) {
        await send('CMD_STOP');
        await drainUntilQuiet(port, 150, 1500);
      }
    }
    if (opts.endLink) {
      await opts.endLink();
      // After QEMU exits the pty still holds its last bytes: read them before closing.
      if (port?.isOpen) await drainUntilQuiet(port);
    }
    if (port?.isOpen) await closePort(port);
  } catch (err) {
    error ??= err as Error;
    reason ??= 'error';
    if (port?.isOpen) await closePort(port);
  } finally {
    stopPacing(port);
    if (durationTimer) clearTimeout(durationTimer);
    if (opts.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    opts.stop?.removeEventListener('abort', onSignal);
    draw(true);
  }

  return { reason: reason ?? 'disconnect', bytes, seconds: elapsed(), disconnects, reconnects, flushed, noFlush, error };

  /** Waits until nothing arrived for quietMs (or maxMs passed, or the port closed). */
  async function drainUntilQuiet(p: SerialPort, quietMs = 300, maxMs = 3000): Promise<void> {
    const deadline = Date.now() + maxMs;
    lastDataAt = Math.max(lastDataAt, Date.now());
    while (p.isOpen && Date.now() < deadline && Date.now() - lastDataAt < quietMs) {
      await Promise.race([portClosed, sleep(50)]);
    }
  }

  async function reconnectLoop(): Promise<SerialPort | undefined> {
    opts.status?.write(`tracepipe: link lost; waiting for ${opts.portPath ?? 'the port'} to come back (Ctrl-C stops)\n`);
    while (!stopRequested) {
      if (!opts.portPath || existsSync(opts.portPath)) {
        try {
          const p = await opts.reopen!();
          opts.status?.write(`tracepipe: reconnected to ${opts.portPath ?? 'the port'}\n`);
          return p;
        } catch {
          // not ready yet (busy, half-enumerated): try again
        }
      }
      await waitWake(250);
    }
    return undefined;
  }
}
