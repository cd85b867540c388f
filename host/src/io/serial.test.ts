// writeAll and closePort settle even when the binding never calls back: a pty whose other side
// went away can leave a write pending with nothing else keeping the event loop alive, and Node
// then ended `dump` with status 0 before its summary (seen under load in test/live/follow).
import { describe, expect, it } from 'vitest';
import { closePort, type SerialPort, writeAll } from './serial.js';

/** A port whose binding takes the call and never answers. */
const silentPort = (): SerialPort =>
  ({
    isOpen: true,
    write: () => true,
    drain: () => undefined,
    close: () => undefined,
  }) as unknown as SerialPort;

/** A port that answers at once, as a live link does. */
const livePort = (): SerialPort =>
  ({
    isOpen: true,
    write: (_b: Buffer, cb: (err?: Error | null) => void) => (cb(null), true),
    drain: (cb: (err?: Error | null) => void) => cb(null),
    close: (cb: (err?: Error | null) => void) => cb(null),
  }) as unknown as SerialPort;

describe('serial port waits are bounded', () => {
  it('a write the binding never finishes is an error after PORT_WAIT_MS; a close is given up as done', async () => {
    await expect(writeAll(silentPort(), Buffer.from([1, 2, 3]))).rejects.toThrow(/did not take 3 byte\(s\) within 2 s/);
    await expect(closePort(silentPort())).resolves.toBeUndefined();
  }, 10_000);

  it('a live port settles at once, and its errors come through', async () => {
    await expect(writeAll(livePort(), Buffer.from([1]))).resolves.toBeUndefined();
    await expect(closePort(livePort())).resolves.toBeUndefined();
    const failing = { ...livePort(), write: (_b: Buffer, cb: (err?: Error | null) => void) => (cb(new Error('EIO')), false) } as unknown as SerialPort;
    await expect(writeAll(failing, Buffer.from([1]))).rejects.toThrow('EIO');
  });
});
