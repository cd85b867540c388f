// Shared helpers of the end-to-end tests: they run the built CLI (dist/tracepipe.cjs) as a user
// would, on firmware built by `make BOARD=qemu-mps2-an385`, through QEMU and a real pty.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { qemuBoard, type QemuEmulator } from '../../host/src/io/emulator.js';

export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'dist', 'tracepipe.cjs');
export const BOARD = 'qemu-mps2-an385';

/** Firmware folder: build/<board>, or $TRACEPIPE_BUILD_DIR (a private build of the same apps). */
export const BUILD_DIR = process.env.TRACEPIPE_BUILD_DIR ? resolve(process.env.TRACEPIPE_BUILD_DIR) : join(ROOT, 'build', BOARD);

/** A board's QEMU entry from its board.json (the same one `tracepipe run` uses). */
export function emulatorOf(board = BOARD): QemuEmulator {
  return qemuBoard(ROOT, board, 'the tests').emulator;
}

export function elf(app: string): string {
  return join(BUILD_DIR, `${app}.elf`);
}

/** Fails (never skips) when the build the suite depends on is missing. */
export function requireBuilt(...apps: string[]): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  for (const app of apps) {
    if (!existsSync(elf(app))) throw new Error(`${elf(app)} is missing: run 'make BOARD=${BOARD}' first`);
  }
}

/** A fresh folder under test-artifacts/e2e/ (kept after the run for inspection). */
export function artifactDir(name: string): string {
  const dir = join(ROOT, 'test-artifacts', 'e2e', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/tracepipe.cjs ...args`; stops it after timeoutMs (then code is not 0). */
export function cli(
  args: string[],
  opts: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    opts.onSpawn?.(child);
    // SIGTERM first: tracepipe then stops its QEMU; SIGKILL only if that does not end it.
    let hard: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (hard) clearTimeout(hard);
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** The non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

export interface StatsJsonCore {
  session?: number;
  core: number;
  generated: number;
  decoded: number;
  dropped: number;
  overwritten: number;
  link_lost: number;
  rejected: number;
  first_ns: string | null;
  last_ns: string | null;
}

export interface StatsJson {
  cores: StatsJsonCore[];
  identity: boolean;
  closed: boolean;
  lossless: boolean;
  tail_unaccounted: number;
  total: { generated: number; decoded: number; dropped: number; overwritten: number; link_lost: number; rejected: number };
}

export async function statsOf(file: string): Promise<StatsJson> {
  const r = await cli(['stats', '--json', file]);
  if (r.code !== 0) throw new Error(`stats --json ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as StatsJson;
}
