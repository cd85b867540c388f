// Runs a firmware ELF under QEMU with UART0 on a pty. QEMU announces the pty on its stdout;
// semihosting console output (the firmware's ground truth and messages) arrives on its stderr.
// The command line comes from emulator.ts (board.json); this file owns the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, openSync, type WriteStream } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { getPriority, setPriority } from 'node:os';
import { CliError } from '../errors.js';
import { QEMU_BINARY, qemuCommand, type QemuEmulator } from './emulator.js';

export { QEMU_BINARY };

export interface QemuOptions {
  /** the board's emulator entry (emulator.ts qemuBoard) */
  emulator: QemuEmulator;
  elf: string;
  /** per-run arguments on top of the board's (-icount ...) */
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
  /** QEMU's own arguments (without the watchdog in front) */
  args: string[];
  /** whether QEMU gets SIGKILL when tracepipe dies, even by SIGKILL */
  diesWithParent: boolean;
  /** resolves when QEMU has exited and its output is flushed to the log */
  exited: Promise<QemuExit>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it has exited */
  stop(graceMs?: number): Promise<QemuExit>;
}

const PTY_LINE = /char device redirected to (\/dev\/[^\s]+)/;

/** An executable by name on $PATH (or a path as given), undefined when there is none. */
export function findExecutable(file: string): string | undefined {
  const candidates = file.includes('/') ? [file] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, file));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The argv that starts QEMU so that it cannot outlive tracepipe. A handler in tracepipe
 * (process 'exit') cannot run after SIGKILL, and QEMU reads neither its stdin nor the pty's
 * hang-up as a reason to exit (the pty master is QEMU's own). The kernel's parent-death signal
 * can: setpriv (util-linux, on every Linux with a shell) sets PR_SET_PDEATHSIG to SIGKILL and
 * then execs QEMU in the same process, so the pid, the exit status and the signal that ends it
 * are QEMU's own. Without setpriv (not Linux) QEMU is started directly and only the exit hook
 * guards it.
 */
export function dieWithParent(file: string, args: string[]): { file: string; args: string[]; watched: boolean } {
  const setpriv = process.platform === 'linux' ? findExecutable('setpriv') : undefined;
  if (!setpriv) return { file, args, watched: false };
  return { file: setpriv, args: ['--pdeathsig', 'KILL', '--', file, ...args], watched: true };
}

/** What a started emulator process gives its instance: its exit, and how to end it. */
export type EmulatorExit = Pick<QemuInstance, 'exited' | 'hasExited' | 'stop'>;

/**
 * The exit bookkeeping QEMU and the rp2040js runner (rp2040/rp2040.ts) share. The child gets
 * SIGKILL if tracepipe exits first. `exited` resolves on 'close', not 'exit', so every byte of
 * its stdout/stderr has been read: `flush` hands on what is left of a partial line, then the
 * log is closed. stop() sends SIGTERM, then SIGKILL after graceMs.
 */
export function trackEmulatorExit(child: ChildProcess, flush: () => void, log: WriteStream | undefined): EmulatorExit {
  let exitInfo: QemuExit | undefined;
  let stopping = false;
  const killOnExit = () => {
    if (exitInfo === undefined) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const exited = new Promise<QemuExit>((resolveExit) => {
    child.on('close', (code, signal) => {
      process.off('exit', killOnExit);
      flush();
      exitInfo = { code, signal, killed: stopping };
      const done = () => resolveExit(exitInfo!);
      if (log) log.end(done);
      else done();
    });
  });
  return {
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
}

/** Calls onPty once, with the first capture of `re` in the child's stdout: the pty it announces.
 * Later output is read and dropped, so the child never blocks on a full pipe. */
export function onPtyAnnounced(stdout: Readable, re: RegExp, onPty: (ptyPath: string) => void): void {
  let text = '';
  let seen = false;
  stdout.on('data', (chunk: Buffer) => {
    if (seen) return;
    text += chunk.toString('utf8');
    const m = re.exec(text);
    if (!m) return;
    seen = true;
    onPty(m[1]);
  });
}

export function startQemu(opts: QemuOptions): Promise<QemuInstance> {
  if (!existsSync(opts.elf)) return Promise.reject(new CliError(`firmware file ${opts.elf} not found`));
  const cmd = qemuCommand(opts.emulator, opts.elf, { uart: { kind: 'pty' }, extra: opts.extraArgs });
  const args = cmd.args;
  // setpriv would report a missing QEMU only as its own exit status 127: look first.
  const binary = findExecutable(cmd.file);
  if (binary === undefined) return Promise.reject(new CliError(`${cmd.file} not found (install the Debian package qemu-system-arm)`));
  const launch = dieWithParent(binary, args);
  let logFd: number | undefined;
  if (opts.semihostLog) {
    try {
      logFd = openSync(opts.semihostLog, 'w');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'EACCES' ? 'permission denied' : e.message;
      return Promise.reject(new CliError(`cannot create semihosting log ${opts.semihostLog}: ${why}`));
    }
  }
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      // Own process group: a Ctrl-C at the terminal reaches only tracepipe, which then flushes
      // the target before stopping QEMU. The exit hook below makes sure QEMU never outlives us.
      child = spawn(launch.file, launch.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (err) {
      reject(new CliError(`cannot start ${QEMU_BINARY}: ${(err as Error).message}`));
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
    let stderrTail = '';
    let lineBuf = '';
    let announced = false;
    const proc = trackEmulatorExit(
      child,
      () => {
        if (lineBuf.length > 0) {
          opts.onLine?.(lineBuf.replace(/\r$/, ''));
          lineBuf = '';
        }
      },
      log,
    );
    const exited = proc.exited;

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

    const timer = setTimeout(() => {
      if (announced) return;
      child.kill('SIGKILL');
      reject(new CliError(`QEMU did not announce its pty within ${(opts.startTimeoutMs ?? 10000) / 1000} s`));
    }, opts.startTimeoutMs ?? 10000);

    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (announced) return;
      reject(
        new CliError(
          err.code === 'ENOENT'
            ? `${QEMU_BINARY} not found (install the Debian package qemu-system-arm)`
            : `cannot start ${QEMU_BINARY}: ${err.message}`,
        ),
      );
    });

    onPtyAnnounced(child.stdout!, PTY_LINE, (ptyPath) => {
      announced = true;
      clearTimeout(timer);
      resolve({ ptyPath, pid: child.pid!, args, diesWithParent: launch.watched, ...proc });
    });

    void exited.then((info) => {
      if (announced) return;
      clearTimeout(timer);
      const why = stderrTail.trim().split('\n').filter(Boolean).pop() ?? '';
      reject(
        new CliError(
          `QEMU exited (status ${info.code ?? info.signal}) before opening its pty${why ? `: ${why}` : ''}`,
        ),
      );
    });
  });
}
