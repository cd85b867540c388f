// Where the tracepipe checkout is, and what its boards are. The CLI runs from dist/tracepipe.cjs
// or (in tests) from host/src; both live inside the checkout, so walk up from this file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, UsageError } from '../errors.js';

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
  throw new CliError('cannot find the tracepipe checkout (boards/ and firmware/); set TRACEPIPE_ROOT');
}

export interface BoardInfo {
  name: string;
  dir: string;
  cores?: number;
  /** board.json as written; emulator.ts and ports.ts read their keys from it */
  raw: Record<string, unknown>;
}

/** The board `make` builds when given none (the Makefile's `BOARD ?=`): `run` and `demo` use the
 * same one, so the default is written in one place and host code names no board. */
export function defaultBoard(root: string): string {
  let text = '';
  try {
    text = readFileSync(join(root, 'Makefile'), 'utf8');
  } catch {
    // no Makefile: no default
  }
  const m = /^BOARD\s*\?=\s*(\S+)\s*$/m.exec(text);
  if (!m) throw new UsageError('no default board in the Makefile (BOARD ?= ...): name one with --board');
  return m[1];
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

/** A board by name. An unknown name is the user's mistake (a usage error, exit 2); a board.json
 * that does not parse is the checkout's. */
export function loadBoard(root: string, name: string, validFor?: { what: string; boards: string[] }): BoardInfo {
  const boards = listBoards(root);
  if (!boards.includes(name)) {
    const valid = validFor ? validFor.boards : boards;
    throw new UsageError(`unknown board '${name}'. Valid boards${validFor ? ` for ${validFor.what}` : ''}: ${valid.join(', ') || '(none found)'}`);
  }
  const dir = join(root, 'boards', name);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(join(dir, 'board.json'), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`boards/${name}/board.json is not valid JSON: ${(err as Error).message}`);
  }
  const cores = typeof raw.cores === 'number' ? raw.cores : undefined;
  return { name, dir, cores, raw };
}
