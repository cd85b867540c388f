// The longest interrupt-masked section of the tracer along the paths the stress, overload
// and flight-recorder apps reach: drops, evictions, timer wraps, nested interrupts, two
// cores at once, the flush that closes the books and a CMD_DUMP of the ring. Each app runs
// through `tracepipe run` (flight_recorder through `tracepipe dump`), the same pty path as
// the tests, with QEMU started by a small wrapper that adds the masked-section plugin, at
// -O2 and -Os, and in the tiny profile on one M0 board. Only sections opened in the tracer's
// own code (firmware/src, firmware/arch, firmware/drivers) count: an app may mask around
// its own calls (flight_recorder does; the plugin measures the tracer's sections inside).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOARDS, CLI, OPTS, boardInfo, log, pool, put } from '../harness.mjs';
import * as T from '../target.mjs';

export const name = 'maskedpaths';
export const about = 'longest masked section of the tracer along the stress, overload and dump paths (tracepipe run/dump, QEMU plugin)';

/** Each app, the paths it drives, and how the host talks to it. */
const PATH_APPS = [
  { app: 'stress_discard', paths: 'drops, nested interrupt writers, flush' },
  { app: 'stress_overwrite', paths: 'evictions, nested interrupt writers, flush' },
  { app: 'e2e_overload', paths: 'drops with the link busy, flush' },
  { app: 'e2e_clean', paths: 'no loss, flush' },
  // Built with the timer narrowed to 16 bits and run under -icount, as the wrap tests do.
  // Without -icount the timer runs on host time, apart from the instructions, and QEMU
  // handles its wrap in a host callback (late on a loaded host): the overflow handler's
  // masked wait for the wrap to settle (cmsdk_timer.c ts_wait_wrapped, "a tick or two" on
  // silicon) then spun 0.1-1 M instructions on an385, a figure of the emulator.
  { app: 'wrap16', paths: 'timer wraps every 65 536 ticks (16-bit build, -icount), idle gaps, flush', t16: true, icount: true },
  // The same on host time, where the nRF51 timer has no settle wait to spin in: the timer and
  // the instructions drift apart as interrupts and wraps do on silicon, which reaches a turn
  // with a wrap pending that the -icount run seldom does.
  { key: 'wrap16_hosttime', app: 'wrap16', paths: 'timer wraps (16-bit build) on host time, no -icount', t16: true, boards: ['microbit'] },
  { app: 'flight_recorder', paths: 'evictions with nothing sent, CMD_DUMP', dump: true },
  { app: 'multicore_discard', paths: 'two cores: drops, cross-core drain', multicore: true },
  { app: 'multicore_overwrite', paths: 'two cores: evictions racing the cross-core claim', multicore: true },
];
/** The tiny profile (discard mode only, no dump) on one M0 board. */
const TINY_BOARD = 'microbit';
const TINY_APPS = ['stress_discard', 'e2e_overload', 'e2e_clean', 'wrap16'];

