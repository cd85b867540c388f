// The longest interrupt-masked section of the tracer along the paths the stress and overload
// apps reach (drops, evictions, timer wraps, nested interrupts, flush at the end): each app
// runs through `tracepipe run` (the same pty path as the tests) with QEMU started by a small
// wrapper that adds the masked-section plugin. Only sections opened in the tracer's own code
// (firmware/src, firmware/arch, firmware/drivers) count: an app may mask around its own calls.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOARDS, CLI, boardInfo, log, pool, put } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'maskedpaths';
export const about = 'longest masked section of the tracer along the stress apps\' paths (tracepipe run, QEMU plugin)';

const APPS = ['stress_discard', 'stress_overwrite', 'e2e_overload', 'e2e_clean', 'wrap16'];
const MULTICORE_APPS = ['multicore_discard', 'multicore_overwrite'];

/** Outermost function and its source file for each address. */
function whereIs(elf, pcs) {
  const out = execFileSync('arm-none-eabi-addr2line', ['-f', '-i', '-a', '-e', elf, ...pcs.map((p) => `0x${p.toString(16)}`)], { encoding: 'utf8' });
  const res = [];
  let cur = null;
  let fn = null;
  for (const l of out.split('\n')) {
    if (/^0x[0-9a-f]+$/.test(l)) { if (cur) res.push(cur); cur = { fn: '?', file: '?' }; fn = null; continue; }
    if (!cur || !l) continue;
    if (fn === null) { fn = l; continue; }
    cur.fn = fn; cur.file = l; fn = null; // the last pair is the outermost frame
  }
  if (cur) res.push(cur);
  return res;
}

function longestInTracer(elf, file) {
  const sites = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^TPMASKED site pc=(\d+) end_pc=(\d+) longest=(\d+) count=(\d+)/.exec(line);
    if (m) sites.push({ pc: Number(m[1]), longest: Number(m[3]), count: Number(m[4]) });
  }
  const where = whereIs(elf, sites.map((s) => s.pc));
  let best = null;
  let sections = 0;
  sites.forEach((s, i) => {
    const w = where[i];
    if (!/\/firmware\/(src|arch|drivers)\//.test(w.file) || w.fn === 'tp_init') return;
    sections += s.count;
    if (!best || s.longest > best.insns) best = { insns: s.longest, fn: w.fn };
  });
  return best ? { ...best, sections } : null;
}

async function runApp(ctx, board, app, percpu) {
  const dir = join(ctx.work, `mp-${board}-${app}`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'masked.txt');
  const wrapper = join(dir, 'qemu.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec qemu-system-arm "$@" -plugin '${ctx.plugin()},out=${out}${percpu ? ',percpu=1' : ''}'\n`);
  chmodSync(wrapper, 0o755);
  const elf = join(T.ROOT, 'build', board, `${app}.elf`);
  const r = await new Promise((resolve) => {
    {
      const p = spawn('timeout', ['300', 'node', CLI, 'run', '--board', board, elf, '-o', join(dir, 'trace.tpt')], {
        cwd: T.ROOT, env: { ...process.env, TRACEPIPE_QEMU: wrapper }, stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr.on('data', (b) => { err += b; });
      p.on('close', (code) => resolve({ code, err }));
    }
  });
  if (r.code !== 0) throw new Error(`${board} ${app}: tracepipe run exited ${r.code}: ${r.err.trim().split('\n').pop()}`);
  const best = longestInTracer(elf, out);
  rmSync(dir, { recursive: true, force: true });
  return best;
}

export async function run(ctx, results) {
  if (!ctx.plugin()) { log('maskedpaths: no plugin, skipped'); return; }
  const tasks = [];
  for (const board of BOARDS) {
    if (!boardInfo(results, board)) continue;
    const cores = T.boardJson(board).cores ?? 1;
    log(`build ${board} (-O2, the tests' build)`);
    try {
      execFileSync('make', ['-s', '-j2', `BOARD=${board}`], { cwd: T.ROOT, stdio: 'pipe' });
    } catch (e) {
      put(results, ['target', 'boards', board, 'maskedPaths'], { error: `make failed: ${String(e.stderr ?? e.message).slice(-200)}` });
      continue;
    }
    const apps = cores > 1 ? [...APPS, ...MULTICORE_APPS] : APPS;
    for (const app of apps) {
      tasks.push(async () => {
        const v = await runApp(ctx, board, app, cores > 1);
        log(`done ${board} ${app}: ${v?.insns} (${v?.fn})`);
        return [board, app, v];
      });
    }
  }
  log(`maskedpaths: ${tasks.length} runs (2 at a time)`);
  const out = await pool(tasks);
  const per = {};
  for (const x of out) {
    if (!Array.isArray(x)) { log(`maskedpaths: ${x.error}`); continue; }
    const [board, app, v] = x;
    (per[board] ??= { apps: {} }).apps[app] = v;
  }
  for (const [board, p] of Object.entries(per)) {
    let best = null;
    for (const [app, v] of Object.entries(p.apps)) if (v && (!best || v.insns > best.insns)) best = { ...v, app };
    p.longest = best;
    put(results, ['target', 'boards', board, 'maskedPaths'], p);
  }
}
