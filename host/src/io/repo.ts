// Where the tracepipe checkout is, and what its boards are. The CLI runs from dist/tracepipe.cjs
// or (in tests) from host/src; both live inside the checkout, so walk up from this file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** This file's folder: the CJS bundle (and vitest's module wrapper) define __dirname; plain ESM
 * does not, and then only the working directory is searched. */
function hereDir(): string | undefined {
  return typeof __dirname === 'string' ? __dirname : undefined;
}

function isRoot(dir: string): boolean {
  return existsSync(join(dir, 'boards')) && existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'firmware'));
}

/** The checkout root: $TRACEPIPE_ROOT, else the first ancestor of this file (then of the working
 * directory) holding boards/, firmware/ and package.json. */
export function findRepoRoot(): string {
  const fromEnv = process.env.TRACEPIPE_ROOT;
  if (fromEnv && isRoot(resolve(fromEnv))) return resolve(fromEnv);
  for (const start of [hereDir(), process.cwd()]) {
    if (start === undefined) continue;
    let dir = resolve(start);
    for (;;) {
      if (isRoot(dir)) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('cannot find the tracepipe checkout (boards/ and firmware/); set TRACEPIPE_ROOT');
}

export interface BoardInfo {
  name: string;
  dir: string;
  /** QEMU machine (-M), when the board runs under QEMU */
  qemuMachine?: string;
  /** extra QEMU arguments from board.json (e.g. -cpu) */
  qemuArgs: string[];
  cores?: number;
  raw: Record<string, unknown>;
}

/** Boards are the folders of boards/ that hold a board.json. */
export function listBoards(root: string): string[] {
  const dir = join(root, 'boards');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() && existsSync(join(p, 'board.json'));
    })
    .sort();
}

/** Options tracepipe always sets itself (qemu.ts); board.json copies of them are dropped so the
 * command line never names one twice. Each takes one value. */
const OWN_OPTIONS = new Set(['-M', '-machine', '-display', '-monitor', '-serial', '-semihosting-config', '-kernel']);

function boardQemuArgs(qemu: { cpu?: unknown; args?: unknown } | null | undefined): string[] {
  if (!qemu) return [];
  const out: string[] = [];
  const args = Array.isArray(qemu.args) ? qemu.args.filter((a): a is string => typeof a === 'string') : [];
  for (let i = 0; i < args.length; i++) {
    if (OWN_OPTIONS.has(args[i])) {
      i++;
      continue;
    }
    out.push(args[i]);
  }
  if (typeof qemu.cpu === 'string' && !out.includes('-cpu')) out.push('-cpu', qemu.cpu);
  return out;
}

export function loadBoard(root: string, name: string): BoardInfo {
  const boards = listBoards(root);
  if (!boards.includes(name)) {
    throw new Error(`unknown board '${name}'. Valid boards: ${boards.join(', ') || '(none found)'}`);
  }
  const dir = join(root, 'boards', name);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'board.json'), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`boards/${name}/board.json is not valid JSON: ${(err as Error).message}`);
  }
  const qemu = raw.qemu as { machine?: unknown; cpu?: unknown; args?: unknown } | null | undefined;
  const qemuMachine = qemu && typeof qemu.machine === 'string' ? qemu.machine : undefined;
  const qemuArgs = boardQemuArgs(qemu);
  const cores = typeof raw.cores === 'number' ? raw.cores : undefined;
  return { name, dir, qemuMachine, qemuArgs, cores, raw };
}

/** Boards that run under QEMU. */
export function listQemuBoards(root: string): string[] {
  return listBoards(root).filter((b) => {
    try {
      return loadBoard(root, b).qemuMachine !== undefined;
    } catch {
      return false;
    }
  });
}
