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

/** Writes and waits until the OS has taken the bytes. */
export function writeAll(port: SerialPort, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(bytes, (err) => {
      if (err) {
        reject(err);
        return;
      }
      port.drain((derr) => (derr ? reject(derr) : resolve()));
    });
  });
}

export function closePort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    port.close(() => resolve());
  });
}
