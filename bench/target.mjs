// Target-side benchmarks: record cost, whole-CPU cost, wire bytes, footprint, masked
// sections. Every cost figure comes from QEMU under -icount shift=0,sleep=off, where one
// guest instruction advances virtual time by exactly 1 ns, so timer ticks count
// instructions (1e9 / timer_hz instructions per tick).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;

// QEMU command lines come from the host's one builder (host/src/io/emulator.ts, bundled into
// dist/ by host/build.mjs, which run.mjs calls first), fed by board.json.
let emulatorLib;

/** { file, args } that run elf on board under QEMU with UART0 on uart (see emulator.ts UartBackend). */
export function qemuCommand(board, elf, uart, extra = []) {
  emulatorLib ??= createRequire(import.meta.url)(join(ROOT, 'dist', 'emulator.cjs'));
  return emulatorLib.qemuCommandFor(ROOT, board, elf, { uart, extra });
}

/** The CPU the board's QEMU machine is given (-cpu in board.json emulator.args), or null. */
export function boardCpu(board) {
  const args = boardJson(board).emulator?.args ?? [];
  const i = args.indexOf('-cpu');
  return i >= 0 ? args[i + 1] : null;
}

export const BENCH_APPS = ['bench_record', 'bench_wire_small', 'bench_wire_random', 'bench_wire_kinds', 'bench_live'];
/** Build profiles (Makefile PROFILE=, PORTING.md). The tiny one has no overwrite mode, so no
 * bench_wire_kinds (it records in both modes). */
export const PROFILES = ['full', 'tiny'];
const TINY_APPS = BENCH_APPS.filter((a) => a !== 'bench_wire_kinds');

export function boardJson(board) {
  return JSON.parse(readFileSync(join(ROOT, 'boards', board, 'board.json'), 'utf8'));
}

export function boardExists(board) {
  return existsSync(join(ROOT, 'boards', board, 'board.mk')) && existsSync(join(ROOT, 'boards', board, 'board.json'));
}

export function buildDir(board, opt, profile = 'full') {
  return join(ROOT, 'build', 'bench', `${board}${opt}${profile === 'full' ? '' : `-${profile}`}`);
}

export function elfPath(board, opt, app, profile = 'full') {
  return join(buildDir(board, opt, profile), `${app}.elf`);
}

/** Builds only the benchmark apps of a board (make -j2). Throws with make's output on failure. */
export function buildBoard(board, opt, profile = 'full') {
  const dir = buildDir(board, opt, profile);
  const targets = (profile === 'tiny' ? TINY_APPS : BENCH_APPS).map((a) => join(dir, `${a}.elf`));
  try {
    execFileSync('make', ['-s', '-j2', `BOARD=${board}`, `OPT=${opt}`, `PROFILE=${profile}`, `BUILD=${dir}`, ...targets], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (e) {
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-6).join(' | ');
    throw new Error(`make BOARD=${board} OPT=${opt} PROFILE=${profile} failed: ${out}`);
  }
}

/** Runs an ELF under deterministic QEMU; resolves with console (semihosting) text and the UART bytes. */
export function runQemu(board, elf, { timeoutS = 120, keepUart = null, extra = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tpbench-'));
  const uart = keepUart ?? join(dir, 'uart.bin');
  const cmd = qemuCommand(board, elf, { kind: 'file', path: uart }, ['-icount', 'shift=0,sleep=off', ...extra]);
  return new Promise((resolve, reject) => {
    const child = spawn('timeout', [String(timeoutS), cmd.file, ...cmd.args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b) => { text += b; });
    child.stderr.on('data', (b) => { text += b; });
    child.on('close', (code) => {
      let uartBytes = 0;
      try { uartBytes = statSync(uart).size; } catch { /* no output */ }
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`${elf}: qemu exited ${code}: ${text.slice(-300)}`));
      else resolve({ console: text, uartBytes });
    });
  });
}

export function parseLines(text, tag) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`TPBENCH ${tag} `) && !line.startsWith(`${tag} `)) continue;
    const o = {};
    for (const kv of line.trim().split(' ').slice(tag.startsWith('TPGT') ? 1 : 2)) {
      const [k, v] = kv.split('=');
      o[k] = /^\d+$/.test(v) ? Number(v) : v;
    }
    out.push(o);
  }
  return out;
}

/** instructions = ticks * (1e9 / hz) under shift=0 (1 ns per instruction). */
export function insnsPerTick(board) {
  return 1e9 / boardJson(board).timer.hz;
}

