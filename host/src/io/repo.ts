// Where the tracepipe checkout is, and what its boards are. The CLI runs from dist/tracepipe.cjs
// or (in tests) from host/src; both live inside the checkout, so walk up from this file.
// An installed package has no boards/ folder: its bundles carry the JSON files of boards/ as
// they were at build time (host/build.mjs), and the package folder stands in for the checkout.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError, UsageError } from '../errors.js';

/** This file's folder: the CJS bundle (and vitest's module wrapper) define __dirname; plain ESM
 * does not, and then only the working directory is searched. */
function hereDir(): string | undefined {
  return typeof __dirname === 'string' ? __dirname : undefined;
}

/** boards/ at build time: path below boards/ -> file text (host/build.mjs defines it). */
declare const __TRACEPIPE_BOARDS__: Record<string, string> | undefined;
const BUNDLED_BOARDS: Record<string, string> | undefined = typeof __TRACEPIPE_BOARDS__ === 'undefined' ? undefined : __TRACEPIPE_BOARDS__;

/** The boards are the bundled ones when the root has no boards/ folder (an installed package). */
function bundled(root: string): Record<string, string> | undefined {
  return BUNDLED_BOARDS !== undefined && !existsSync(join(root, 'boards')) ? BUNDLED_BOARDS : undefined;
}

/** A file below boards/ (e.g. `usb-probes.json`), from the checkout or the bundle. */
export function readBoardsFile(root: string, rel: string): string {
  const table = bundled(root);
  if (table === undefined) return readFileSync(join(root, 'boards', rel), 'utf8');
  const text = table[rel];
  if (text === undefined) throw new CliError(`boards/${rel} is not in this package`);
  return text;
}

function isRoot(dir: string): boolean {
  return existsSync(join(dir, 'boards')) && existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'firmware'));
}

/** The checkout root: $TRACEPIPE_ROOT, else the first ancestor of this file (then of the working
 * directory) holding boards/, firmware/ and package.json. */
export function findRepoRoot(): string {
  const fromEnv = process.env.TRACEPIPE_ROOT;
  if (fromEnv && isRoot(resolve(fromEnv))) return resolve(fromEnv);
  // A bundle that carries the boards sits in <package>/dist/.
  const here = hereDir();
  if (BUNDLED_BOARDS !== undefined && here !== undefined) return dirname(resolve(here));
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
  const table = bundled(root);
  if (table !== undefined) {
    return Object.keys(table)
      .map((rel) => /^([^/]+)\/board\.json$/.exec(rel)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
  }
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
    raw = JSON.parse(readBoardsFile(root, `${name}/board.json`)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`boards/${name}/board.json is not valid JSON: ${(err as Error).message}`);
  }
  const cores = typeof raw.cores === 'number' ? raw.cores : undefined;
  return { name, dir, cores, raw };
}
