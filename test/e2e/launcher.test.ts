// The executable's loader (host/src/launcher.ts): the CLI runs the same with the build's code
// cache, without it, with a cache V8 rejects and with a cache folder it cannot write, and says
// nothing about any of that; a dynamic import() in the cached bundle still loads its module.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { loaderImports } from '../../host/build-plugins.mjs';
import { StreamWriter } from '../../host/src/core/encode.js';
import { artifactDir, ROOT } from './helpers.js';

const DIST = join(ROOT, 'dist');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
let trace: string;

function cacheFiles(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).filter((n) => n.endsWith('.code-cache')) : [];
}

/** The loader and bundle copied into a folder inside the repo (so node_modules resolves), with or without the build's cache. */
function install(name: string, withCache: boolean): string {
  const to = artifactDir(`launcher/${name}`);
  for (const f of ['tracepipe.cjs', 'cli.cjs', 'tui.mjs']) copyFileSync(join(DIST, f), join(to, f));
  if (withCache) for (const f of cacheFiles(DIST)) copyFileSync(join(DIST, f), join(to, f));
  return to;
}

function tp(at: string, cacheHome: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(at, 'tracepipe.cjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cacheHome },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(join(DIST, 'cli.cjs'))) throw new Error("dist/cli.cjs is missing: run 'npm run build' first");
  dir = artifactDir('launcher');
  const w = new StreamWriter();
  w.header({ boot: true, cores: 1, mode: 'discard', timerBits: 32, timerHz: 1_000_000, packetSize: 256, packets: 4, ts: 0, session: 1 });
  w.beginPacket(0, 0, 100, 0, 0, 0);
  for (let i = 0; i < 10; i++) w.event(0, 1, 100 + i * 10, [i, 2 * i]);
  w.endPacket(300);
  w.status({ core: 0, final: true, ts: 400, nextSeq: 1, committed: 10, dropped: 0, overwritten: 0 });
  trace = join(dir, 'small.bin');
  writeFileSync(trace, w.bytes());
});

describe('the loader', () => {
  test('npm run build leaves one code cache beside the bundle, which a run uses without writing another', () => {
    expect(cacheFiles(DIST)).toHaveLength(1);
    const at = install('built', true);
    const home = join(dir, 'home-built');
    const r = tp(at, home, '--version');
    expect(r).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(cacheFiles(join(home, 'tracepipe'))).toEqual([]);
  });

  test('without a cache it compiles, and leaves one in the user cache folder for the next run', () => {
    const at = install('none', false);
    const home = join(dir, 'home-none');
    expect(tp(at, home, 'stats', '--json', trace).code).toBe(0);
    const made = cacheFiles(join(home, 'tracepipe'));
    expect(made).toHaveLength(1);
    const file = join(home, 'tracepipe', made[0]);
    const mtime = statSync(file).mtimeMs;
    const r = tp(at, home, 'stats', '--json', trace);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).total.decoded).toBe(10);
    // accepted: not written again
    expect(statSync(file).mtimeMs).toBe(mtime);
  });

  test('writing a cache to the user folder leaves at most three others there, the newest', () => {
    const at = install('prune', false);
    const folder = join(dir, 'home-prune', 'tracepipe');
    mkdirSync(folder, { recursive: true });
    // caches of six earlier bundles, made a minute apart, and a file that is not a cache
    const old = [...Array(6).keys()].map((i) => `cli-${'0'.repeat(15)}${i}-v8-0-x64.code-cache`);
    old.forEach((n, i) => {
      writeFileSync(join(folder, n), 'x');
      utimesSync(join(folder, n), 1_700_000_000 + i * 60, 1_700_000_000 + i * 60);
    });
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    expect(tp(at, join(dir, 'home-prune'), '--version').code).toBe(0);
    const left = cacheFiles(folder);
    expect(left).toHaveLength(4);
    expect(left).toEqual(expect.arrayContaining(old.slice(3)));
    expect(existsSync(join(folder, 'notes.txt'))).toBe(true);
  });

  test('a cache V8 rejects, or a cache folder that cannot be made, changes nothing the user sees', () => {
    const at = install('rejected', true);
    for (const f of cacheFiles(at)) writeFileSync(join(at, f), Buffer.alloc(4096, 0x5a));
    const home = join(dir, 'home-rejected');
    expect(tp(at, home, '--version')).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(cacheFiles(join(home, 'tracepipe'))).toHaveLength(1);
    // XDG_CACHE_HOME below a file: mkdir fails
    expect(tp(at, join(trace, 'below-a-file'), '--version')).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  test("the bundle's errors stay one line and a non-zero exit", () => {
    const r = tp(install('errors', true), join(dir, 'home-errors'), 'stats', join(dir, 'no-such-file'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tracepipe: .*no-such-file/);
  });

  test('a dynamic import() in the cached bundle loads its module (DuckDB for Parquet)', () => {
    const at = install('import', true);
    const out = join(dir, 'small.parquet');
    const r = tp(at, join(dir, 'home-import'), 'export', '--format', 'parquet', '-o', out, trace);
    expect(r.stderr).not.toMatch(/dynamic import/);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 60_000);

  test("the build rewrites the bundle's import() calls only, never a string's or a comment's text", () => {
    const meta = { inputs: { a: { imports: [{ kind: 'dynamic-import', external: true }] } } };
    const src = "const m = import('x'); const msg = 'use import(x)'; // import(y)\nconst re = /import\\(/; const t = `a ${import('z')} import(`;";
    const out = loaderImports(src, meta);
    expect(out).toBe("const m = __tracepipeImport('x'); const msg = 'use import(x)'; // import(y)\nconst re = /import\\(/; const t = `a ${__tracepipeImport('z')} import(`;");
    // fewer calls than esbuild left external is a build failure, not a bundle that fails at run time
    expect(() => loaderImports("const msg = 'import(x)';", meta)).toThrow(/0 import\( replaced, but esbuild left 1/);
  });
});
