// Runs a firmware ELF under QEMU with UART0 on a pty. QEMU announces the pty on its stdout;
// semihosting console output (the firmware's ground truth and messages) arrives on its stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, openSync, type WriteStream } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

export const QEMU_BINARY = process.env.TRACEPIPE_QEMU ?? 'qemu-system-arm';

export interface QemuOptions {
  machine: string;
  elf: string;
  /** extra arguments (board.json qemu.args, -icount ...) */
  extraArgs?: string[];
  /** semihosting output is copied here as it arrives */
  semihostLog?: string;
  /** called for each complete semihosting line */
  onLine?: (line: string) => void;
  /** how long to wait for the pty announcement, ms */
  startTimeoutMs?: number;
}

export interface QemuExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when stop() asked for it */
  killed: boolean;
}

export interface QemuInstance {
  ptyPath: string;
  pid: number;
  args: string[];
  /** resolves when QEMU has exited and its output is flushed to the log */
  exited: Promise<QemuExit>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited */
  stop(graceMs?: number): Promise<QemuExit>;
}

const PTY_LINE = /char device redirected to (\/dev\/[^\s]+)/;

export function qemuArgs(machine: string, elf: string, extra: string[] = []): string[] {
  return [
    '-M', machine,
    '-display', 'none',
    '-monitor', 'none',
    '-serial', 'pty',
    '-semihosting-config', 'enable=on,target=native',
    ...extra,
    '-kernel', elf,
  ];
}

export function startQemu(opts: QemuOptions): Promise<QemuInstance> {
  if (!existsSync(opts.elf)) return Promise.reject(new Error(`firmware file ${opts.elf} not found`));
  const args = qemuArgs(opts.machine, opts.elf, opts.extraArgs);
  let logFd: number | undefined;
  if (opts.semihostLog) {
    try {
      logFd = openSync(opts.semihostLog, 'w');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'EACCES' ? 'permission denied' : e.message;
      return Promise.reject(new Error(`cannot create semihosting log ${opts.semihostLog}: ${why}`));
    }
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // Own process group: a Ctrl-C at the terminal reaches only tracepipe, which then flushes
      // the target before stopping QEMU. The exit hook below makes sure QEMU never outlives us.
      child = spawn(QEMU_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      reject(new Error(`cannot start ${QEMU_BINARY}: ${(err as Error).message}`));
      return;
    }
    // A lower priority than tracepipe's: when the machine is busy, the reader of the pty gets the
    // CPU first. QEMU discards nothing while it waits, but when it exits, Linux drops what the
    // reader had not yet read from the pty.
    try {
      if (child.pid !== undefined) setPriority(child.pid, Math.min(19, getPriority() + 5));
    } catch {
      // not permitted: run at the same priority
    }
    let log: WriteStream | undefined;
    if (logFd !== undefined) log = createWriteStream('', { fd: logFd });
    let stdoutText = '';
    let stderrTail = '';
    let lineBuf = '';
    let announced = false;
    let stopping = false;
    let exitInfo: QemuExit | undefined;
    const killOnExit = () => {
      if (exitInfo === undefined) child.kill('SIGKILL');
    };
    process.on('exit', killOnExit);

    const onStderr = (chunk: Buffer) => {
      log?.write(chunk);
      const text = chunk.toString('utf8');
      stderrTail = (stderrTail + text).slice(-2000);
      lineBuf += text;
      let nl: number;
      while ((nl = lineBuf.indexOf('\n')) >= 0) {
        const line = lineBuf.slice(0, nl).replace(/\r$/, '');
        lineBuf = lineBuf.slice(nl + 1);
        opts.onLine?.(line);
      }
    };
    child.stderr!.on('data', onStderr);

    const exited = new Promise<QemuExit>((resolveExit) => {
      // 'close' (not 'exit'): every byte of stdout/stderr has been read by then.
      child.on('close', (code, signal) => {
        process.off('exit', killOnExit);
        if (lineBuf.length > 0) {
          opts.onLine?.(lineBuf.replace(/\r$/, ''));
          lineBuf = '';
        }
        exitInfo = { code, signal, killed: stopping };
        const done = () => resolveExit(exitInfo!);
        if (log) log.end(done);
        else done();
      });
    });

    const timer = setTimeout(() => {
      if (announced) return;
      child.kill('SIGKILL');
      reject(new Error(`QEMU did not announce its pty within ${(opts.startTimeoutMs ?? 10000) / 1000} s`));
    }, opts.startTimeoutMs ?? 10000);

    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (announced) return;
      reject(
        new Error(
          err.code === 'ENOENT'
            ? `${QEMU_BINARY} not found (install the Debian package qemu-system-arm)`
            : `cannot start ${QEMU_BINARY}: ${err.message}`,
        ),
      );
    });

    child.stdout!.on('data', (chunk: Buffer) => {
      if (announced) return;
      stdoutText += chunk.toString('utf8');
      const m = PTY_LINE.exec(stdoutText);
      if (!m) return;
      announced = true;
      clearTimeout(timer);
      const instance: QemuInstance = {
        ptyPath: m[1],
        pid: child.pid!,
        args,
        exited,
        hasExited: () => exitInfo !== undefined,
        stop(graceMs = 2000) {
          if (exitInfo === undefined && !stopping) {
            stopping = true;
            child.kill('SIGTERM');
            const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
            void exited.then(() => clearTimeout(hard));
          }
          return exited;
        },
      };
      resolve(instance);
    });

    void exited.then((info) => {
      if (announced) return;
      clearTimeout(timer);
      const why = stderrTail.trim().split('\n').filter(Boolean).pop() ?? '';
      reject(
        new Error(
          `QEMU exited (status ${info.code ?? info.signal}) before opening its pty${why ? `: ${why}` : ''}`,
        ),
      );
    });
  });
}
