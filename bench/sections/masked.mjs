// apps/bench_wire_kinds under QEMU with the masked-section plugin: the longest
// interrupt-masked section at run time, and wire bytes per event of every record kind (the
// same run: the UART dump is split into groups of one kind each).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { log, nodeJson, perBuild } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'masked';
export const about = 'longest interrupt-masked section and wire bytes per record kind (bench_wire_kinds)';

export const KINDS = ['event0', 'event1', 'event2', 'event4', 'mark', 'span_begin', 'span_end', 'counter', 'isr_enter', 'isr_exit', 'log2'];
const EXPECT = [['event', 0], ['event', 1], ['event', 2], ['event', 4], ['mark', 0], ['span_begin', 0], ['span_end', 0], ['counter', 1], ['isr_enter', 0], ['isr_exit', 0], ['log', 2]];

/** Maps a code address to the function that holds it (outermost of an inline chain). */
function symbolise(elf, pcs) {
  if (pcs.length === 0) return [];
  const out = execFileSync('arm-none-eabi-addr2line', ['-f', '-i', '-a', '-e', elf, ...pcs.map((p) => `0x${p.toString(16)}`)], {
    encoding: 'utf8',
  });
  const res = [];
  let cur = null;
  for (const l of out.split('\n')) {
    if (/^0x[0-9a-f]+$/.test(l)) {
      if (cur) res.push(cur);
      cur = { fn: '?', inlinedFrom: null };
      continue;
    }
    if (cur && l && !l.includes(':') && !l.startsWith('/')) {
      // function name lines alternate with file:line lines; the last name is the outermost
      if (cur.fn !== '?') cur.inlinedFrom ??= cur.fn;
      cur.fn = l;
    }
  }
  if (cur) res.push(cur);
  return res;
}

function maskedFromPlugin(elf, maskedOut) {
  const sites = [];
  for (const line of readFileSync(maskedOut, 'utf8').split('\n')) {
    const m = /^TPMASKED site pc=(\d+) end_pc=(\d+) longest=(\d+) count=(\d+)/.exec(line);
    if (m) sites.push({ pc: Number(m[1]), endPc: Number(m[2]), longest: Number(m[3]), count: Number(m[4]) });
  }
  const names = symbolise(elf, sites.map((s) => s.pc));
  sites.forEach((s, i) => { s.fn = names[i]?.fn ?? '?'; });
  sites.sort((a, b) => b.longest - a.longest);
  const runtime = sites.filter((s) => s.fn !== 'tp_init');
  const init = sites.filter((s) => s.fn === 'tp_init');
  return {
    method: 'dynamic (TCG plugin)',
    longestRuntime: runtime[0] ? { insns: runtime[0].longest, fn: runtime[0].fn, count: runtime[0].count } : null,
    longestInit: init[0] ? { insns: init[0].longest, fn: 'tp_init' } : null,
    sites: sites.slice(0, 8).map((s) => ({ fn: s.fn, insns: s.longest, count: s.count })),
  };
}

async function kindsAndMasked(ctx, board, opt) {
  const plugin = ctx.plugin();
  const bench = await ctx.hostBench();
  const elf = T.elfPath(board, opt, 'bench_wire_kinds');
  const uart = join(ctx.work, `kinds-${board}${opt}.bin`);
  const maskedOut = join(ctx.work, `masked-${board}${opt}.txt`);
  const extra = plugin ? ['-plugin', `${plugin},out=${maskedOut}`] : [];
  const { console: text } = await T.runQemu(board, elf, { keepUart: uart, extra });
  const [k] = T.parseLines(text, 'kinds');
  // The masked figure stands on its own: a wire dump the splitter cannot read must not
  // take it away (it once did, and the target read NOT MEASURED).
  const masked = plugin && existsSync(maskedOut)
    ? maskedFromPlugin(elf, maskedOut)
    : { method: 'static (objdump scan)', longestRuntime: T.longestMaskedSectionStatic(elf) };
  const kinds = nodeJson(bench, ['wirekinds', uart, `${board}${opt}`]);
  rmSync(uart, { force: true });
  const shapeOk = kinds.groups.length === 2 * KINDS.length &&
    kinds.groups.every((g, i) => g.kind === EXPECT[i % KINDS.length][0] && g.nargs === EXPECT[i % KINDS.length][1] && g.events === k?.n);
  if (!shapeOk) {
    const wireError = `the UART dump does not hold the expected 22 groups of ${k?.n} events (${kinds.groups.length} groups)`;
    log(`${board}${opt} bench_wire_kinds: ${wireError}`);
    return { counters: k ?? null, wireError, masked };
  }
  const wire = { small: {}, random: {} };
  kinds.groups.forEach((g, i) => {
    const set = i < KINDS.length ? 'small' : 'random';
    wire[set][KINDS[i % KINDS.length]] = { kind: g.kind, nargs: g.nargs, events: g.events, bytesPerEvent: g.bytesPerEvent };
  });
  return { counters: k ?? null, wire, otherBytes: kinds.otherBytes, badFrames: kinds.badFrames, masked };
}

export async function run(ctx, results) {
  await perBuild(results, 'kinds', (board, opt) => kindsAndMasked(ctx, board, opt));
}