export async function recordCost(board, opt, profile = 'full') {
  const { console: text } = await runQemu(board, elfPath(board, opt, 'bench_record', profile));
  const k = insnsPerTick(board);
  const rows = parseLines(text, 'record');
  if (rows.length === 0) throw new Error(`${board}${opt} bench_record: no TPBENCH record lines`);
  return rows.map((r) => ({ kind: r.kind, n: r.n, insnsPerEvent: ((r.ticks - r.base) * k) / r.n }));
}

export async function wireCost(board, opt, random, profile = 'full') {
  const elf = elfPath(board, opt, random ? 'bench_wire_random' : 'bench_wire_small', profile);
  const { console: text, uartBytes } = await runQemu(board, elf);
  const [r] = parseLines(text, 'wire');
  if (!r) throw new Error(`${elf}: no TPBENCH wire line`);
  // both passes send the same events, so the file holds 2n of them
  const passes = r.batched === undefined ? 1 : 2;
  return {
    n: r.n,
    wholeCpuInsnsPerEvent: ((r.ticks - r.base) * insnsPerTick(board)) / r.n,
    wholeCpuBatchedInsnsPerEvent: r.batched === undefined ? null : ((r.batched - r.base) * insnsPerTick(board)) / r.n,
    batch: r.batch ?? null,
    wireBytesPerEvent: uartBytes / (passes * r.n),
    uartBytes,
    dropped: r.dropped,
  };
}

/**
 * Flash and RAM of the tracer: the input sections that the linker map attributes to the
 * core (firmware/src/*.o) and to the board's transport and timer port (its firmware/arch and
 * firmware/drivers objects and boards/<b>/port.o),
 * in the linked image. Sections that --gc-sections removed are not in the map's memory
 * map part, so only what the app really links is counted. App support that is not the tracer's
 * (the periodic timers of boards/common/<ip>_periodic.c, app_board.c) is board code, outside
 * these objects.
 *
 * A build with link-time optimisation (boards/cross.mk LTO=1, the tiny profile at -Os) gives
 * exactly those objects to LTO and no other: the apps and the rest of the board code stay plain
 * objects. The linker's LTO output (the map's <tmp>.ltransN.ltrans.o) is then the tracer's
 * code and data alone, and is counted whole, by the same rule; nothing of the tracer can be
 * inlined into an app. The map no longer says which object a byte came from, so flashByObject
 * then comes from the ELF's symbols (symbolFootprint: each function's or object's size, literal
 * pools included, by the source file its DWARF declares it in) and `method` says 'lto'.
 * symbolFootprint on a build without LTO agrees with the map within a few bytes (alignment, and
 * constants without a symbol): test/bench/footprint.test.ts.
 */