/** Outermost function and its source file for each address. */
function whereIs(elf, pcs) {
  if (pcs.length === 0) return [];
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

async function runApp(ctx, board, elf, spec, percpu, tag) {
  const dir = join(ctx.work, `mp-${board}-${tag}-${spec.key ?? spec.app}`);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'masked.txt');
  const wrapper = join(dir, 'qemu.sh');
  const icount = spec.icount ? ' -icount shift=0,sleep=off' : '';
  writeFileSync(wrapper, `#!/bin/sh\nexec qemu-system-arm "$@"${icount} -plugin '${ctx.plugin()},out=${out}${percpu ? ',percpu=1' : ''}'\n`);
  chmodSync(wrapper, 0o755);
  const trace = join(dir, 'trace.tpt');
  const args = spec.dump
    ? ['dump', '--board', board, elf, '-o', trace, '--after', '0.5']
    : ['run', '--board', board, elf, '-o', trace];
  const r = await new Promise((resolve) => {
    const p = spawn('timeout', ['300', 'node', CLI, ...args], {
      cwd: T.ROOT, env: { ...process.env, TRACEPIPE_QEMU: wrapper }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (b) => { err += b; });
    p.on('close', (code) => resolve({ code, err }));
  });
  if (r.code !== 0) throw new Error(`${board} ${tag} ${spec.app}: tracepipe ${args[0]} exited ${r.code}: ${r.err.trim().split('\n').pop()}`);
  const best = longestInTracer(elf, out);
  rmSync(dir, { recursive: true, force: true });
  if (!best) throw new Error(`${board} ${tag} ${spec.app}: the plugin saw no masked section in the tracer`);
  return best;
}

/** Where spec's app is built for (opt, profile): the bench's build dir, or beside it for a 16-bit timer. */
function elfOf(board, opt, profile, spec) {
  const dir = T.buildDir(board, opt, profile);
  return spec.t16 ? join(`${dir}-t16`, `${spec.app}.elf`) : join(dir, `${spec.app}.elf`);
}

/** Builds the specs' apps of board for (opt, profile); null, or make's error. */
function build(board, opt, profile, specs) {
  const groups = [specs.filter((s) => !s.t16), specs.filter((s) => s.t16)];
  try {
    for (const g of groups) {
      if (g.length === 0) continue;
      const elfs = g.map((s) => elfOf(board, opt, profile, s));
      const dir = join(elfs[0], '..');
      const extra = g[0].t16 ? ['BOARD_CFLAGS=-DTP_BOARD_TIMER_BITS=16'] : [];
      execFileSync('make', ['-s', '-j2', `BOARD=${board}`, `OPT=${opt}`, `PROFILE=${profile}`, `BUILD=${dir}`, ...extra, ...elfs], {
        cwd: T.ROOT, stdio: 'pipe',
      });
    }
    return null;
  } catch (e) {
    return `make failed: ${String(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

/** The builds of a board: each opt in the full profile, and the tiny one on TINY_BOARD. */
function buildsOf(board, cores) {
  const full = PATH_APPS.filter((s) => (!s.multicore || cores > 1) && (!s.boards || s.boards.includes(board)));
  const out = OPTS.map((opt) => ({ tag: opt, opt, profile: 'full', specs: full }));
  if (board === TINY_BOARD) out.push({ tag: '-O2 tiny', opt: '-O2', profile: 'tiny', specs: full.filter((s) => TINY_APPS.includes(s.app)) });
  return out;
}

export async function run(ctx, results) {
  if (!ctx.plugin()) { log('maskedpaths: no plugin, skipped'); return; }
  const tasks = [];
  const per = {};
  for (const board of BOARDS) {
    if (!boardInfo(results, board)) continue;
    const cores = T.boardJson(board).cores ?? 1;
    per[board] = { paths: {}, builds: {} };
    for (const b of buildsOf(board, cores)) {
      const cell = (per[board].builds[b.tag] = { opt: b.opt, profile: b.profile, apps: {} });
      log(`build ${board} ${b.tag} (${b.specs.map((s) => s.app).join(', ')})`);
      const err = build(board, b.opt, b.profile, b.specs);
      for (const spec of b.specs) {
        const key = spec.key ?? spec.app;
        per[board].paths[key] = spec.paths;
        if (err) { cell.apps[key] = { error: err }; continue; }
        const elf = elfOf(board, b.opt, b.profile, spec);
        tasks.push(async () => {
          try {
            cell.apps[key] = await runApp(ctx, board, elf, spec, cores > 1, b.tag);
            log(`done ${board} ${b.tag} ${key}: ${cell.apps[key].insns} (${cell.apps[key].fn})`);
          } catch (e) {
            cell.apps[key] = { error: e.message };
            log(e.message);
          }
        });
      }
    }
  }
  log(`maskedpaths: ${tasks.length} runs (2 at a time)`);
  await pool(tasks);
  for (const [board, p] of Object.entries(per)) {
    let best = null;
    const failed = [];
    for (const [tag, b] of Object.entries(p.builds)) {
      for (const [app, v] of Object.entries(b.apps)) {
        if (typeof v?.insns !== 'number') { failed.push(`${tag} ${app}`); continue; }
        if (!best || v.insns > best.insns) best = { ...v, app, build: tag };
      }
    }
    p.longest = best;
    p.failed = failed;
    put(results, ['target', 'boards', board, 'maskedPaths'], p);
  }
}
