// Bundles the host: the CLI (dist/tracepipe.cjs), the library entry (dist/index.mjs and
// dist/index.cjs, the package's `exports`) with its declarations (dist/types/, from tsc), and
// the emulator command line for the bench scripts. The native modules (the serial binding, DuckDB) stay
// external: they are loaded from node_modules at run time, DuckDB only by export --format
// parquet and query. The JSON files of boards/ are compiled in, so an
// installed package (which has no boards/ folder) knows the boards (host/src/io/repo.ts).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loaderImports, tuiViewPlugin } from './build-plugins.mjs';

function boardFiles(dir = 'boards', rel = '') {
  const out = {};
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) Object.assign(out, boardFiles(dir, path));
    else if (name.endsWith('.json')) out[path] = readFileSync(join(dir, path), 'utf8');
  }
  return out;
}
const define = { __TRACEPIPE_BOARDS__: JSON.stringify(boardFiles()) };
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const common = { bundle: true, platform: 'node', target: 'node20', define, logLevel: 'warning', plugins: [tuiViewPlugin] };

// The CLI is dist/cli.cjs; the executable, dist/tracepipe.cjs, is a small loader that compiles
// it with a V8 code cache (host/src/launcher.ts says why), made below once the bundles are built.
const cli = await build({
  ...common,
  entryPoints: ['host/src/bin.ts'],
  format: 'cjs',
  outfile: 'dist/cli.cjs',
  external: ['@serialport/bindings-cpp', '@duckdb/node-api'],
  write: false,
  metafile: true,
});
const cliText = loaderImports(cli.outputFiles[0].text, cli.metafile);
// esbuild made no folder: it wrote nothing (write: false); a fresh clone has no dist/ yet
mkdirSync('dist', { recursive: true });
writeFileSync('dist/cli.cjs', cliText);
// the loader names its cache by this: V8 checks a cache against the source's length only
const cliHash = createHash('sha256').update(cliText).digest('hex').slice(0, 16);
await build({
  ...common,
  plugins: [],
  entryPoints: ['host/src/launcher.ts'],
  define: { __TRACEPIPE_CLI_HASH__: JSON.stringify(cliHash) },
  format: 'cjs',
  outfile: 'dist/tracepipe.cjs',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/tracepipe.cjs', 0o755);
// The stats path's worker thread (host/src/io/scan-pool.ts starts it from beside the bundle
// that runs, so the CLI and both library bundles share it): the pure frame scan, nothing else.
await build({ ...common, plugins: [], entryPoints: ['host/src/io/scan-worker.ts'], format: 'cjs', outfile: 'dist/scan-worker.cjs' });
// The CTF export's worker thread (host/src/io/decode-pool.ts, found the same way): the frame scan
// and CTF's event packing.
await build({ ...common, plugins: [], entryPoints: ['host/src/io/decode-worker.ts'], format: 'cjs', outfile: 'dist/decode-worker.cjs' });
// The live view, imported lazily by the bundles (build-plugins.mjs says why it is its own file).
await build({
  ...common,
  plugins: [],
  entryPoints: ['host/src/cli/tui/view.ts'],
  format: 'esm',
  outfile: 'dist/tui.mjs',
  external: ['ink', 'react'],
});

// The library leaves its dependencies to node_modules, as any package does. The ESM bundle gets
// the require and __dirname a CJS module has: bundled CJS code calls require, and repo.ts finds
// the package folder from __dirname.
const libExternal = Object.keys(pkg.dependencies ?? {});
await build({ ...common, entryPoints: ['host/src/api/index.ts'], format: 'cjs', outfile: 'dist/index.cjs', external: libExternal });
await build({
  ...common,
  entryPoints: ['host/src/api/index.ts'],
  format: 'esm',
  outfile: 'dist/index.mjs',
  external: libExternal,
  banner: {
    js: [
      "import { createRequire as __tpCreateRequire } from 'node:module';",
      "import { fileURLToPath as __tpFileURLToPath } from 'node:url';",
      'const require = __tpCreateRequire(import.meta.url);',
      'const __dirname = __tpFileURLToPath(new URL(".", import.meta.url));',
    ].join('\n'),
  },
});
rmSync('dist/types', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'host/tsconfig.api.json'], { stdio: 'inherit' });

// The emulator command line as a library for the bench scripts (plain .mjs, no TypeScript):
// they build QEMU's argv through the same function as the CLI and the tests.
await build({
  ...common,
  entryPoints: ['host/src/io/emulator.ts'],
  format: 'cjs',
  outfile: 'dist/emulator.cjs',
});

// The rp2040js runner runs as its own process (host/src/io/rp2040/rp2040.ts starts it), so the
// emulated cores never hold up the reader of the pty. rp2040js is bundled into it.
await build({
  entryPoints: ['host/src/io/rp2040/runner-main.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: 'dist/rp2040-runner.cjs',
  logLevel: 'warning',
});

// The CLI's code cache beside it: the loader run once the way a user runs it, so the cache holds
// what start-up compiles (every module's top level, the command line's parsing). Caches of
// earlier bundles go first: their names differ, and the package should ship one.
for (const name of readdirSync('dist')) if (name.endsWith('.code-cache')) rmSync(join('dist', name));
execFileSync(process.execPath, ['dist/tracepipe.cjs', '--version'], { stdio: 'ignore', env: { ...process.env, TRACEPIPE_CODE_CACHE_OUT: '1' } });