export function footprint(board, opt, app = 'bench_wire_small', dirOrProfile = 'full') {
  const dir = dirOrProfile === 'full' || dirOrProfile === 'tiny' ? buildDir(board, opt, dirOrProfile) : dirOrProfile;
  const map = readFileSync(join(dir, `${app}.map`), 'utf8');
  const sizes = { text: 0, rodata: 0, data: 0, bss: 0 };
  const perObject = {};
  let lto = false;
  const re = /^\s*(\.[\w.]+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o)\s*$/;
  let pendingName = null;
  let inDiscard = false;
  for (const line of map.split('\n')) {
    if (line.startsWith('Discarded input sections')) inDiscard = true;
    if (line.startsWith('Memory Configuration') || line.startsWith('Linker script and memory map')) inDiscard = false;
    if (inDiscard) continue;
    const only = /^\s(\.[\w.]+|COMMON)\s*$/.exec(line);
    if (only) { pendingName = only[1]; continue; }
    const m = re.exec(line);
    if (!m) { pendingName = null; continue; }
    const name = m[1] ?? pendingName;
    pendingName = null;
    const obj = m[4];
    // the core, and the board's port: its arch and drivers (firmware/arch, firmware/drivers) and
    // port.c; with LTO, the linker's output from those objects
    const ltrans = /\.ltrans\d*\.ltrans\.o$/.test(obj);
    if (!name || !(ltrans || /\/firmware\/(src|arch|drivers)\//.test(obj) || obj.endsWith('/port.o'))) continue;
    const size = parseInt(m[3], 16);
    const addr = parseInt(m[2], 16);
    if (size === 0) continue;
    // non-allocated metadata sections (SPEC §11) sit at address 0 and cost nothing
    if (addr === 0 && !name.startsWith('.text')) continue;
    let bucket = null;
    if (name.startsWith('.text')) bucket = 'text';
    else if (name.startsWith('.rodata')) bucket = 'rodata';
    else if (name.startsWith('.data')) bucket = 'data';
    else if (name.startsWith('.bss') || name === 'COMMON') bucket = 'bss';
    if (!bucket) continue;
    sizes[bucket] += size;
    if (ltrans) { lto = true; continue; }
    const key = obj.replace(/^.*\/(firmware\/(?:src|arch\/[^/]+|drivers\/[^/]+)|boards\/[^/]+)\//, '$1/');
    perObject[key] = (perObject[key] ?? 0) + (bucket === 'bss' ? 0 : size);
  }
  const flash = sizes.text + sizes.rodata + sizes.data;
  if (!lto) return { flash, ram: sizes.data + sizes.bss, ...sizes, flashByObject: perObject, method: 'map' };
  const byFile = symbolFootprint(join(dir, `${app}.elf`)).flashByFile;
  // LTO's output holds symbols with no source line (top-level asm, some constants) and padding
  const named = Object.values(byFile).reduce((a, b) => a + b, 0);
  return { flash, ram: sizes.data + sizes.bss, ...sizes, flashByObject: { ...byFile, '(lto: no source file)': flash - named }, method: 'lto' };
}

/** A tracer source file (the footprint's rule), as a path from the repository root, or null. */
function tracerFile(file) {
  const rel = file.startsWith(ROOT) ? file.slice(ROOT.length) : file;
  const parts = [];
  for (const p of rel.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.' && p !== '') parts.push(p);
  }
  const path = parts.join('/');
  return /^firmware\/(src|arch|drivers)\//.test(path) || /^boards\/[^/]+\/port\.c$/.test(path) ? path : null;
}

/**
 * The tracer's flash from the ELF's symbols: every defined function and data object in flash
 * (text, read-only data, initialised data; a Thumb function's size covers its literal pool)
 * whose DWARF declaration (nm -l: DW_AT_decl_file) is a tracer source file, once per address
 * (aliases count once). flashByFile keys are those files (a header's static functions under
 * the header). Constants without a symbol (string literals) and alignment padding are not
 * seen: a few bytes under the map's figure.
 */
export function symbolFootprint(elf) {
  const out = execFileSync('arm-none-eabi-nm', ['-S', '-l', '--defined-only', elf], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const seen = new Set();
  const flashByFile = {};
  let flash = 0;
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) ([tTwWrRdD]) \S+\t(.+):\d+$/.exec(line);
    if (!m || seen.has(m[1])) continue;
    const file = tracerFile(m[4]);
    if (!file) continue;
    seen.add(m[1]);
    const size = parseInt(m[2], 16);
    flash += size;
    flashByFile[file] = (flashByFile[file] ?? 0) + size;
  }
  return { flash, flashByFile };
}

/** Size of a global symbol from the ELF symbol table (nm -S), or null. */
export function symbolSize(elf, name) {
  const out = execFileSync('arm-none-eabi-nm', ['-S', elf], { encoding: 'utf8', maxBuffer: 16 << 20 });
  for (const line of out.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length === 4 && p[3] === name) return parseInt(p[1], 16);
  }
  return null;
}

/** DW_AT_byte_size of a named struct from the ELF's DWARF, or null. */
export function structSize(elf, name) {
  const out = execFileSync('arm-none-eabi-readelf', ['--debug-dump=info', elf], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].includes('DW_TAG_structure_type')) continue;
    const nm = /DW_AT_name\s*:.*?:?\s(\S+)\s*$/.exec(lines[i + 1] ?? '');
    const sz = /DW_AT_byte_size\s*:\s*(\d+)/.exec(lines[i + 2] ?? '');
    if (nm && nm[1] === name && sz) return Number(sz[1]);
  }
  return null;
}

/**
 * Longest interrupt-masked run in the image, in instructions, from the disassembly: from a
 * `cpsid i` to the `msr PRIMASK` that restores, counted along the straight-line code between
 * them (a static figure: a call inside the section counts as one instruction).
 */
export function longestMaskedSectionStatic(elf) {
  const dis = execFileSync('arm-none-eabi-objdump', ['-d', '--no-show-raw-insn', elf], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  let fn = '';
  let best = { insns: 0, fn: '' };
  let count = -1;
  for (const line of dis.split('\n')) {
    const f = /^[0-9a-f]+ <([^>]+)>:/.exec(line);
    if (f) { fn = f[1]; count = -1; continue; }
    const ins = /^\s+[0-9a-f]+:\s+(\S+)\s*(.*)$/.exec(line);
    if (!ins) continue;
    const [, op, operands] = ins;
    if (op === 'cpsid') { count = 0; continue; }
    if (count >= 0) {
      if (op === 'msr' && /primask/i.test(operands)) {
        if (count > best.insns) best = { insns: count, fn };
        count = -1;
      } else count++;
    }
  }
  return best;
}
