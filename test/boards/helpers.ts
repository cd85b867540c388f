// Helpers of the board end-to-end tests: run an app of a board under QEMU with the built CLI
// (`tracepipe run`, through QEMU's UART pty), then read the decoded trace as a stream, so that
// captures of a million events are checked without holding every line in memory.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, ROOT, artifactDir, cli, type CliResult } from '../e2e/helpers.js';

/** Build profile (Makefile PROFILE=, PORTING.md): tiny builds go to build/<board>-tiny, and
 * 'tiny-Os', the tiny profile built for size (OPT=-Os, the flash figure's build), to
 * build/<board>-tiny-Os. */
export type Profile = 'full' | 'tiny' | 'tiny-Os';

export function boardElf(board: string, app: string, profile: Profile = 'full'): string {
  return join(ROOT, 'build', profile === 'full' ? board : `${board}-${profile}`, `${app}.elf`);
}

/** Fails (never skips) when the build the suite depends on is missing. */
export function requireBoardBuilt(board: string, ...apps: string[]): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  for (const app of apps) {
    const elf = boardElf(board, app);
    if (!existsSync(elf)) throw new Error(`${elf} is missing: run 'make BOARD=${board}' first`);
  }
}

/** Builds (make, incremental) the tiny-profile apps of a board into build/<board>-tiny: the
 * default build of a board is the full profile, so the tests that need tiny make it. */
export function buildTiny(board: string, ...apps: string[]): void {
  buildTinyAs(board, 'tiny', ...apps);
}

/** buildTiny in either tiny build: 'tiny' (make's default level) or 'tiny-Os' (OPT=-Os). */
export function buildTinyAs(board: string, profile: Exclude<Profile, 'full'>, ...apps: string[]): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  // relative to ROOT: make's rules name build/<board>-tiny/<app>.elf, not the absolute path
  const elfs = apps.map((a) => relative(ROOT, boardElf(board, a, profile)));
  const level = profile === 'tiny-Os' ? ['OPT=-Os', `BUILD=build/${board}-tiny-Os`] : [];
  execFileSync('make', ['-s', `BOARD=${board}`, 'PROFILE=tiny', ...level, ...elfs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface BoardRun {
  run: CliResult;
  capture: string;
  semihost: string;
}

/** `tracepipe run --board <board> <app>.elf -o <capture> --semihost-log <log>` in a fresh artifact folder. */
export async function runBoardApp(board: string, app: string, timeoutMs: number, profile: Profile = 'full'): Promise<BoardRun> {
  const dir = artifactDir(`${board}${profile === 'full' ? '' : `-${profile}`}-${app}`);
  const capture = join(dir, `${app}.tpt`);
  const semihost = join(dir, 'semihost.log');
  const run = await cli(['run', '--board', board, boardElf(board, app, profile), '-o', capture, '--semihost-log', semihost], {
    timeoutMs,
  });
  return { run, capture, semihost };
}

/**
 * Runs `tracepipe decode --format jsonl <file>` and hands every record to onRecord as it
 * arrives. Resolves with the exit code and stderr once the output is consumed.
 */
export function decodeStream(
  file: string,
  onRecord: (rec: Record<string, unknown>) => void,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, 'decode', '--format', 'jsonl', file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const err: Buffer[] = [];
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    let failure: Error | undefined;
    rl.on('line', (line) => {
      if (failure || line.length === 0) return;
      try {
        onRecord(JSON.parse(line) as Record<string, unknown>);
      } catch (e) {
        failure = e as Error;
      }
    });
    child.on('error', reject);
    const closed = new Promise<void>((r) => rl.on('close', () => r()));
    child.on('close', (code) => {
      void closed.then(() => {
        if (failure) reject(failure);
        else resolvePromise({ code, stderr: Buffer.concat(err).toString('utf8') });
      });
    });
  });
}
