// The package as a user gets it: `npm pack`, installed into an empty project without network,
// imported from ESM and CJS, type-checked against its .d.ts, and docs/API.md's example test
// run there under QEMU with the repo's vitest.
//
// The install has no network: the new project gets a package-lock.json whose entries for the
// runtime dependencies are the repo's own (same versions, URLs and integrity), so `npm ci
// --offline` takes their tarballs from the npm cache, which the repo's `npm ci` filled.
// (`npm install --offline <tarball>` would need the registry's package documents to resolve
// version ranges, and `npm ci` does not cache those.)
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const ELF = join(ROOT, 'build/qemu-mps2-an385/meta_demo.elf');
const EXAMPLE = join(ROOT, 'docs/example/firmware.test.ts');

let work: string;
let project: string;
let tarball: string;
let files: string[];

function tree(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel)).flatMap((n) => {
    const p = rel ? `${rel}/${n}` : n;
    return statSync(join(dir, p)).isDirectory() ? tree(dir, p) : [p];
  });
}

beforeAll(async () => {
  for (const f of ['dist/index.mjs', 'dist/index.cjs', 'dist/types/api/index.d.ts', 'dist/tracepipe.cjs']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run 'npm run build' first`);
  }
  if (!existsSync(ELF)) throw new Error(`${ELF} is missing: run 'make BOARD=qemu-mps2-an385' first`);
  work = mkdtempSync(join(tmpdir(), 'tracepipe-pack-'));
  // --ignore-scripts: the package is what `npm run build` made (run-all.sh builds first)
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT });
  const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0].filename);
  files = info[0].files.map((f) => f.path);

  project = join(work, 'project');
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'user-project', dependencies: { tracepipe: `file:${tarball}` } },
    'node_modules/tracepipe': {
      version: pkg.version,
      resolved: `file:${tarball}`,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev) packages[path] = entry;
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module', dependencies: { tracepipe: `file:${tarball}` } }));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'user-project', lockfileVersion: 3, requires: true, packages }));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project }).catch((err: { stderr?: string }) => {
    throw new Error(`offline install failed; the npm cache must hold the runtime dependencies' tarballs (run 'npm ci' in the repo): ${err.stderr ?? String(err)}`);
  });
  // The user's own test framework: the repo's vitest stands in for theirs.
  symlinkSync(join(ROOT, 'node_modules/vitest'), join(project, 'node_modules/vitest'));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  test('holds the bundles, declarations and docs, and nothing of the source tree', () => {
    expect(files).toContain('dist/index.mjs');
    expect(files).toContain('dist/index.cjs');
    expect(files).toContain('dist/tracepipe.cjs');
    expect(files).toContain('dist/types/api/index.d.ts');
    expect(files).toContain('docs/API.md');
    const foreign = files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE|protocol\/(SPEC|CAPTURE)\.md$|docs\/API\.md$)/.test(f));
    expect(foreign).toEqual([]);
    // 13.8 MB with build/ inside before (issue 12 §2)
    expect(statSync(tarball).size).toBeLessThan(1 << 20);
  });

  test('installs without a build step: no install scripts of its own', () => {
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/tracepipe/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(installed.scripts?.[hook]).toBeUndefined();
    // what the package reads at run time is inside it: no boards/ folder, no checkout
    expect(existsSync(join(project, 'node_modules/tracepipe/boards'))).toBe(false);
    expect(tree(join(project, 'node_modules/tracepipe')).some((f) => f.startsWith('host/'))).toBe(false);
  });

  test('imports from ESM and CJS, and the helpers fail with a clear message', async () => {
    const esm = `import * as tp from 'tracepipe';
      const names = ['runOnEmulator', 'captureFromSerialPort', 'traceRecords', 'readTrace', 'readTraceSync', 'readStats', 'exportTrace', 'expectNoLosses', 'expectSequence', 'expectSpanBelow', 'expectIdentity'];
      for (const n of names) if (typeof tp[n] !== 'function') throw new Error('missing ' + n);
      const stats = { cores: [{ core: 1, generated: 10, decoded: 7, dropped: 3, overwritten: 0, link_lost: 0 }], identity: true, sessions: 1 };
      try { tp.expectNoLosses(stats); }
      catch (e) { console.log(e.message); }`;
    const r = await run(process.execPath, ['--input-type=module', '-e', esm], { cwd: project });
    expect(r.stdout.trim()).toBe('expected no losses, but core 1: dropped 3 of 10 generated');
    const cjs = await run(process.execPath, ['-e', "const tp = require('tracepipe'); console.log(typeof tp.runOnEmulator, tp.VERSION)"], { cwd: project });
    expect(cjs.stdout.trim()).toBe(`function ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
  });

  test("the live view's module loads from the installed package: ink and react are runtime dependencies", async () => {
    expect(files).toContain('dist/tui.mjs');
    const view = join(project, 'node_modules/tracepipe/dist/tui.mjs');
    const code = `const m = await import(${JSON.stringify(pathToFileURL(view).href)}); console.log(typeof m.startView);`;
    const r = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: project });
    expect(r.stdout.trim()).toBe('function');
  });

  test('its bin runs: the CLI knows the boards from the bundle', async () => {
    const r = await run(process.execPath, [join(project, 'node_modules/.bin/tracepipe'), 'run', '--board', 'no-such-board', ELF], { cwd: project }).catch((e: { code: number; stderr: string }) => e);
    expect((r as { code: number }).code).toBe(2);
    expect((r as { stderr: string }).stderr).toMatch(/unknown board 'no-such-board'\. Valid boards for run: .*qemu-mps2-an385/);
  });

  test("docs/API.md's example test type-checks against the package's declarations", async () => {
    const doc = readFileSync(join(ROOT, 'docs/API.md'), 'utf8');
    expect(doc).toContain(readFileSync(EXAMPLE, 'utf8'));
    copyFileSync(EXAMPLE, join(project, 'firmware.test.ts'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['firmware.test.ts', 'misuse.ts'],
      }),
    );
    // The declarations carry real types: a misuse is an error (and the only one).
    writeFileSync(join(project, 'misuse.ts'), "import { readStats } from 'tracepipe';\nexport const n: number = (await readStats('x.tpt')).identity;\n");
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project }).catch((e: { stdout: string }) => e);
    const errors = (tsc as { stdout: string }).stdout.trim().split('\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^misuse\.ts\(2,14\): error TS2322: Type 'boolean' is not assignable to type 'number'/);
  });

  test("docs/API.md's example test passes in the new project, firmware under QEMU", async () => {
    copyFileSync(EXAMPLE, join(project, 'firmware.test.ts'));
    const r = await run(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project, 'firmware.test.ts'], {
      cwd: project,
      env: { ...process.env, APP_ELF: ELF, NO_COLOR: '1' },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    const out = `${(r as { stdout: string }).stdout}${(r as { stderr: string }).stderr}`;
    expect(out).toMatch(/1 passed/);
    expect((r as { code?: number }).code ?? 0).toBe(0);
  });
});
