// Serial ports through @serialport/stream and the real OS binding (@serialport/bindings-cpp).
// A QEMU pty and a USB-CDC board take the same path.
import { existsSync } from 'node:fs';
import type { SerialPortStream } from '@serialport/stream';

export const DEFAULT_BAUD = 115200;

type Binding = ReturnType<(typeof import('@serialport/bindings-cpp'))['autoDetect']>;
let binding: Promise<Binding> | undefined;

/**
 * The OS binding, loaded on first use (and @serialport/stream with it, in openSerialPort):
 * requiring them at start-up cost every command, `stats` and `decode` included, about a
 * third of its start-up time.
 */
export function serialBinding(): Promise<Binding> {
  return (binding ??= import('@serialport/bindings-cpp').then((m) => m.autoDetect()));
}

export type SerialPort = SerialPortStream;

/** How long a busy port is retried before it is reported busy. A pty's lock can outlive the
 * process that held it for a moment (a previous capture still closing); a real owner keeps it. */
const BUSY_RETRY_MS = 3000;

/** Opens a port, exclusively (the binding takes a lock), in raw mode. Errors are turned into
 * one sentence naming the port: missing, busy, or not permitted. highWaterMark: the most bytes
 * one read returns (a paced link reads little at a time). */
export async function openSerialPort(path: string, baudRate = DEFAULT_BAUD, highWaterMark = 1 << 16): Promise<SerialPort> {
  const [{ SerialPortStream: Stream }, binding] = await Promise.all([import('@serialport/stream'), serialBinding()]);
  const deadline = Date.now() + BUSY_RETRY_MS;
  for (;;) {
    try {
      return await openOnce(Stream, binding, path, baudRate, highWaterMark);
    } catch (err) {
      const busy = /is busy/.test((err as Error).message);
      if (!busy || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function openOnce(
  Stream: typeof SerialPortStream,
  binding: Binding,
  path: string,
  baudRate: number,
  highWaterMark: number,
): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    if (!existsSync(path)) {
      reject(new Error(`serial port ${path} not found`));
      return;
    }
    let port: SerialPortStream;
    try {
      port = new Stream({ binding, path, baudRate, autoOpen: false, highWaterMark });
    } catch (err) {
      reject(new Error(`cannot open serial port ${path}: ${(err as Error).message}`));
      return;
    }
    port.open((err) => {
      if (err) reject(new Error(describeOpenError(path, err)));
      else resolve(port);
    });
  });
}

function describeOpenError(path: string, err: Error): string {
  const text = err.message;
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|busy/i.test(text)) {
    return `serial port ${path} is busy (another program has it open)`;
  }
  if (/ENOENT|No such file/i.test(text)) return `serial port ${path} not found`;
  if (/EACCES|Permission denied/i.test(text)) {
    return `no permission to open serial port ${path} (on Linux, join the 'dialout' group)`;
  }
  if (/ENOTTY|Inappropriate ioctl/i.test(text)) return `${path} is not a serial port`;
  if (/EISDIR|Is a directory/i.test(text)) return `${path} is a folder, not a serial port`;
  return `cannot open serial port ${path}: ${text.replace(/^Error:?\s*/, '')}`;
}

/**
 * How long a write or a close may wait for the binding. A port whose other side went away (an
 * emulator's pty closed by an app that exits on CMD_STOP) can leave the callback pending for
 * ever with nothing left to keep the event loop alive: Node then ends the process with status 0
 * in the middle of a command, its summary never printed. A timer of our own keeps the process
 * alive and settles the wait. Commands are a few bytes, taken at once by any live link.
 */
export const PORT_WAIT_MS = 2000;

/** Settles like `op`, or after PORT_WAIT_MS as `late` says, whichever comes first. */
function bounded(op: (done: (err?: Error | null) => void) => void, late: () => Error | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(late()), PORT_WAIT_MS);
    op(finish);
  });
}

/** Writes and waits until the OS has taken the bytes; an error if that takes PORT_WAIT_MS. */
export function writeAll(port: SerialPort, bytes: Buffer): Promise<void> {
  return bounded(
    (done) => port.write(bytes, (err) => (err ? done(err) : port.drain((derr) => done(derr)))),
    () => new Error(`the port did not take ${bytes.length} byte(s) within ${PORT_WAIT_MS / 1000} s (the link went away?)`),
  );
}

/** Closes the port; after PORT_WAIT_MS it is given up as closed (nothing more is read from it). */
export function closePort(port: SerialPort): Promise<void> {
  if (!port.isOpen) return Promise.resolve();
  return bounded(
    (done) => port.close(() => done()),
    () => undefined,
  );
}
