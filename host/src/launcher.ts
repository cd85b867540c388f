// The tracepipe executable (dist/tracepipe.cjs): loads the CLI's bundle (dist/cli.cjs, built
// from bin.ts) with a V8 code cache, so a short command does not spend a quarter of its time
// parsing and compiling 650 KB of JavaScript (issue 11: `--version` took 0.12 s where Node
// itself starts in 0.07 s). Node 20 has no module.enableCompileCache (Node 22), but vm.Script
// takes and makes V8's code cache. The cache comes from `npm run build` (host/build.mjs runs
// this file once with TRACEPIPE_CODE_CACHE_OUT), named for the V8 version and the bundle's
// content; where it is missing or V8 rejects it (another Node, other V8 flags, a rebuilt bundle),
// the run compiles as usual and leaves a cache in the user's cache folder for the next run.
// Any failure here only costs that time: every error of the CLI itself is the bundle's to
// report (bin.ts), and nothing of the cache is ever reported.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const BUNDLE = join(__dirname, 'cli.cjs');

/** A hash of dist/cli.cjs, set by host/build.mjs. */
declare const __TRACEPIPE_CLI_HASH__: string;

/**
 * The cache's file name, by the bundle's content and the V8 version: V8 checks a cache against
 * the source's length only, and would run a stale cache of another bundle of the same length.
 */
function cacheName(): string {
  return `cli-${__TRACEPIPE_CLI_HASH__}-v8-${process.versions.v8}-${process.arch}.code-cache`;
}

function userCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tracepipe');
}

function readOrNull(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes data to path by a rename, so that a run reading it meanwhile sees the old file or the new one. */
function writeWhole(dir: string, path: string, data: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true });
    const part = `${path}.${process.pid}`;
    writeFileSync(part, data);
    renameSync(part, path);
  } catch {
    // a read-only or full disk: the next run compiles again
  }
}

/** Caches the user folder keeps besides the one just written: other installs of tracepipe (another
 * version, another Node) share the folder and keep theirs, but rebuilt bundles must not pile up
 * there, a megabyte or two each. */
const KEEP_OTHERS = 3;

/** Drops the oldest caches of the user folder beyond KEEP_OTHERS (by mtime: the order they were made). */
function pruneUserCaches(dir: string, keep: string): void {
  try {
    const others = readdirSync(dir)
      .filter((n) => n !== keep && n.startsWith('cli-') && n.endsWith('.code-cache'))
      .map((n) => ({ path: join(dir, n), mtime: statSync(join(dir, n)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of others.slice(KEEP_OTHERS)) unlinkSync(old.path);
  } catch {
    // another run pruned meanwhile, or the folder is not ours to change: nothing is lost
  }
}

/**
 * The bundle's import() (the live view, DuckDB, the serial binding): V8 drops what a dynamic
 * import in code from a code cache needs (Node 20 fails it with "A dynamic import callback was
 * not specified"), so host/build.mjs has the bundle call this, from a module Node loaded itself.
 */
function importForBundle(specifier: string): Promise<unknown> {
  return import(specifier.startsWith('./') ? pathToFileURL(join(__dirname, specifier)).href : specifier);
}

/**
 * The parameters of the function the bundle's source becomes: Node's module wrapper's, and the
 * name host/build.mjs gives the bundle's import() (the same string there).
 */
const PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', '__tracepipeImport'];

function launch(): void {
  const source = readFileSync(BUNDLE, 'utf8');
  const name = cacheName();
  // the build's run: a fresh cache beside the bundle, whatever is there
  const out = process.env.TRACEPIPE_CODE_CACHE_OUT === '1';
  const beside = join(__dirname, name);
  const userDir = userCacheDir();
  const user = join(userDir, name);
  // the user's cache first: it exists only where the one beside the bundle was missing or rejected
  const off = out || process.env.TRACEPIPE_NO_CODE_CACHE;
  const cachedData = off ? undefined : (readOrNull(user) ?? readOrNull(beside));
  const script = new Script(`(function (${PARAMS.join(', ')}) {${source}\n})`, { filename: BUNDLE, cachedData });
  if (out || (!off && (cachedData === undefined || script.cachedDataRejected))) {
    // made at exit, so that it holds every function this run compiled, not only the top level
    process.once('exit', () => {
      let data: Buffer;
      try {
        data = script.createCachedData();
      } catch {
        return;
      }
      if (out) writeWhole(__dirname, beside, data);
      else {
        writeWhole(userDir, user, data);
        pruneUserCaches(userDir, name);
      }
    });
  }
  const module = { exports: {} };
  const run = script.runInThisContext() as (...a: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, __dirname, importForBundle);
}

launch();
