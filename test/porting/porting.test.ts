// PORTING.md stays true: the blocks it marks `<!-- porting-test: <file> -->` are written out
// as they stand into a folder outside the checkout, built with its build.sh (arm-none-eabi-gcc),
// run with its run.sh (QEMU, then the tracepipe CLI), and the decoded trace is checked.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSection, gnuBuildId, parseElf32, SHF_ALLOC } from '../../host/src/core/elf.js';
import { CLI, ROOT, cli, requireBuilt } from '../e2e/helpers.js';
import { expectHostEqualsFirmware } from '../helpers/ground-truth.js';

/** The marked blocks of a Markdown text, by file name. */
function markedBlocks(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<!-- porting-test: (\S+) -->\n```[^\n]*\n([\s\S]*?)```/g;
  for (let m = re.exec(markdown); m !== null; m = re.exec(markdown)) out.set(m[1], m[2]);
  return out;
}

describe('PORTING.md, followed to the letter', () => {
  const blocks = markedBlocks(readFileSync(join(ROOT, 'PORTING.md'), 'utf8'));

  it('marks a complete out-of-tree app: build and run scripts, linker script, start-up, main', () => {
    expect([...blocks.keys()].sort()).toEqual(['app.ld', 'build.sh', 'main.c', 'run.sh', 'startup.c']);
  });

  it('names, for every board in the interrupt table, handlers and init functions its sources define', () => {
    const doc = readFileSync(join(ROOT, 'PORTING.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z0-9-]+)` \| (.*) \| `([a-z0-9_]+)\(\)` \|$/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual(['microbit', 'qemu-mps2-an385', 'qemu-mps2-an521', 'rp2040-pico']);
    for (const [, board, handlers, init] of rows) {
      // The board's own sources and the drivers its board.mk names, as make expands them
      // (rp2040-pico's name its TRANSPORT).
      const dir = join(ROOT, 'boards', board);
      const drivers = execFileSync('make', ['-s', '--no-print-directory', `BOARD=${board}`, '--eval', 'tp-print-drivers: ; @echo $(DRIVERS)', 'tp-print-drivers'], { cwd: ROOT, encoding: 'utf8' })
        .trim()
        .split(/\s+/);
      const files = readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => join(dir, f));
      for (const d of drivers) {
        const ddir = join(ROOT, 'firmware', 'drivers', d);
        files.push(...readdirSync(ddir).filter((f) => f.endsWith('.c')).map((f) => join(ddir, f)));
      }
      const sources = files.map((f) => readFileSync(f, 'utf8')).join('\n');
      const names = [...handlers.matchAll(/`([A-Za-z0-9_]+)`/g)].map((m) => m[1]).concat(init);
      expect(names.length).toBeGreaterThan(2);
      for (const name of names) {
        expect(sources, `${board}: ${name}`).toMatch(new RegExp(`^void ${name}\\(void\\)$`, 'm'));
      }
    }
  });

  it('builds with arm-none-eabi-gcc outside the checkout, runs under QEMU, and decodes with nothing lost', () => {
    requireBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'tp-porting-'));
    for (const [name, text] of blocks) writeFileSync(join(dir, name), text);
    // `tracepipe` on PATH, as an installed CLI would be.
    const bin = join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'tracepipe'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'tracepipe'), 0o755);
    const env = { ...process.env, TRACEPIPE: ROOT, PATH: `${bin}:${process.env.PATH}` };

    execFileSync('bash', ['-e', 'build.sh'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const elfPath = join(dir, 'app.elf');
    expect(existsSync(elfPath)).toBe(true);
    const elf = parseElf32(readFileSync(elfPath));
    const buildId = gnuBuildId(elf);
    expect(buildId).toMatch(/^[0-9a-f]{40}$/);
    for (const name of ['.tp_ids', '.tp_meta']) {
      const s = findSection(elf, name);
      expect(s, `${name} kept by the linker lines`).toBeDefined();
      expect(s!.flags & SHF_ALLOC).toBe(0); // no flash, no RAM
    }

    const out = execFileSync('bash', ['-e', 'run.sh'], { cwd: dir, env, timeout: 60_000, encoding: 'utf8' });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^header v2 BOOT cores=1 mode=discard timer=25000000Hz\/32bit packet=256x8 /);
    expect(lines[0]).toContain(`build_id=${buildId}`);
    const samples = lines.filter((l) => / core 0 event +id=1 args=/.test(l));
    expect(samples).toHaveLength(200);
    expect(samples[0]).toMatch(/args=1,1$/);
    expect(samples[199]).toMatch(/args=200,\d+$/);
    expect(lines.filter((l) => / core 0 log /.test(l))).toHaveLength(4);
    // 200 x (span begin, span end, event, counter) + 4 logs, none lost, books closed
    expect(out).toMatch(/^0\s+804\s+804\s+0\s+0\s+0\s/m);
    expect(out).toMatch(/identity: generated = decoded \+ dropped \+ overwritten \+ link_lost \+ rejected holds/);
  });

  it('a new board from existing parts (qemu-mps2-an386): three small files, built, run under QEMU, nothing lost', async () => {
    // PORTING.md section 2: a board whose peripherals tracepipe has drivers for is a folder
    // of a few small files; this one writes no source of its own.
    const dir = join(ROOT, 'boards', 'qemu-mps2-an386');
    expect(readdirSync(dir).sort()).toEqual(['README.md', 'board.json', 'board.mk']);
    const mk = readFileSync(join(dir, 'board.mk'), 'utf8');
    expect(mk).toMatch(/^DRIVERS := cmsdk_timer cmsdk_uart$/m);
    const build = mkdtempSync(join(tmpdir(), 'tp-an386-'));
    execFileSync('make', ['-s', 'BOARD=qemu-mps2-an386', `BUILD=${build}`, `${build}/e2e_clean.elf`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const elfFile = join(build, 'e2e_clean.elf');
    const elf = parseElf32(readFileSync(elfFile));
    expect(elf.machine).toBe(40); // EM_ARM
    const capture = join(build, 'clean.tpt');
    const semihost = join(build, 'semihost.log');
    const run = await cli(['run', '--board', 'qemu-mps2-an386', elfFile, '-o', capture, '--semihost-log', semihost], {
      timeoutMs: 90_000,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/stopped: firmware exited/);
    const host = await expectHostEqualsFirmware(semihost, capture);
    expect(host).toMatchObject({ generated: 100_000, decoded: 100_000, dropped: 0, overwritten: 0, link_lost: 0 });
  }, 150_000);
});
