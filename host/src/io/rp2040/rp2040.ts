// Starts the rp2040js runner (runner-main.ts, bundled as dist/rp2040-runner.cjs) as a child
// process, the way qemu.ts starts QEMU: the trace link is a pty it announces, and the console
// lines (ground truth, `exit N`) arrive on its stderr. The result has QEMU's instance shape, so
// `tracepipe run` drives either emulator the same way.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { dieWithParent, onPtyAnnounced, trackEmulatorExit, type QemuInstance } from '../qemu.js';
import { findRepoRoot } from '../repo.js';

const ANNOUNCE = /^rp2040js: link pty (\S+)$/m;

export interface Rp2040Options {
  elf: string;
  /** TIMER count at reset, µs (wrap tests) */
  timerPresetUs?: number;
  /** keep only M ms of simulated time around each TIMERAWL wrap (wrap tests) */
  wrapEveryMs?: number;
  /** the console (UART1) and rp2040js's messages are copied to this file as they arrive */
  consoleLog?: string;
  /** called for each console line of the firmware, and each rp2040js message */
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
}

export function runnerPath(): string {
  return join(findRepoRoot(), 'dist', 'rp2040-runner.cjs');
}

export function startRp2040(opts: Rp2040Options): Promise<QemuInstance> {
  const runner = runnerPath();
  if (!existsSync(runner)) return Promise.reject(new Error(`${runner} is missing: run 'npm run build'`));
  if (!existsSync(opts.elf)) return Promise.reject(new Error(`firmware file ${opts.elf} not found`));
  const args = [runner, opts.elf];
  if (opts.timerPresetUs !== undefined) args.push('--timer-preset-us', String(opts.timerPresetUs));
  if (opts.wrapEveryMs !== undefined) args.push('--wrap-every-ms', String(opts.wrapEveryMs));
  let log: WriteStream | undefined;
  if (opts.consoleLog) {
    try {
      log = createWriteStream('', { fd: openSync(opts.consoleLog, 'w') });
    } catch (err) {
      return Promise.reject(new Error(`cannot create console log ${opts.consoleLog}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
    }
  }
  return new Promise((resolve, reject) => {
    // As for QEMU: SIGKILL when tracepipe dies (socat then sees its stdin close and exits too).
    const launch = dieWithParent(process.execPath, args);
    const child = spawn(launch.file, launch.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let announced = false;
    let lineBuf = '';
    let lastLine = '';
    const early: string[] = [];
    const proc = trackEmulatorExit(
      child,
      () => {
        if (lineBuf.length > 0 && announced) opts.onLine?.(lineBuf);
      },
      log,
    );
    const exited = proc.exited;
    child.stderr.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      lineBuf += chunk.toString('utf8');
      let nl: number;
      while ((nl = lineBuf.indexOf('\n')) >= 0) {
        const line = lineBuf.slice(0, nl);
        lineBuf = lineBuf.slice(nl + 1);
        if (line.trim() !== '') lastLine = line;
        // Before the pty is up a line can only be the runner's reason for failing to start:
        // it goes into the one error message, not to the console as well.
        if (announced) opts.onLine?.(line);
        else early.push(line);
      }
    });
    const timeoutMs = opts.startTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      if (announced) return;
      child.kill('SIGKILL');
      reject(new Error(`the rp2040js runner did not open its pty within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      if (!announced) reject(new Error(`cannot start the rp2040js runner: ${err.message}`));
    });
    onPtyAnnounced(child.stdout, ANNOUNCE, (ptyPath) => {
      announced = true;
      clearTimeout(timer);
      for (const line of early.splice(0)) opts.onLine?.(line);
      resolve({ ptyPath, pid: child.pid!, args, diesWithParent: launch.watched, ...proc });
    });
    void exited.then((info) => {
      if (announced) return;
      clearTimeout(timer);
      reject(new Error(`the rp2040js runner exited (status ${info.code ?? info.signal}) before opening its pty${lastLine ? `: ${lastLine}` : ''}`));
    });
  });
}
