// Target-side benchmarks: record cost, whole-CPU cost, wire bytes, footprint, masked
// sections. Every figure comes from QEMU under -icount shift=0, where one guest
// instruction advances virtual time by exactly 1 ns, so timer ticks count instructions.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;

export function boardJson(board) {
  return JSON.parse(readFileSync(join(ROOT, 'boards', board, 'board.json'), 'utf8'));
}

export function buildDir(board, opt) {
  return `build/bench/${board}${opt}`;
}

export function buildBoard(board, opt) {
  execFileSync('make', ['-s', `BOARD=${board}`, `OPT=${opt}`, `BUILD=${buildDir(board, opt)}`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Runs an ELF under deterministic QEMU; returns console (semihosting) text and the UART bytes. */
export function runQemu(board, elf, { timeoutS = 120 } = {}) {
  const bj = boardJson(board);
  const dir = mkdtempSync(join(tmpdir(), 'tpbench-'));
  const uart = join(dir, 'uart.bin');
  const args = [
    '-M', bj.qemu.machine,
    '-display', 'none', '-monitor', 'none',
    '-icount', 'shift=0,sleep=off',
    '-semihosting-config', 'enable=on,target=native',
    '-serial', `file:${uart}`,
    ...(bj.qemu.args ?? []),
    '-kernel', elf,
  ];
  const r = spawnSync('timeout', [String(timeoutS), 'qemu-system-arm', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  let uartBytes = 0;
  try { uartBytes = statSync(uart).size; } catch { /* no output */ }
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${elf}: qemu exited ${r.status}: ${(r.stderr || '').slice(-400)}`);
  return { console: r.stderr + r.stdout, uartBytes };
}

function parseLines(text, tag) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`TPBENCH ${tag} `)) continue;
    const o = {};
    for (const kv of line.split(' ').slice(2)) {
      const [k, v] = kv.split('=');
      o[k] = /^\d+$/.test(v) ? Number(v) : v;
    }
    out.push(o);
  }
  return out;
}

/** instructions = ticks * (1e9 / hz) under shift=0 (1 ns per instruction). */
function insnsPerTick(board) {
  return 1e9 / boardJson(board).timer.hz;
}

export function recordCost(board, opt) {
  const elf = join(buildDir(board, opt), 'bench_record.elf');
  const { console: text } = runQemu(board, elf);
  const k = insnsPerTick(board);
  return parseLines(text, 'record').map((r) => ({
    kind: r.kind,
    insnsPerEvent: ((r.ticks - r.base) * k) / r.n,
  }));
}

export function wireCost(board, opt, random) {
  const elf = join(buildDir(board, opt), random ? 'bench_wire_random.elf' : 'bench_wire_small.elf');
  const { console: text, uartBytes } = runQemu(board, elf);
  const [r] = parseLines(text, 'wire');
  if (!r) throw new Error(`${elf}: no TPBENCH wire line`);
  return {
    wholeCpuInsnsPerEvent: ((r.ticks - r.base) * insnsPerTick(board)) / r.n,
    wireBytesPerEvent: uartBytes / r.n,
    dropped: r.dropped,
  };
}

/**
 * Flash and RAM of the tracer: the input sections that the linker map attributes to the
 * core (firmware/src) and to the board's transport (port.c), in the linked image.
 */
export function footprint(board, opt, app = 'bench_wire_small') {
  const map = readFileSync(join(ROOT, buildDir(board, opt), `${app}.map`), 'utf8');
  const sizes = { text: 0, rodata: 0, data: 0, bss: 0 };
  const lines = map.split('\n');
  const re = /^\s*(\.[\w.]+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o)\s*$/;
  let pendingName = null;
  let inDiscard = false;
  for (const line of lines) {
    if (line.startsWith('Discarded input sections')) inDiscard = true;
    if (line.startsWith('Memory Configuration')) inDiscard = false;
    if (inDiscard) continue;
    const only = /^\s(\.[\w.]+)\s*$/.exec(line);
    if (only) { pendingName = only[1]; continue; }
    const m = re.exec(line);
    if (!m) { pendingName = null; continue; }
    const name = m[1] ?? pendingName;
    pendingName = null;
    const obj = m[4];
    if (!name || !(obj.includes('/firmware/src/') || obj.endsWith('/port.o'))) continue;
    const size = parseInt(m[3], 16);
    if (Number(`0x${m[2]}`) === 0 && size === 0) continue;
    if (name.startsWith('.text')) sizes.text += size;
    else if (name.startsWith('.rodata')) sizes.rodata += size;
    else if (name.startsWith('.data')) sizes.data += size;
    else if (name.startsWith('.bss') || name.startsWith('COMMON')) sizes.bss += size;
  }
  return { flash: sizes.text + sizes.rodata + sizes.data, ram: sizes.data + sizes.bss, ...sizes };
}

/**
 * Longest interrupt-masked run in the tracer's functions, in instructions, from the
 * disassembly: from a `cpsid i` (or an `msr PRIMASK` that masks) to the `msr PRIMASK`
 * that restores, counted along the straight-line code between them.
 */
export function longestMaskedSection(board, opt, app = 'bench_wire_small') {
  const elf = join(ROOT, buildDir(board, opt), `${app}.elf`);
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
