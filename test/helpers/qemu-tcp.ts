// Shared by the tests that put QEMU's UART on a TCP chardev and a socat pty (or the fault proxy)
// in front of it: a free local port, a polling wait, and the QEMU process itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { qemuCommand } from '../../host/src/io/emulator.js';
import { dieWithParent } from '../../host/src/io/qemu.js';
import { elf, emulatorOf } from '../e2e/helpers.js';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Polls cond every 25 ms; rejects with 'timed out' after ms. */
export async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface TcpTarget {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything the firmware printed on the semihosting console so far. */
  semihost(): string;
}

/** QEMU running an app of the test board, UART0 on a TCP server chardev at port: it waits for
 * the first client, and keeps running when a client goes away. The caller kills child when done. */
export function qemuTcp(app: string, port: number): TcpTarget {
  const err: Buffer[] = [];
  const q = qemuCommand(emulatorOf(), elf(app), { uart: { kind: 'tcp-server', host: '127.0.0.1', port } });
  const cmd = dieWithParent(q.file, q.args); // a killed test runner takes its QEMUs with it
  const child = spawn(cmd.file, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, semihost: () => Buffer.concat(err).toString() };
}
